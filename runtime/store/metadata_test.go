package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// TestDamagedMetadataIsNotALayoutChange damages table 1's layout record in
// ways that a changed declaration never produces: NewTable must refuse with
// a *MetadataError naming the table (not a *LayoutMismatchError, which would
// send the user to migrate a schema that did not change) and write nothing.
func TestDamagedMetadataIsNotALayoutChange(t *testing.T) {
	l := jobLayout(1, true)
	recordOf := func(mod func(r *layoutRecord)) []byte {
		r := layoutRecord{Layout: l.Canonical()}
		r.Fingerprint = r.Layout.Fingerprint()
		mod(&r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		record []byte // nil: delete the record
		detail string // in the error
	}{
		{"fingerprint damaged", recordOf(func(r *layoutRecord) { r.Fingerprint = "0" + r.Fingerprint[1:] }), "but its layout hashes to"},
		{"layout damaged", recordOf(func(r *layoutRecord) { r.Layout.Columns[2].Name = "nbme" }), "but its layout hashes to"},
		{"another table's record", recordOf(func(r *layoutRecord) {
			other := jobLayout(2, true)
			r.Layout = other.Canonical()
			r.Fingerprint = r.Layout.Fingerprint()
		}), "holds the layout of table id 2"},
		{"not JSON", []byte(`{"fingerprint":"ab`), "does not parse"},
		{"deleted while rows exist", nil, "is missing, but the table has rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, dir := openDB(t, noSync())
			jobs := newJobs(t, db, 1, true)
			if err := jobs.Put(&job{Group: "g", Seq: 1, Name: "n"}); err != nil {
				t.Fatal(err)
			}
			var err error
			if tc.record == nil {
				err = db.pdb.Delete(metaKey(1), pebble.Sync)
			} else {
				err = db.pdb.Set(metaKey(1), tc.record, pebble.Sync)
			}
			if err != nil {
				t.Fatal(err)
			}
			db = reopen(t, db, dir, noSync())
			_, err = NewTable(db, jobSpec(1, true))
			var me *MetadataError
			var lm *LayoutMismatchError
			switch {
			case !errors.As(err, &me):
				t.Fatalf("NewTable = %v, want a *MetadataError", err)
			case errors.As(err, &lm):
				t.Errorf("NewTable error is also a *LayoutMismatchError: %v", err)
			case me.Table != "test.jobs1" || !bytes.Equal(me.Key, metaKey(1)):
				t.Errorf("MetadataError names table %q key %x", me.Table, me.Key)
			case !strings.Contains(err.Error(), tc.detail) || !strings.Contains(err.Error(), "test.jobs1") || !strings.Contains(err.Error(), "metadata is damaged"):
				t.Errorf("NewTable error %q does not say %q about test.jobs1's damaged metadata", err, tc.detail)
			}
			// Nothing was written: the damaged record is left as it was.
			val, closer, gerr := db.pdb.Get(metaKey(1))
			switch {
			case tc.record == nil && !errors.Is(gerr, pebble.ErrNotFound):
				t.Errorf("the missing record was written: %v", gerr)
			case tc.record != nil && (gerr != nil || !bytes.Equal(val, tc.record)):
				t.Errorf("the damaged record was changed to %q (%v)", val, gerr)
			}
			if gerr == nil {
				_ = closer.Close()
			}
		})
	}
}

// TestMissingMetadataWithoutRowsIsRecorded: a table that has no record and
// no rows is new, and NewTable records it (also after its rows were all
// deleted and the record lost: nothing is left to misread).
func TestMissingMetadataWithoutRowsIsRecorded(t *testing.T) {
	db, dir := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	if err := jobs.Put(&job{Group: "g", Seq: 1, Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Delete(jobKey{"g", 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.pdb.Delete(metaKey(1), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db, dir, noSync())
	if _, err := NewTable(db, jobSpec(1, true)); err != nil {
		t.Fatalf("NewTable of a table without record or rows = %v", err)
	}
	want := jobLayout(1, true)
	if rec := storedRecord(t, db, 1); rec.Fingerprint != want.Fingerprint() {
		t.Errorf("recorded fingerprint %s, want the declared layout's", rec.Fingerprint)
	}
}
