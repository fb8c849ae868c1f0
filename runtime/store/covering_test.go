package store

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// coveringJobs registers coveringJobSpec(id) on db.
func coveringJobs(t testing.TB, db *DB, id uint32) *Table[jobKey, job] {
	t.Helper()
	tbl, err := NewTable(db, coveringJobSpec(id))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// statusEntry is the key of v's by_status entry in table id.
func statusEntry(id uint32, v *job) []byte {
	k := appendIndexPrefix(nil, id, byStatus)
	k = keyenc.AppendInt64(keyenc.AppendEnum(k, v.Status), v.Created)
	return appendJobKey(k, jobKey{v.Group, v.Seq})
}

// byStatusRows scans by_status with status st.
func byStatusRows(t testing.TB, tbl *Table[jobKey, job], st int32) ([]job, error) {
	t.Helper()
	return scanAll(tbl.IndexScan(byStatus, tbl.PrefixRange(keyenc.AppendEnum(nil, st)), ScanOptions{}))
}

// TestCoveringEntryHoldsRow: a covering entry's value is the row's ref and
// its stored bytes; a put that keeps the indexed values rewrites the copy,
// one that changes them moves it, a delete removes it.
func TestCoveringEntryHoldsRow(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := coveringJobs(t, db, 1)
	ic := tbl.core.indexCore(byStatus)
	check := func(v *job) {
		t.Helper()
		val, closer, err := db.pdb.Get(statusEntry(1, v))
		if err != nil {
			t.Fatalf("entry of %+v: %v", v, err)
		}
		defer closer.Close()
		ref, row, err := splitEntryValue(ic, val)
		if err != nil {
			t.Fatal(err)
		}
		if want := appendJobKey(nil, jobKey{v.Group, v.Seq}); !bytes.Equal(ref, want) {
			t.Errorf("ref %x, want %x", ref, want)
		}
		if want := appendJob(nil, v); !bytes.Equal(row, want) {
			t.Errorf("row copy %x, want %x", row, want)
		}
	}
	v := job{Group: "g", Seq: 1, Name: "a", Status: 1, Created: 5}
	if err := tbl.Put(&v); err != nil {
		t.Fatal(err)
	}
	check(&v)
	v.Note = "changed, same status"
	if err := tbl.Put(&v); err != nil {
		t.Fatal(err)
	}
	check(&v)
	old := v
	v.Status = 2
	if err := tbl.Put(&v); err != nil {
		t.Fatal(err)
	}
	check(&v)
	if _, c, err := db.pdb.Get(statusEntry(1, &old)); !errors.Is(err, pebble.ErrNotFound) {
		if err == nil {
			c.Close()
		}
		t.Errorf("the entry of the old values is still there (%v)", err)
	}
	if err := tbl.Delete(jobKey{"g", 1}); err != nil {
		t.Fatal(err)
	}
	if _, c, err := db.pdb.Get(statusEntry(1, &v)); !errors.Is(err, pebble.ErrNotFound) {
		if err == nil {
			c.Close()
		}
		t.Errorf("the entry of a deleted row is still there (%v)", err)
	}
}

// TestCoveringFlushedRows: a flushed row's covering entry keeps its copy,
// so scans of the index return it without reading its segment (here: with
// the segment's rows gone), a put over the cold row rewrites the copy, and
// Verify finds the copies equal to the rows in the segments.
func TestCoveringFlushedRows(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := coveringJobs(t, db, 1)
	l := tbl.core.layout
	var versions []coldtier.RowVersion
	var want []job
	for i := range int64(3) {
		v := job{Group: "g", Seq: i, Name: string(rune('a' + i)), Status: 1, Created: i}
		if err := tbl.Put(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, coldtier.RowVersion{Key: appendJobKey(nil, jobKey{"g", i}), Hash: coldtier.RowHash(appendJob(nil, &v))})
		want = append(want, v)
	}
	if n, err := moveCold(t, db, &l, versions); err != nil || n != 3 {
		t.Fatalf("moved %d rows, %v", n, err)
	}
	if isHot(t, db, 1, versions[0].Key) {
		t.Fatal("the flushed row is still hot")
	}
	if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
		t.Fatalf("verify with the rows in a segment: %v %v", problems, err)
	}
	// Without their segment's rows, a plain index could not resolve the
	// entries; the covering one does not read them.
	f := attachFakeCold(db)
	f.mu.Lock()
	saved := f.rows
	f.rows = map[string][]byte{}
	f.mu.Unlock()
	got, err := byStatusRows(t, tbl, 1)
	if err != nil || !rowsEqual(got, want) {
		t.Fatalf("scan of flushed rows: %+v %v, want %+v", got, err, want)
	}
	f.mu.Lock()
	f.rows = saved
	f.mu.Unlock()

	// A put over a cold row: the copy follows.
	want[1].Note = "rewritten"
	if err := tbl.Put(&want[1]); err != nil {
		t.Fatal(err)
	}
	if got, err := byStatusRows(t, tbl, 1); err != nil || !rowsEqual(got, want) {
		t.Fatalf("scan after a put over a cold row: %+v %v, want %+v", got, err, want)
	}
	if err := tbl.Delete(jobKey{"g", 0}); err != nil {
		t.Fatal(err)
	}
	if got, err := byStatusRows(t, tbl, 1); err != nil || !rowsEqual(got, want[1:]) {
		t.Fatalf("scan after deleting a cold row: %+v %v, want %+v", got, err, want[1:])
	}
	if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
		t.Fatalf("verify: %v %v", problems, err)
	}
}

