package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

const notesYAML = `namespace: app
table: notes
id: 8
kind: user
entity: Note
doc: Private notes.
key: {type: NoteId, columns: [note_id]}
columns:
  - {name: note_id, tag: 1, type: int64, doc: Id.}
  - {name: body, tag: 2, type: string, doc: Text.}
`

// notesFixture writes a user table with notes of three owners.
func notesFixture(t *testing.T) (schemas, dbDir string) {
	t.Helper()
	dir := t.TempDir()
	schemas = filepath.Join(dir, "schemas")
	if err := os.MkdirAll(filepath.Join(schemas, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schemas, "app", "notes.yaml"), []byte(notesYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := schema.Load(schemas)
	if err != nil {
		t.Fatal(err)
	}
	dbDir = filepath.Join(dir, "db")
	db, err := store.Open(dbDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := store.NewTable(db, store.Spec[string, rawRow]{
		Layout:    s.Tables[0].Layout(),
		AppendKey: func(dst []byte, k string) []byte { return append(dst, k...) },
		DecodeKey: func(b []byte) (string, error) { return string(b), nil },
		KeyOf:     func(r *rawRow) string { return r.key },
		AppendRow: func(dst []byte, r *rawRow) []byte { return append(dst, r.val...) },
		DecodeRow: func(b []byte, r *rawRow, _ *rowenc.Arena) error { r.val = append([]byte{}, b...); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"carol", "alice", "bob"} {
		for i := range int64(2) {
			v := rowenc.AppendString(rowenc.AppendInt64(nil, 1, i+1), 2, owner+" note")
			if err := tab.WithScope(keyenc.AppendString(nil, owner)).Put(&rawRow{key: string(keyenc.AppendInt64(nil, i+1)), val: v}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return schemas, dbDir
}

// TestInspectOwner: a user table's rows carry their owner as the first
// column; -owner keeps one owner's; the limit counts across owners; -owner
// on a table without owners is an error.
func TestInspectOwner(t *testing.T) {
	schemas, dbDir := notesFixture(t)
	code, out, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.notes", "-format", "csv")
	want := "owner,note_id,body\nalice,1,alice note\nalice,2,alice note\nbob,1,bob note\nbob,2,bob note\ncarol,1,carol note\ncarol,2,carol note\n"
	if code != 0 || out != want {
		t.Fatalf("every owner: exit %d %s\n%s", code, errOut, out)
	}
	code, out, errOut = runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.notes", "-format", "csv", "-limit", "3", "-columns", "body")
	if code != 0 || out != "owner,body\nalice,alice note\nalice,alice note\nbob,bob note\n" {
		t.Fatalf("limit across owners: exit %d %s\n%s", code, errOut, out)
	}
	code, out, errOut = runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.notes", "-format", "csv", "-owner", "bob", "-where", "note_id = 2")
	if code != 0 || out != "owner,note_id,body\nbob,2,bob note\n" {
		t.Fatalf("-owner bob: exit %d %s\n%s", code, errOut, out)
	}
	code, out, _ = runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.notes", "-format", "csv", "-owner", "nobody")
	if code != 0 || out != "owner,note_id,body\n" {
		t.Fatalf("-owner nobody: exit %d\n%s", code, out)
	}
	code, _, errOut = runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.notes", "-columns", "nope")
	if code != 1 || !strings.Contains(errOut, `"nope"`) {
		t.Fatalf("bad column: exit %d %s", code, errOut)
	}
	users, usersDB := inspectFixture(t)
	code, _, errOut = runCmd(t, "inspect", "-db", usersDB, "-schemas", users, "app.users", "-owner", "alice")
	if code != 1 || !strings.Contains(errOut, "app.users is a system table; its rows have no owner") {
		t.Fatalf("-owner on a system table: exit %d %s", code, errOut)
	}
}
