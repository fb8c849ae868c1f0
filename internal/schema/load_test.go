package schema_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
)

const minimal = `namespace: app
table: items
id: 1
kind: shared
entity: Item
key: {type: ItemId, columns: [id]}
columns: [{name: id, tag: 1, type: string}]
`

// ParseFiles has no layout rule: names are used as given.
func TestParseFilesNoLayoutRule(t *testing.T) {
	s, err := schema.ParseFiles(map[string][]byte{"anything.yaml": []byte(minimal)})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 1 || s.Tables[0].File != "anything.yaml" || s.Tables[0].Access != schema.AccessPrivate {
		t.Fatalf("unexpected model %+v", s.Tables[0])
	}
}

// Errors from several files come back together, sorted by file then line.
func TestParseFilesSortsErrors(t *testing.T) {
	bad := strings.Replace(minimal, "kind: shared", "kind: sharde", 1)
	_, err := schema.ParseFiles(map[string][]byte{
		"b.yaml": []byte(strings.Replace(bad, "id: 1", "id: 2", 1)),
		"a.yaml": []byte(strings.NewReplacer("table: items", "table: other", "entity: Item", "entity: Other").Replace(bad)),
	})
	var list schema.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want ErrorList, got %v", err)
	}
	want := `a.yaml:4:7: unknown kind "sharde"; did you mean "shared"?
b.yaml:4:7: unknown kind "sharde"; did you mean "shared"?`
	if err.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", err, want)
	}
	if list[0].Pos != (schema.Pos{File: "a.yaml", Line: 4, Column: 7}) {
		t.Fatalf("first error at %v", list[0].Pos)
	}
}

func TestLoadDirectoryErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := schema.Load(filepath.Join(dir, "missing")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := schema.Load(dir); err == nil || !strings.Contains(err.Error(), "no *.yaml files") {
		t.Errorf("empty dir: %v", err)
	}
	file := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(file, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Load(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file as dir: %v", err)
	}
	var list schema.ErrorList
	if _, err := schema.Load(dir); errors.As(err, &list) {
		// f.yaml sits directly in the schemas dir: a layout error, positioned.
		if len(list) != 1 || !strings.HasPrefix(list[0].Error(), filepath.Base(dir)+"/f.yaml:2:8: ") {
			t.Errorf("layout error: %v", err)
		}
	} else {
		t.Errorf("want ErrorList, got %v", err)
	}
}

func TestErrorList(t *testing.T) {
	var empty schema.ErrorList
	if empty.Err() != nil {
		t.Error("empty list Err() != nil")
	}
	l := schema.ErrorList{{Pos: schema.Pos{File: "f.yaml", Line: 2, Column: 3}, Msg: "bad"}}
	if l.Err() == nil || l.Error() != "f.yaml:2:3: bad" {
		t.Errorf("got %q", l.Error())
	}
}

// TestLoadDepth: Load reads <dir>/<ns>/<table>.yaml and one level more (to
// report misplaced files), never a whole tree: a directory whose table-like
// files are all deeper (-schemas /tmp, a home directory) is refused, and an
// unreadable deep directory does not matter.
func TestLoadDepth(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c", "x.yaml")
	if err := os.MkdirAll(filepath.Dir(deep), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(deep, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	// depth 3: only looked at once table files exist at depth 1 or 2.
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "notes.yaml"), []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Load(dir); err == nil || !strings.Contains(err.Error(), "no *.yaml files at <namespace>/<table>.yaml in ") {
		t.Fatalf("a tree without table files at depth 2: %v; want the layout error", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "items.yaml"), []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := schema.Load(dir)
	var list schema.ErrorList
	if !errors.As(err, &list) || !strings.HasPrefix(list[0].Error(), filepath.Base(dir)+"/a/b/notes.yaml:2:8: table app.items must be declared in") || strings.Contains(err.Error(), "x.yaml") {
		t.Fatalf("Load = %v; want exactly the misplaced a/b/notes.yaml (a/b/c/x.yaml is too deep to read)", err)
	}
}

// TestLoadAs: positions and Table.File name the files as given, so a
// nested schemas directory (db/schemas) is named from the module root.
func TestLoadAs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "schemas")
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "items.yaml"), []byte(strings.Replace(minimal, "kind: shared", "kind: sharde", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := schema.LoadAs(dir, "db/schemas")
	if err == nil || !strings.HasPrefix(err.Error(), "db/schemas/app/items.yaml:4:7: unknown kind") {
		t.Fatalf("LoadAs = %v; want the position under db/schemas", err)
	}
}