// TestCoveringDamagedEntry: a covering entry whose value does not split,
// or whose copy is another row, is never returned as a row: the scan yields
// a *CorruptError naming the table, Verify reports it, Repair removes it,
// and a put of the row restores it.
func TestCoveringDamagedEntry(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := coveringJobs(t, db, 1)
	a := job{Group: "g", Seq: 1, Name: "a", Status: 1, Created: 5}
	b := job{Group: "g", Seq: 2, Name: "b", Status: 1, Created: 5}
	for _, v := range []*job{&a, &b} {
		if err := tbl.Put(v); err != nil {
			t.Fatal(err)
		}
	}
	ic := tbl.core.indexCore(byStatus)
	for name, value := range map[string][]byte{
		"short length": {0xff},
		"long length":  {0x40, 1, 2},
		// a's ref with b's row: same index values, another key
		"another row": appendEntryValue(nil, ic, appendJobKey(nil, jobKey{"g", 1}), appendJob(nil, &b)),
		"no decode":   appendEntryValue(nil, ic, appendJobKey(nil, jobKey{"g", 1}), []byte{0x0a, 0x7f}),
	} {
		t.Run(name, func(t *testing.T) {
			if err := db.pdb.Set(statusEntry(1, &a), value, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			var got []job
			var ce *CorruptError
			for v, err := range tbl.IndexScan(byStatus, Range{}, ScanOptions{}) {
				switch {
				case errors.As(err, &ce):
					if ce.Table != "test.jobs1" {
						t.Errorf("error names table %q", ce.Table)
					}
				case err != nil:
					t.Fatal(err)
				default:
					got = append(got, v)
				}
			}
			if ce == nil || !rowsEqual(got, []job{b}) {
				t.Fatalf("scan: rows %+v, error %v; want b and a CorruptError", got, ce)
			}
			problems, err := tbl.Verify()
			if err != nil || len(problems) == 0 {
				t.Fatalf("verify: %v %v, want the damaged entry reported", problems, err)
			}
			if _, _, err := tbl.Repair(); err != nil {
				t.Fatal(err)
			}
			if err := tbl.Put(&a); err != nil {
				t.Fatal(err)
			}
			if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
				t.Fatalf("verify after repair and put: %v %v", problems, err)
			}
			if got, err := byStatusRows(t, tbl, 1); err != nil || !rowsEqual(got, []job{a, b}) {
				t.Fatalf("scan after repair: %+v %v", got, err)
			}
		})
	}
}

