package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

const verifyNotesYAML = `namespace: app
table: notes
id: 9
kind: system
entity: Note
doc: Notes people keep.
key: {type: NoteId, columns: [note_id]}
columns:
  - {name: note_id, tag: 1, type: string, doc: The note's id.}
  - {name: owner, tag: 2, type: string, doc: Who wrote it.}
  - {name: body, tag: 3, type: string, doc: The text.}
indexes:
  - {name: by_owner, id: 1, columns: [owner]}
`

// noteBody is a text no compressor shortens, so it appears in the
// sstable as written.
func noteBody(i int) string { return fmt.Sprintf("%016x", uint64(i+1)*0x9E3779B97F4A7C15) }

// verifyNotesFixture writes n notes (through the store, so with index entries),
// flushes them to an sstable and closes the database.
func verifyNotesFixture(t *testing.T, n int) (schemas, dbDir string) {
	t.Helper()
	dir := t.TempDir()
	schemas = filepath.Join(dir, "schemas")
	if err := os.MkdirAll(filepath.Join(schemas, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schemas, "app", "notes.yaml"), []byte(verifyNotesYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := schema.Load(schemas)
	if err != nil {
		t.Fatal(err)
	}
	dbDir = filepath.Join(dir, "db")
	db, err := store.Open(dbDir, &store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := s.Tables[0].Layout()
	spec, err := scan.LayoutSpec(&l)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		raw := rowenc.AppendString(nil, 1, fmt.Sprintf("n%03d", i))
		raw = rowenc.AppendString(raw, 2, fmt.Sprintf("u%d", i%3))
		raw = rowenc.AppendString(raw, 3, noteBody(i))
		var v scan.LayoutRow
		if err := spec.DecodeRow(raw, &v, nil); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Put(&v); err != nil {
			t.Fatal(err)
		}
	}
	if err := rawpebble.DB(db).Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return schemas, dbDir
}

// flipInSSTable flips a byte of the text s in the database's one sstable
// and returns the file's name.
func flipInSSTable(t *testing.T, dbDir, s string) string {
	t.Helper()
	ssts, err := filepath.Glob(filepath.Join(dbDir, "*.sst"))
	if err != nil || len(ssts) != 1 {
		t.Fatalf("want one sstable, got %v (%v)", ssts, err)
	}
	b, err := os.ReadFile(ssts[0])
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, []byte(s))
	if at < 0 {
		t.Fatalf("%q is not in %s as written", s, ssts[0])
	}
	b[at+3] ^= 0x20
	if err := os.WriteFile(ssts[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Base(ssts[0])
}

// TestInspectDataCorruption: inspect over a damaged sstable exits 1 with
// one line naming the table and the file and pointing to tablegen verify,
// instead of Pebble's exit and stack dump; verify lists the file and exits 1.
func TestInspectDataCorruption(t *testing.T) {
	schemas, db := verifyNotesFixture(t, 300)
	file := flipInSSTable(t, db, noteBody(150))
	code, _, errOut := runCmd(t, "inspect", "-db", db, "-schemas", schemas, "app.notes")
	want := regexp.MustCompile(`^tablegen: app\.notes: data corruption in ` + regexp.QuoteMeta(file) + `[^\n]*: [^\n]+; run tablegen verify --db ` + regexp.QuoteMeta(db) + "\n$")
	if code != 1 || !want.MatchString(errOut) {
		t.Fatalf("inspect: exit %d, stderr %q; want 1 and one line matching %s", code, errOut, want)
	}
	code, out, errOut := runCmd(t, "verify", "-db", db, "-schemas", schemas)
	if code != 1 || !strings.Contains(out, "file "+file+": damaged (holds keys of app.notes") ||
		!strings.Contains(out, "app.notes: not every row could be read") || !strings.Contains(errOut, "problem(s) found") {
		t.Fatalf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestVerifyRepair: verify reports a row that does not decode, a string
// that is not UTF-8, a dangling and a stale index entry, each on its own
// line, and exits 1; -repair removes the two entries and leaves the rows
// (delete them with the program's store); an intact database exits 0.
func TestVerifyRepair(t *testing.T) {
	schemas, db := verifyNotesFixture(t, 6)
	if code, out, errOut := runCmd(t, "verify", "-db", db, "-schemas", schemas); code != 0 {
		t.Fatalf("intact database: exit %d\n%s%s", code, out, errOut)
	}
	pdb, err := pebble.Open(db, &pebble.Options{Logger: discardLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	rowKey := func(id string) []byte { return keyenc.AppendString(store.RowPrefix(9), id) }
	entry := func(owner, id string) []byte {
		k := append([]byte{0x03, 0, 0, 0, 9, 0, 0, 0, 1}, keyenc.AppendString(nil, owner)...)
		return keyenc.AppendString(k, id)
	}
	for _, kv := range [][2][]byte{
		{rowKey("n001"), {0x0a, 0x7f}},                               // does not decode
		{rowKey("n002"), rowenc.AppendString(nil, 3, "bad\xffbody")}, // not UTF-8
		{entry("u9", "n404"), keyenc.AppendString(nil, "n404")},      // dangling
		{entry("u9", "n003"), keyenc.AppendString(nil, "n003")},      // stale: n003's owner is u0
	} {
		if err := pdb.Set(kv[0], kv[1], pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if err := pdb.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, "verify", "-db", db, "-schemas", schemas)
	for _, s := range []string{"corrupt row", "not valid UTF-8", "dangling entry", "stale entry"} {
		if !strings.Contains(out, s) {
			t.Errorf("verify output lacks %q:\n%s", s, out)
		}
	}
	if code != 1 {
		t.Errorf("verify: exit %d, want 1", code)
	}
	code, out, _ = runCmd(t, "verify", "-db", db, "-schemas", schemas, "-repair")
	if code != 1 || strings.Count(out, "repaired: ") != 2 || strings.Count(out, "app.notes: corrupt row:") != 2 {
		t.Errorf("verify -repair: exit %d, want 1 with two entries removed and the two rows left:\n%s", code, out)
	}
	_, out, _ = runCmd(t, "verify", "-db", db, "-schemas", schemas)
	if strings.Contains(out, "entry") {
		t.Errorf("entries left after -repair:\n%s", out)
	}
}

// discardLogger keeps the test's own Pebble handle quiet.
type discardLogger struct{}

func (discardLogger) Infof(string, ...any)  {}
func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Fatalf(string, ...any) {}
