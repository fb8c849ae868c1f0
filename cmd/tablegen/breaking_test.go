package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/compat"
	"github.com/tablegen/tablegen/internal/schema"
)

const breakingItemsV1 = `namespace: app
table: items
id: 1
kind: shared
entity: Item
key: {type: ItemId, columns: [item_id]}
columns:
  - {name: item_id, tag: 1, type: string}
  - {name: owner, tag: 2, type: string}
  - {name: note, tag: 3, type: string, nullable: true}
indexes:
  - {name: by_owner, id: 1, columns: [owner]}
`

const breakingOrdersV1 = `namespace: app
table: orders
id: 2
kind: shared
entity: Order
key: {type: OrderId, columns: [order_id]}
columns:
  - {name: order_id, tag: 1, type: string}
  - {name: total, tag: 2, type: int64}
`

// breakingRepo is a temporary git repository holding schemas/.
type breakingRepo struct {
	t   *testing.T
	dir string
}

func newBreakingRepo(t *testing.T) *breakingRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("these tests need git on PATH: %v", err)
	}
	r := &breakingRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *breakingRepo) git(args ...string) {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func (r *breakingRepo) write(name, text string) {
	r.t.Helper()
	p := filepath.Join(r.dir, "schemas", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *breakingRepo) remove(name string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.dir, "schemas", name)); err != nil {
		r.t.Fatal(err)
	}
}

