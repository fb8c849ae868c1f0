package docs

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the expected pages in testdata/*.txtar with the current output")

// TestGolden runs testdata/*.txtar: the schemas/ sections are loaded with
// schema.Load and every other section is a page Generate must write, byte
// for byte; Generate must write no other page.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			want := map[string][]byte{}
			for _, af := range ar.Files {
				if rel, ok := strings.CutPrefix(af.Name, "schemas/"); ok {
					p := filepath.Join(dir, "schemas", filepath.FromSlash(rel))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, af.Data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want[af.Name] = af.Data
			}
			s, err := schema.Load(filepath.Join(dir, "schemas"))
			if err != nil {
				t.Fatalf("loading the test schema: %v", err)
			}
			got, err := Generate(s, testOptions)
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				for i, af := range ar.Files {
					if _, ok := want[af.Name]; ok {
						ar.Files[i].Data = got[af.Name]
					}
				}
				for _, name := range slices.Sorted(maps.Keys(got)) {
					if _, ok := want[name]; !ok {
						ar.Files = append(ar.Files, txtar.File{Name: name, Data: got[name]})
					}
				}
				if err := os.WriteFile(f, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
				t.Fatalf("pages = %v, want %v", g, w)
			}
			for name, w := range want {
				if !bytes.Equal(got[name], w) {
					t.Errorf("%s differs from the golden file; got:\n%s", name, got[name])
				}
			}
		})
	}
}

// TestDeterministic: shuffling the model's input order (as a different file
// system walk might) does not change a byte of the output.
func TestDeterministic(t *testing.T) {
	s, err := schema.Load("../../schemas")
	if err != nil {
		t.Fatalf("loading the shipped schemas: %v", err)
	}
	a, err := Generate(s, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	rev := &schema.Schema{Tables: slices.Clone(s.Tables)}
	slices.Reverse(rev.Tables)
	b, err := Generate(rev, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(a, b, bytes.Equal) {
		t.Error("the output depends on the order of the tables in the model")
	}
}

// TestCommittedPagesAreCurrent fails when docs/schema/ was not regenerated
// after a change to schemas/ or to this package (`make generate` fixes it).
func TestCommittedPagesAreCurrent(t *testing.T) {
	s, err := schema.Load("../../schemas")
	if err != nil {
		t.Fatalf("loading the shipped schemas: %v", err)
	}
	// The repository's tablegen.yaml puts the generated code here.
	pages, err := Generate(s, Options{ImportPath: "github.com/tablegen/tablegen/generated"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "schema")
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/schema/%s is missing or stale; run `go run ./cmd/tablegen docs`", name)
		}
	}
}

func TestGenerateRejectsAnEmptySchema(t *testing.T) {
	for _, s := range []*schema.Schema{nil, {}} {
		if _, err := Generate(s, testOptions); err == nil || !strings.Contains(err.Error(), "no tables") {
			t.Errorf("Generate(%v) error = %v, want one saying there are no tables", s, err)
		}
	}
	if _, err := Generate(&schema.Schema{Tables: []*schema.Table{{Namespace: "a", Name: "b"}}}, testOptions); err == nil {
		t.Error("Generate accepted a table without a key")
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"chat.messages":      "chatmessages",
		"chat.typing_events": "chattyping_events",
		"Key `JobId`":        "key-jobid",
	} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour:                "24h",
		90 * time.Minute:              "1h30m",
		30 * time.Second:              "30s",
		time.Hour + time.Second:       "1h0m1s",
		1500 * time.Millisecond:       "1.5s",
		2*time.Minute + 5*time.Second: "2m5s",
		10 * time.Minute:              "10m",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCell(t *testing.T) {
	if got, want := cell(" a | b\n<c>\r\nd "), `a \| b &lt;c> d`; got != want {
		t.Errorf("cell = %q, want %q", got, want)
	}
}

// testOptions places the generated code of every test schema at one import path.
var testOptions = Options{ImportPath: "example.com/app/generated"}

func TestGenerateNeedsImportPath(t *testing.T) {
	s, err := schema.Parse("app/items.yaml", []byte("namespace: app\ntable: items\nid: 1\nkind: system\nentity: Item\nkey: {type: ItemID, columns: [item_id]}\ncolumns: [{name: item_id, tag: 1, type: string}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(s, Options{}); err == nil || !strings.Contains(err.Error(), "ImportPath") {
		t.Errorf("Generate without an import path = %v; want an error naming Options.ImportPath", err)
	}
	pages, err := Generate(s, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if want := "`import \"example.com/app/generated/app\"`"; !strings.Contains(string(pages["app.md"]), want) {
		t.Errorf("app.md does not show %s:\n%s", want, pages["app.md"])
	}
}
