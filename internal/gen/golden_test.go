package gen

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the generator's current output")

// TestGolden runs every testdata/*.txtar archive: the schemas/… files are the
// input, generated with the options of the archive's tablegen.yaml if it has
// one (the defaults otherwise); "files" lists every generated path, out/… holds the expected
// content of each file, the generated _test.go files included (they are
// also compiled and run, see TestCompile), and "error" the exact
// error lines when generation must fail. Run with -update to rewrite.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no golden files in testdata/")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			inputs := map[string][]byte{}
			var kept []txtar.File
			cfg := schema.DefaultConfig()
			for _, f := range ar.Files {
				switch {
				case strings.HasPrefix(f.Name, "schemas/"):
					inputs[f.Name] = f.Data
					kept = append(kept, f)
				case f.Name == schema.ConfigFile:
					kept = append(kept, f)
					if cfg, err = schema.ParseConfig(f.Name, f.Data); err != nil {
						t.Fatalf("the golden %s must parse: %v", f.Name, err)
					}
				}
			}
			got := []txtar.File{}
			s, err := schema.ParseFiles(inputs)
			if err != nil {
				t.Fatalf("the golden input must pass the loader: %v", err)
			}
			out, err := Generate(s, Options{ImportPath: "example.com/app/generated", NoTests: !cfg.Tests,
				JSONTags: cfg.JSONTags, JSONNaming: cfg.JSONNaming, GoTypes: cfg.GoTypes})
			if err != nil {
				got = append(got, txtar.File{Name: "error", Data: []byte(err.Error() + "\n")})
			} else {
				got = append(got, txtar.File{Name: "files", Data: []byte(strings.Join(sortedNames(out), "\n") + "\n")})
				for _, name := range sortedNames(out) {
					got = append(got, txtar.File{Name: "out/" + name, Data: out[name]})
				}
			}
			if *update {
				ar.Files = append(kept, got...)
				if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string][]byte{}
			for _, f := range ar.Files {
				if !strings.HasPrefix(f.Name, "schemas/") && f.Name != schema.ConfigFile {
					want[f.Name] = f.Data
				}
			}
			for _, f := range got {
				w, ok := want[f.Name]
				if !ok {
					t.Errorf("%s: generated but not in the golden file (run go test -update)", f.Name)
					continue
				}
				if string(w) != string(f.Data) {
					t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", f.Name, firstDiff(string(w), string(f.Data)))
				}
				delete(want, f.Name)
			}
			for name := range want {
				t.Errorf("%s: in the golden file but not generated", name)
			}
		})
	}
}

// sortedNames returns the paths of a Generate result in order.
func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// firstDiff shows the first differing line of two texts, with its number.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(texts differ only in line endings)"
}
