package layout

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestDiff runs testdata/diff, the canonical description of the rules:
// each case gives the old and the new layout as one JSON line each, and
// optionally a third line with the old layout's history; the output is
// every change Diff lists, one per line, as
//
//	verdict RULE: text [=> action]
//
// where the action is shown when it is more than recording the layout.
func TestDiff(t *testing.T) {
	seen := map[string]bool{}
	datadriven.RunTest(t, "testdata/diff", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "diff" {
			d.Fatalf(t, "unknown command %q; use diff", d.Cmd)
		}
		lines := strings.Split(strings.TrimSpace(d.Input), "\n")
		if len(lines) != 2 && len(lines) != 3 {
			d.Fatalf(t, "want 2 JSON lines (old, new) and optionally a history line, got %d", len(lines))
		}
		var old, new Table
		var h History
		if err := json.Unmarshal([]byte(lines[0]), &old); err != nil {
			d.Fatalf(t, "old: %v", err)
		}
		if err := json.Unmarshal([]byte(lines[1]), &new); err != nil {
			d.Fatalf(t, "new: %v", err)
		}
		if len(lines) == 3 {
			if err := json.Unmarshal([]byte(lines[2]), &h); err != nil {
				d.Fatalf(t, "history: %v", err)
			}
		}
		ch := Diff(&old, &new, h)
		if (len(ch) == 0) != (old.Fingerprint() == new.Fingerprint()) {
			t.Errorf("changes %v disagree with fingerprints %s, %s", ch, old.Fingerprint(), new.Fingerprint())
		}
		if len(ch) == 0 {
			return "no changes\n"
		}
		var b strings.Builder
		for _, c := range ch {
			seen[c.Rule] = true
			fmt.Fprintf(&b, "%s %s: %s", c.Verdict, c.Rule, c.Text)
			if c.Verdict == Refused && c.Action != Record {
				t.Errorf("refused change %q has action %s", c.Text, c.Action)
			}
			if c.Verdict != Safe && c.Reason == "" {
				t.Errorf("change %q is %s without a reason", c.Text, c.Verdict)
			}
			if c.Action != Record {
				fmt.Fprintf(&b, " => %s", c.Action)
			}
			b.WriteString("\n")
		}
		return b.String()
	})
	// Every rule Diff knows appears in the file.
	for _, r := range ruleIDs(t) {
		if !seen[r] {
			t.Errorf("rule %s has no case in testdata/diff", r)
		}
	}
}

// ruleIDs reads the rule ids declared in diff.go.
func ruleIDs(t *testing.T) []string {
	src, err := os.ReadFile("diff.go")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range regexp.MustCompile(`(?m)^\trule\w+\s*= "(\w+)"$`).FindAllStringSubmatch(string(src), -1) {
		ids = append(ids, m[1])
	}
	if len(ids) < 25 {
		t.Fatalf("found only %d rule ids in diff.go", len(ids))
	}
	return ids
}

// TestKindChanges runs testdata/kinds: every ordered pair of the four
// kinds, judged by Diff on two tables that differ only in kind.
func TestKindChanges(t *testing.T) {
	pairs := map[[2]Kind]bool{}
	datadriven.RunTest(t, "testdata/kinds", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "kind" {
			d.Fatalf(t, "unknown command %q; use kind old=... new=...", d.Cmd)
		}
		var o, n string
		d.ScanArgs(t, "old", &o)
		d.ScanArgs(t, "new", &n)
		pairs[[2]Kind{Kind(o), Kind(n)}] = true
		base := Table{ID: 1, Namespace: "app", Name: "events",
			Key:     []KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
			Columns: []Column{{Tag: 1, Name: "at", Type: "timestamp"}, {Tag: 2, Name: "id", Type: "string"}},
		}
		old, new := base, base
		old.Kind, new.Kind = Kind(o), Kind(n)
		ch := Diff(&old, &new, History{})
		if len(ch) == 0 {
			return "no changes\n"
		}
		var b strings.Builder
		for _, c := range ch {
			fmt.Fprintf(&b, "%s %s: %s\n", c.Verdict, c.Rule, c.Reason)
		}
		return b.String()
	})
	for _, o := range Kinds {
		for _, n := range Kinds {
			if !pairs[[2]Kind{o, n}] {
				t.Errorf("testdata/kinds has no case for %s → %s", o, n)
			}
		}
	}
}