// generate writes the lock file as `tablegen generate` does: Build with the
// lock already there.
func (r *breakingRepo) generate() {
	r.t.Helper()
	dir := filepath.Join(r.dir, "schemas")
	s, err := schema.Load(dir)
	if err != nil {
		r.t.Fatal(err)
	}
	prev, err := readWorkingLock(filepath.Join(dir, "tablegen.lock"))
	if err != nil {
		r.t.Fatal(err)
	}
	if errs := compat.CheckRetired(s, prev); len(errs) > 0 {
		r.t.Fatal(errs)
	}
	if err := os.WriteFile(filepath.Join(dir, "tablegen.lock"), compat.Marshal(compat.Build(s, prev)), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *breakingRepo) commit(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// breaking runs `tablegen breaking -schemas <breakingRepo>/schemas args...`.
func (r *breakingRepo) breaking(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = runBreaking(append([]string{"-schemas", filepath.Join(r.dir, "schemas")}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func (r *breakingRepo) expect(name string, wantCode int, wantOut string, args ...string) {
	r.t.Helper()
	code, out, errOut := r.breaking(args...)
	if code != wantCode || out != wantOut {
		r.t.Errorf("%s: breaking %v: exit %d, want %d\n--- stdout ---\n%s--- want ---\n%s--- stderr ---\n%s", name, args, code, wantCode, out, wantOut, errOut)
	}
}

func TestBreakingGit(t *testing.T) {
	r := newBreakingRepo(t)
	r.write("app/items.yaml", breakingItemsV1)
	r.write("app/orders.yaml", breakingOrdersV1)
	r.generate()
	r.commit("v1")
	r.git("tag", "v1")

	// Success ends with a one-line summary.
	headLock := " against " + filepath.Join(r.dir, "schemas", "tablegen.lock") + " at HEAD\n"
	r.expect("unchanged", 0, "tablegen breaking: 2 tables, no breaking changes"+headLock)

	// v2, not regenerated: a column changes to an incompatible type and a
	// table is removed without retiring its id.
	r.write("app/items.yaml", strings.Replace(breakingItemsV1, "{name: note, tag: 3, type: string", "{name: note, tag: 3, type: int64", 1))
	r.remove("app/orders.yaml")
	const typeChange = "schemas/app/items.yaml:10:5: COLUMN_TYPE_INCOMPATIBLE: column note of table app.items (tag 3) changed type from string to int64: the wire types differ (length-delimited vs varint), so every stored value fails to decode; restore type string, or add a new column with an unused tag such as 4\n"
	const removed = "HEAD:schemas/tablegen.lock:18:1: TABLE_REMOVED_NOT_RETIRED: table app.orders (id 2) was removed but the lock file does not retire id 2, so a later table could take the id and read the old rows as its own; run `tablegen generate` to retire it and commit schemas/tablegen.lock\n"
	r.expect("against HEAD's lock", 1, removed+typeChange)
	r.expect("one rule allowed", 1,
		strings.Replace(removed, ": TABLE_REMOVED", ": allowed: TABLE_REMOVED", 1)+typeChange,
		"--allow", "TABLE_REMOVED_NOT_RETIRED")
	r.expect("both rules allowed", 0,
		strings.Replace(removed, ": TABLE_REMOVED", ": allowed: TABLE_REMOVED", 1)+
			strings.Replace(typeChange, ": COLUMN_TYPE", ": allowed: COLUMN_TYPE", 1)+
			"tablegen breaking: 1 table, no breaking changes (2 allowed, 0 warnings)"+headLock,
		"--allow", "TABLE_REMOVED_NOT_RETIRED", "--allow=COLUMN_TYPE_INCOMPATIBLE")

	// Regenerating retires the table id: only the type change is left.
	r.generate()
	r.expect("regenerated", 1, typeChange)
	r.commit("v2")

	// A warning alone does not fail.
	r.write("app/items.yaml", strings.Replace(breakingItemsV1, "{name: note, tag: 3, type: string", "{name: note, tag: 3, type: int64", 1)+
		"  - {name: by_note, id: 2, columns: [note], unique: true}\n")
	r.generate()
	const warning = "schemas/app/items.yaml:13:5: warning: UNIQUE_INDEX_ADDED: unique index by_note (id 2) was added to existing table app.items; rows already stored may hold duplicate values, and then building the index fails when the database opens; check the data for duplicates first\n"
	r.expect("warning only", 0, warning+"tablegen breaking: 1 table, no breaking changes (0 allowed, 1 warning)"+headLock)

	// Against the v1 tag, read with git: the v1 schemas themselves, so the
	// type change committed in v2 is reported; the removal of orders is not,
	// since the current lock retires its id.
	r.expect("against v1", 1, typeChange+warning, "--against", "v1")
	r.expect("against main", 0, warning+"tablegen breaking: 1 table, no breaking changes (0 allowed, 1 warning) against main\n", "--against", "main")

	// A removal found against a revision points into the file at that
	// revision, in git's REV:path notation.
	r.write("app/items.yaml", strings.Replace(breakingItemsV1, "indexes:\n  - {name: by_owner, id: 1, columns: [owner]}\n", "", 1))
	r.expect("removal against v1", 1,
		"v1:schemas/app/items.yaml:12:5: INDEX_REMOVED_NOT_RETIRED: index by_owner (id 1) of table app.items was removed but the lock file does not retire id 1, so a later index could take the id over stale entries; run `tablegen generate` to retire it\n",
		"--against", "v1")
}

func TestBreakingUsage(t *testing.T) {
	r := newBreakingRepo(t)
	r.write("app/items.yaml", breakingItemsV1)
	r.generate()
	r.commit("v1")
	for _, tc := range []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"--allow", "NO_SUCH_RULE"}, 2, `unknown rule "NO_SUCH_RULE"`},
		{[]string{"--allow", "TABLE_REMOVED_NOT_RETIRD"}, 2, `unknown rule "TABLE_REMOVED_NOT_RETIRD"; did you mean "TABLE_REMOVED_NOT_RETIRED"?`},
		{[]string{"--frobnicate"}, 2, "tablegen breaking: unknown flag -frobnicate; see tablegen breaking -h\n"},
		{[]string{"--agaist", "main"}, 2, "unknown flag -agaist; did you mean -against?"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--against", "no-such-branch"}, 2, `"no-such-branch" is not a commit`},
		{[]string{"--against", "--help"}, 2, `--against "--help" is not a git revision`},
		{[]string{"-schemas", filepath.Join(r.dir, "nowhere")}, 2, "cannot read the schemas directory"},
	} {
		code, out, errOut := r.breaking(tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("breaking %v: exit %d (want %d), stdout %q, stderr %q (want it to contain %q)", tc.args, code, tc.code, out, errOut, tc.wantErr)
		}
	}
	// -h answers on stdout, with every rule, and succeeds.
	code, out, errOut := r.breaking("-h")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: tablegen breaking") {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, rule := range compat.Rules() {
		if !strings.Contains(out, rule.ID) {
			t.Errorf("-h does not list rule %s", rule.ID)
		}
	}
}

// The command is registered under its name, so `tablegen breaking` reaches it.
func TestBreakingRegistered(t *testing.T) {
	c, ok := commands["breaking"]
	if !ok || c.run == nil {
		t.Fatal("no breaking command registered")
	}
	var out, errb bytes.Buffer
	if code := run([]string{"breaking", "-h"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--against") && !strings.Contains(out.String(), "-against") {
		t.Errorf("tablegen breaking -h: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// A repository whose HEAD has no lock file has nothing to compare with.
func TestBreakingNoBaseline(t *testing.T) {
	r := newBreakingRepo(t)
	r.write("app/items.yaml", breakingItemsV1)
	r.commit("schemas without a lock")
	code, out, errOut := r.breaking()
	if code != 0 || out != "" || !strings.Contains(errOut, "no schemas/tablegen.lock committed at HEAD") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// A repository without a commit cannot be compared with.
func TestBreakingNoCommit(t *testing.T) {
	r := newBreakingRepo(t)
	r.write("app/items.yaml", breakingItemsV1)
	code, out, errOut := r.breaking()
	if code != 2 || out != "" || !strings.Contains(errOut, "has no commit at HEAD yet") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