// TestCoveringDamagedRowDelete: a row whose bytes do not decode is
// deleted with its covering entries (found by their refs).
func TestCoveringDamagedRowDelete(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := coveringJobs(t, db, 1)
	v := job{Group: "g", Seq: 1, Name: "a", Status: 1, Created: 5}
	if err := tbl.Put(&v); err != nil {
		t.Fatal(err)
	}
	damageRow(t, db, tbl, jobKey{"g", 1})
	if err := tbl.Delete(jobKey{"g", 1}); err != nil {
		t.Fatal(err)
	}
	if got, err := byStatusRows(t, tbl, 1); err != nil || len(got) != 0 {
		t.Fatalf("scan after deleting the damaged row: %+v %v", got, err)
	}
	if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
		t.Fatalf("verify: %v %v", problems, err)
	}
}

// TestCoveringInTransaction: an index scan inside Update sees the
// transaction's own writes through the covering entries.
func TestCoveringInTransaction(t *testing.T) {
	db, _ := openDB(t, nil)
	tbl := coveringJobs(t, db, 1)
	v := job{Group: "g", Seq: 1, Name: "a", Status: 1, Created: 5}
	if err := tbl.Put(&v); err != nil {
		t.Fatal(err)
	}
	err := db.Update(t.Context(), func(tx *Tx) error {
		in := tbl.In(tx)
		v.Note = "in tx"
		if err := in.Put(&v); err != nil {
			return err
		}
		got, err := byStatusRows(t, in, 1)
		if err != nil || !rowsEqual(got, []job{v}) {
			t.Errorf("scan in the transaction: %+v %v, want %+v", got, err, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLayoutCoveringUniqueRefused: a unique index cannot cover.
func TestLayoutCoveringUniqueRefused(t *testing.T) {
	s := jobSpec(1, true)
	s.Layout.Indexes = slices.Clone(s.Layout.Indexes)
	s.Layout.Indexes[0].Covering = true // by_name, unique
	db, _ := openDB(t, nil)
	if _, err := NewTable(db, s); err == nil || !strings.Contains(err.Error(), "unique and covering") {
		t.Fatalf("NewTable = %v, want the covering unique index refused", err)
	}
}

// FuzzEntryValue: any bytes split without panicking, and what splits
// joins back to a value that splits the same.
func FuzzEntryValue(f *testing.F) {
	ic := indexCore{id: 1, covering: true}
	f.Add(appendEntryValue(nil, ic, []byte("ref"), []byte("row")))
	f.Add([]byte{})
	f.Add([]byte{0xff})
	f.Add([]byte{0x80, 0x00})
	f.Fuzz(func(t *testing.T, v []byte) {
		ref, row, err := splitEntryValue(ic, v)
		if err != nil {
			return
		}
		ref2, row2, err := splitEntryValue(ic, appendEntryValue(nil, ic, ref, row))
		if err != nil || !bytes.Equal(ref, ref2) || !bytes.Equal(row, row2) {
			t.Fatalf("%x: split (%x, %x), rejoined split (%x, %x, %v)", v, ref, row, ref2, row2, err)
		}
	})
}

// TestBackfillReadsFlushedRows: building an index (a new one, or one
// rebuilt because it started covering) reads the table's flushed rows too,
// through the attached cold reader, so the index holds every row; without a
// reader attached the open fails, naming the fix, rather than build an
// index that silently lacks the flushed rows.
func TestBackfillReadsFlushedRows(t *testing.T) {
	dir := t.TempDir()
	open := func(rows []job) *DB {
		t.Helper()
		db, err := Open(dir, noSync())
		if err != nil {
			t.Fatal(err)
		}
		if rows != nil {
			f := attachFakeCold(db)
			for i := range rows {
				f.put(1, 1, appendJobKey(nil, jobKey{rows[i].Group, rows[i].Seq}), appendJob(nil, &rows[i]))
			}
		}
		return db
	}
	closeDB := func(db *DB) {
		t.Helper()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Three rows without indexes, flushed.
	db := open(nil)
	tbl, err := NewTable(db, jobSpec(1, false))
	if err != nil {
		t.Fatal(err)
	}
	var rows []job
	var versions []coldtier.RowVersion
	for i := range int64(3) {
		v := job{Group: "g", Seq: i, Name: string(rune('a' + i)), Status: 1, Created: i}
		if err := tbl.Put(&v); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, v)
		versions = append(versions, coldtier.RowVersion{Key: appendJobKey(nil, jobKey{"g", i}), Hash: coldtier.RowHash(appendJob(nil, &v))})
	}
	l := tbl.core.layout
	if n, err := moveCold(t, db, &l, versions); err != nil || n != 3 {
		t.Fatalf("moved %d, %v", n, err)
	}
	closeDB(db)

	// No reader: the indexes cannot be built, and the open says why.
	db = open(nil)
	if _, err := NewTable(db, jobSpec(1, true)); err == nil || !strings.Contains(err.Error(), "flush.New") {
		t.Fatalf("NewTable without a cold reader = %v, want an error naming flush.New", err)
	}
	closeDB(db)

	check := func(db *DB, spec Spec[jobKey, job]) {
		t.Helper()
		tbl, err := NewTable(db, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := byStatusRows(t, tbl, 1); err != nil || !rowsEqual(got, rows) {
			t.Fatalf("by_status after the build: %+v %v, want %+v", got, err, rows)
		}
		if got, err := tbl.getUniqueBytes(byName, keyenc.AppendString(nil, "b")); err != nil || !rowsEqual([]job{got}, rows[1:2]) {
			t.Fatalf("by_name b: %+v %v", got, err)
		}
		if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
			t.Fatalf("verify: %v %v", problems, err)
		}
	}
	db = open(rows)
	check(db, jobSpec(1, true)) // new indexes
	closeDB(db)
	db = open(rows)
	check(db, coveringJobSpec(1)) // by_status rebuilt, covering
	closeDB(db)
}

// TestCoveringToggleRebuilds: turning covering on rewrites every entry of
// the index with its row's copy when the table opens, and turning it off
// writes them back as plain refs; scans agree throughout.
func TestCoveringToggleRebuilds(t *testing.T) {
	dir := t.TempDir()
	var rows []job
	for i := range int64(20) {
		rows = append(rows, job{Group: "g", Seq: i, Name: string(rune('a' + i)), Status: 1, Created: i % 3})
	}
	slices.SortStableFunc(rows, func(a, b job) int { return int(a.Created - b.Created) })
	for round, spec := range []Spec[jobKey, job]{jobSpec(1, true), coveringJobSpec(1), jobSpec(1, true)} {
		db, err := Open(dir, noSync())
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := NewTable(db, spec)
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			for i := range rows {
				if err := tbl.Put(&rows[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		covering := spec.Layout.Indexes[1].Covering
		for i := range rows {
			val, closer, err := db.pdb.Get(statusEntry(1, &rows[i]))
			if err != nil {
				t.Fatalf("round %d: entry of row %d: %v", round, i, err)
			}
			ref := appendJobKey(nil, jobKey{rows[i].Group, rows[i].Seq})
			want := appendEntryValue(nil, indexCore{covering: covering}, ref, appendJob(nil, &rows[i]))
			if !bytes.Equal(val, want) {
				t.Errorf("round %d (covering %t): entry value %x, want %x", round, covering, val, want)
			}
			closer.Close()
		}
		if got, err := byStatusRows(t, tbl, 1); err != nil || !rowsEqual(got, rows) {
			t.Fatalf("round %d: scan %+v %v", round, got, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
