package store

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/layout"
)

func TestLayoutMismatchOnReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, noSync())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTable(db, jobSpec(1, true)); err != nil {
		t.Fatal(err)
	}
	// Same layout again in the same process: fine; a different one: refused.
	if _, err := NewTable(db, jobSpec(1, true)); err != nil {
		t.Fatalf("registering the same layout twice: %v", err)
	}
	changed := jobSpec(1, true)
	changed.Layout.Columns[2].Type = "bytes"
	var lm *LayoutMismatchError
	if _, err := NewTable(db, changed); !errors.As(err, &lm) {
		t.Fatalf("conflicting registration in one process = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(dir, noSync())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := jobSpec(1, true)
	s.Layout.Key[1].Desc = true
	s.Layout.Columns[4].Type = "string"
	s.Layout.Columns = append(s.Layout.Columns, layout.Column{Tag: 8, Name: "extra", Type: "bool"})
	s.Layout.Indexes[1].Columns = []string{"status"}
	_, err = NewTable(db, s)
	if !errors.As(err, &lm) {
		t.Fatalf("NewTable with a changed layout = %v, want *LayoutMismatchError", err)
	}
	want := []string{
		"key column 2 changed seq int64 → seq int64 desc",
		"column tag 5 (created) type int64 → string",
		"column tag 8 (extra bool) added",
		"index 2 (by_status) columns [status created] → [status]",
	}
	if lm.Table != "test.jobs1" || !slices.Equal(lm.Changes, want) {
		t.Errorf("error = %+v, want table test.jobs1 and changes %q", lm, want)
	}
	if !strings.Contains(err.Error(), "test.jobs1") || !strings.Contains(err.Error(), "column tag 5 (created) type int64 → string") {
		t.Errorf("message does not name the table and change: %v", err)
	}
	// The unchanged layout still opens; reordered declarations too.
	same := jobSpec(1, true)
	slices.Reverse(same.Layout.Columns)
	if _, err := NewTable(db, same); err != nil {
		t.Errorf("unchanged layout: %v", err)
	}
}

func TestDamagedLayoutRecord(t *testing.T) {
	db, _ := openDB(t, noSync())
	if err := db.pdb.Set(metaKey(1), []byte("{not json"), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	_, err := NewTable(db, jobSpec(1, false))
	if err == nil || !strings.Contains(err.Error(), "test.jobs1") {
		t.Fatalf("NewTable over a damaged record = %v, want an error naming the table", err)
	}
}

// FuzzLayoutRecord: the metadata record is read from disk, so any bytes
// must give a record or an error, never a panic, and a parsed record must
// compare against a layout without panicking.
func FuzzLayoutRecord(f *testing.F) {
	l := jobLayout(1, true)
	rec, err := jsonRecord(&l)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Add([]byte(`{"fingerprint":"x","layout":{"id":1,"key":[{"name":"a","type":"string","desc":true}],"columns":[{"tag":1},{"tag":1}],"indexes":[{"id":1},{"id":1}]}}`))
	f.Add([]byte(`{"fingerprint":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRecord(b)
		if err != nil {
			return
		}
		_ = layoutChanges(&r.Layout, &l)
		_ = layoutChanges(&l, &r.Layout)
		_ = r.Layout.Fingerprint()
	})
}