// TestKindChangeRefusesOwnerScoping is the rule testdata/kinds spells out:
// a change is refused exactly when it changes owner scoping.
func TestKindChangeRefusesOwnerScoping(t *testing.T) {
	for _, o := range Kinds {
		for _, n := range Kinds {
			v, _ := KindChange(o, n)
			if want := o.OwnerScoped() != n.OwnerScoped(); (v == Refused) != want {
				t.Errorf("%s → %s: verdict %s, want refused %t", o, n, v, want)
			}
		}
	}
	if v, _ := KindChange("user", "table"); v != Refused {
		t.Errorf("a change to an unknown kind is %s, want refused", v)
	}
}

func TestFingerprintIgnoresDeclarationOrder(t *testing.T) {
	a := Table{ID: 1, Namespace: "n", Name: "t", Kind: System,
		Columns: []Column{{Tag: 1, Name: "a", Type: "string"}, {Tag: 2, Name: "b", Type: "int64", Nullable: true}},
		Indexes: []Index{{ID: 1, Name: "by_a", Columns: []string{"a"}}, {ID: 2, Name: "by_b", Columns: []string{"b"}}},
	}
	b := a.Canonical()
	slices.Reverse(b.Columns)
	slices.Reverse(b.Indexes)
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("reordering column and index declarations changed the fingerprint")
	}
	b.Columns[0].Nullable = !b.Columns[0].Nullable
	if a.Fingerprint() == b.Fingerprint() {
		t.Error("a nullable change did not change the fingerprint")
	}
	// The fingerprint is stored in every DB: pin it (sha256 of the canonical
	// JSON {"id":1,"namespace":"n","name":"t","kind":"system"}, as the
	// store has recorded it since its first release).
	const want = "99486798468055e7dfcde7eaafdba330ad4924d8b103f8f6d3cb202a7448d930"
	if got := (&Table{ID: 1, Namespace: "n", Name: "t", Kind: "system"}).Fingerprint(); got != want {
		t.Errorf("fingerprint of a fixed layout = %s, want %s", got, want)
	}
	// Fields added later are left out when empty, so old fingerprints hold.
	if got := string((&Table{ID: 1, Namespace: "n", Name: "t", Kind: "system"}).MarshalCanonical()); got != `{"id":1,"namespace":"n","name":"t","kind":"system"}` {
		t.Errorf("canonical JSON = %s", got)
	}
}

// TestCoveringInTheFingerprint: an index that does not cover encodes as it
// did before covering existed, so the fingerprints already stored hold, and
// one that covers encodes differently, so opening a database recorded
// without it finds the change (INDEX_COVERING_CHANGED) and rebuilds.
func TestCoveringInTheFingerprint(t *testing.T) {
	plain := Table{ID: 1, Namespace: "n", Name: "t", Kind: Shared, Indexes: []Index{{ID: 1, Name: "by_a", Columns: []string{"a"}}}}
	if got, want := string(plain.MarshalCanonical()), `{"id":1,"namespace":"n","name":"t","kind":"shared","indexes":[{"id":1,"name":"by_a","columns":["a"]}]}`; got != want {
		t.Errorf("canonical JSON of a non-covering index = %s, want %s", got, want)
	}
	covering := plain.Canonical()
	covering.Indexes[0].Covering = true
	if !strings.Contains(string(covering.MarshalCanonical()), `"covering":true`) {
		t.Errorf("canonical JSON of a covering index = %s, want it to record covering", covering.MarshalCanonical())
	}
	if plain.Fingerprint() == covering.Fingerprint() {
		t.Error("covering did not change the fingerprint")
	}
	if plain.Indexes[0].Covering {
		t.Error("Canonical shares the index slice with its table")
	}
}
