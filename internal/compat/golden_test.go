package compat

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected sections of the golden txtar files")

// lockName is where an archive holds a lock file, under old/ or new/.
const lockName = "schemas/tablegen.lock"

// archive is one golden txtar file split into its parts.
type archive struct {
	path    string
	a       *txtar.Archive
	options map[string]string // "key: value" lines of the comment
}

func readArchives(t *testing.T, dir string) []*archive {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files in testdata/%s (%v)", dir, err)
	}
	var out []*archive
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ar := &archive{path: p, a: a, options: map[string]string{}}
		for _, l := range strings.Split(string(a.Comment), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, "#") {
				ar.options[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		out = append(out, ar)
	}
	return out
}

// files returns the archive's files under prefix: YAML files as a map for
// schema.ParseFiles, and the lock file (nil when absent). With strip, names
// lose the prefix (the new side is "schemas/..."); without, they keep it, so
// that positions in the old side read "old/schemas/...".
func (ar *archive) files(prefix string, strip bool) (yaml map[string][]byte, lock []byte) {
	yaml = map[string][]byte{}
	for _, f := range ar.a.Files {
		name, ok := strings.CutPrefix(f.Name, prefix)
		if !strip {
			name = f.Name
		}
		switch {
		case !ok:
		case strings.HasSuffix(name, lockName):
			lock = f.Data
		case strings.HasSuffix(name, ".yaml"):
			yaml[name] = f.Data
		}
	}
	return yaml, lock
}

func (ar *archive) section(name string) ([]byte, bool) {
	for _, f := range ar.a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// check compares got with the archive's section name, or rewrites it.
func (ar *archive) check(t *testing.T, name string, got []byte) {
	t.Helper()
	want, ok := ar.section(name)
	if *update {
		if ok {
			for i := range ar.a.Files {
				if ar.a.Files[i].Name == name {
					ar.a.Files[i].Data = got
				}
			}
		} else {
			ar.a.Files = append(ar.a.Files, txtar.File{Name: name, Data: got})
		}
		if err := os.WriteFile(ar.path, txtar.Format(ar.a), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !ok {
		t.Fatalf("%s has no %q section (run with -update to create it)", ar.path, name)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %s differs\n--- got ---\n%s--- want ---\n%s", ar.path, name, got, want)
	}
}

func mustSchema(t *testing.T, files map[string][]byte) *schema.Schema {
	t.Helper()
	s, err := schema.ParseFiles(files)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	return s
}

func mustParse(t *testing.T, file string, text []byte) *Lock {
	t.Helper()
	l, err := Parse(file, text)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	return l
}

func findingLines(fs []Finding) []byte {
	var b bytes.Buffer
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestBreakingGolden runs Compare on each testdata/breaking archive:
//
//   - old/schemas/...yaml: the old schemas (none: the old side is the lock);
//     positions in them keep the old/ prefix;
//   - old/schemas/tablegen.lock: the lock committed with them (optional);
//   - new/schemas/...yaml: the new schemas;
//   - new/schemas/tablegen.lock: the lock committed with them; when absent it
//     is what `tablegen generate` writes (Build with the old lock), or, with
//     the comment option "new-lock: stale", the old lock unchanged (generate
//     was not run);
//   - want: the exact findings, one per line.
func TestBreakingGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, ar := range readArchives(t, "breaking") {
		t.Run(filepath.Base(ar.path), func(t *testing.T) {
			oldYAML, oldLockText := ar.files("old/", false)
			newYAML, newLockText := ar.files("new/", true)
			var oldPrev *Lock
			if oldLockText != nil {
				oldPrev = mustParse(t, "old/"+lockName, oldLockText)
			}
			old := oldPrev
			if len(oldYAML) > 0 {
				old = Build(mustSchema(t, oldYAML), oldPrev)
			}
			if old == nil {
				t.Fatal("the archive has neither old/ schemas nor an old lock")
			}
			newS := mustSchema(t, newYAML)
			var committed *Lock
			switch {
			case newLockText != nil:
				committed = mustParse(t, lockName, newLockText)
			case ar.options["new-lock"] == "stale":
				committed = old
			default:
				committed = Build(newS, old)
			}
			fs := Compare(old, Snapshot(newS, committed))
			for _, f := range fs {
				seen[f.Rule] = true
			}
			ar.check(t, "want", findingLines(fs))
		})
	}
	for _, r := range Rules() {
		if !seen[r.ID] {
			t.Errorf("no golden archive in testdata/breaking shows rule %s", r.ID)
		}
	}
}

// TestLockGolden runs Build, Marshal and CheckRetired on each testdata/lock
// archive: schemas/...yaml (and an optional prev.lock, the lock committed
// before) in; the lock file text (section "lock") and the retired-id errors
// (section "errors") out.
func TestLockGolden(t *testing.T) {
	for _, ar := range readArchives(t, "lock") {
		t.Run(filepath.Base(ar.path), func(t *testing.T) {
			yaml, _ := ar.files("", true)
			s := mustSchema(t, yaml)
			var prev *Lock
			if text, ok := ar.section("prev.lock"); ok {
				prev = mustParse(t, "prev.lock", text)
			}
			errs := CheckRetired(s, prev)
			var b bytes.Buffer
			for _, e := range errs {
				b.WriteString(e.Error())
				b.WriteByte('\n')
			}
			ar.check(t, "errors", b.Bytes())
			lock := Marshal(Build(s, prev))
			ar.check(t, "lock", lock)
			// The lock reads back to itself, and rebuilding from it is stable.
			again := mustParse(t, lockName, lock)
			if got := Marshal(Build(s, again)); !bytes.Equal(got, lock) {
				t.Errorf("Build(s, Parse(lock)) is not the same lock:\n%s", got)
			}
		})
	}
}

// TestRulesDocumented: every rule is listed in the package documentation.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range Rules() {
		if !bytes.Contains(doc, []byte("//\t"+r.ID+" ")) {
			t.Errorf("rule %s is not in the rule table of doc.go", r.ID)
		}
		ids = append(ids, r.ID)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("duplicate rule ids in %v", ids)
	}
}
