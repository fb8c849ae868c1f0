package store

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

// damageRow replaces the stored value of row k with bytes that do not
// decode, leaving its index entries in place.
func damageRow(t *testing.T, db *DB, tbl *Table[jobKey, job], k jobKey) {
	t.Helper()
	key := tbl.appendRowKey(nil, k)
	if err := db.pdb.Set(key, []byte{0x0a, 0x7f, 'x'}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := tbl.Get(k); !errors.As(err, &ce) {
		t.Fatalf("get of the damaged row: %v, want a CorruptError", err)
	}
}

// TestDamagedRowCanBeDeletedOrReplaced: a row whose value does not decode
// (its index values, and so its entries' keys, unknown) can be deleted and
// overwritten; its index entries, found through the index keyspace, go with
// it, so Verify is clean afterwards and the unique values it held are free.
func TestDamagedRowCanBeDeletedOrReplaced(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := newJobs(t, db, 1, true)
	rows := []job{
		{Group: "g", Seq: 1, Name: "a", Status: 1, Email: strp("a@x")},
		{Group: "g", Seq: 2, Name: "b", Status: 2, Email: strp("b@x")},
		{Group: "g", Seq: 3, Name: "c", Status: 1},
	}
	for i := range rows {
		if err := tbl.Put(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	damageRow(t, db, tbl, jobKey{"g", 1})
	damageRow(t, db, tbl, jobKey{"g", 2})
	if err := tbl.Delete(jobKey{"g", 1}); err != nil {
		t.Fatalf("delete of a damaged row: %v", err)
	}
	b := db.NewBatch()
	tbl.PutIn(b, &job{Group: "g", Seq: 2, Name: "a", Status: 0, Email: strp("a@x")}) // takes row 1's old unique values
	if err := b.Commit(); err != nil {
		t.Fatalf("overwrite of a damaged row: %v", err)
	}
	if _, err := tbl.Get(jobKey{"g", 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted damaged row: %v", err)
	}
	if got, err := tbl.getUniqueBytes(byName, keyenc.AppendString(nil, "a")); err != nil || got.Seq != 2 {
		t.Errorf("by_name a = %+v, %v; want row g/2", got, err)
	}
	if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
		t.Errorf("verify after removing the damaged rows: %v %v", problems, err)
	}
}

// TestRepairRemovesDanglingAndStaleEntries: Repair deletes exactly the
// entries Verify reports as dangling or stale, and leaves corrupt rows and
// missing entries (which need the row) to the caller.
func TestRepairRemovesDanglingAndStaleEntries(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := newJobs(t, db, 1, true)
	for i, name := range []string{"a", "b", "c"} {
		if err := tbl.Put(&job{Group: "g", Seq: int64(i), Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ref := appendJobKey(nil, jobKey{"g", 9})
	dangling := append(appendIndexPrefix(nil, 1, byName), keyenc.AppendString(nil, "ghost")...)
	stale := append(appendIndexPrefix(nil, 1, byName), keyenc.AppendString(nil, "old-name")...)
	pdb := db.pdb
	for _, kv := range [][2][]byte{{dangling, ref}, {stale, appendJobKey(nil, jobKey{"g", 0})}} {
		if err := pdb.Set(kv[0], kv[1], pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	damageRow(t, db, tbl, jobKey{"g", 2})
	removed, left, err := tbl.Repair()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[ProblemKind]int{}
	for _, p := range removed {
		kinds[p.Kind]++
	}
	if len(removed) != 2 || kinds[DanglingEntry] != 1 || kinds[StaleEntry] != 1 {
		t.Errorf("removed %v, want the dangling and the stale entry", removed)
	}
	if len(left) != 1 || left[0].Kind != CorruptRow {
		t.Errorf("left %v, want the corrupt row", left)
	}
	for _, k := range [][]byte{dangling, stale} {
		if _, c, err := pdb.Get(k); err == nil {
			_ = c.Close()
			t.Errorf("entry %x still there", k)
		}
	}
	if err := tbl.Delete(jobKey{"g", 2}); err != nil {
		t.Fatal(err)
	}
	if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
		t.Errorf("verify after repair and delete: %v %v", problems, err)
	}
}
