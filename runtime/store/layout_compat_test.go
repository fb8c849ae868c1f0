package store

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/layout"
)

// TestRecordFromPreviousVersionOpens: testdata/record_v0 holds layout
// records exactly as the previous version of the store wrote them (with
// and without history). A build declaring the same table opens each one
// without an upgrade: the record is left byte for byte as it was.
func TestRecordFromPreviousVersionOpens(t *testing.T) {
	src, err := os.ReadFile("testdata/record_v0")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(src)), "\n") {
		db, _ := openDB(t, noSync())
		if err := db.pdb.Set(metaKey(itemsID), []byte(line), pebble.Sync); err != nil {
			t.Fatal(err)
		}
		tbl, err := NewTable(db, itemSpec(itemsV1()))
		if err != nil {
			t.Fatalf("record %d: NewTable = %v, want the previous version's record to open", i+1, err)
		}
		got, closer, err := db.pdb.Get(metaKey(itemsID))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, []byte(line)) {
			t.Errorf("record %d was rewritten on open:\n got %s\nwant %s", i+1, got, line)
		}
		_ = closer.Close()
		if err := tbl.Put(&item{ID: "a", Name: "n"}); err != nil {
			t.Fatal(err)
		}
	}
}

// dumpDB returns every key and value of the Pebble database, in order.
func dumpDB(t *testing.T, db *DB) [][2]string {
	t.Helper()
	it, err := db.pdb.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, [2]string{string(it.Key()), string(it.Value())})
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRefusedKindChangeChangesNothing: a stream table reopened as shared
// (its keys are owner-scoped, a shared table's are not) is refused with
// TABLE_KIND_CHANGED, and the refused open writes nothing: every key and
// value of the database is the same before, after, and after a reopen.
func TestRefusedKindChangeChangesNothing(t *testing.T) {
	for _, to := range []layout.Kind{layout.Shared, layout.System} {
		t.Run(string(to), func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, noSync())
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := NewTable(db, eventSpec(1, layout.Stream))
			if err != nil {
				t.Fatal(err)
			}
			for _, owner := range []string{"alice", "bob"} {
				for i := range 3 {
					ev := event{At: epoch.Add(time.Duration(i) * time.Minute), ID: owner + string(rune('a'+i)), Note: "n"}
					if err := scoped(t, tbl, owner).Put(&ev); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			db, err = Open(dir, noSync())
			if err != nil {
				t.Fatal(err)
			}
			before := dumpDB(t, db)
			_, err = NewTable(db, eventSpec(1, to))
			var lm *LayoutMismatchError
			if !errors.As(err, &lm) {
				t.Fatalf("reopening the stream table as %s = %v, want *LayoutMismatchError", to, err)
			}
			want := []RefusedChange{{Rule: "TABLE_KIND_CHANGED", Change: "kind stream → " + string(to)}}
			if !slices.Equal(lm.Refused, want) {
				t.Errorf("refused = %+v, want %+v", lm.Refused, want)
			}
			if !strings.Contains(err.Error(), "TABLE_KIND_CHANGED") || !strings.Contains(err.Error(), "test.events1") {
				t.Errorf("error %q does not name the rule and the table", err)
			}
			after := dumpDB(t, db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(dir, noSync())
			if err != nil {
				t.Fatal(err)
			}
			reopened := dumpDB(t, db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if len(before) < 7 { // the record and six rows
				t.Fatalf("dump has %d entries; the test wrote a record and six rows", len(before))
			}
			if !slices.Equal(before, after) || !slices.Equal(before, reopened) {
				t.Errorf("the refused open changed the database:\nbefore   %q\nafter    %q\nreopened %q", before, after, reopened)
			}
		})
	}
}
