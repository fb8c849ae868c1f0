package store

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

func TestBatchAcrossTables(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	plain := newJobs(t, db, 2, false)
	b := db.NewBatch()
	b.SetSync(true)
	v := job{Group: "g", Seq: 1, Name: "a"}
	jobs.PutIn(b, &v)
	v.Name = "changed after PutIn" // the batch holds the encoding made by PutIn
	plain.PutIn(b, &job{Group: "p", Seq: 1})
	if b.Len() != 2 {
		t.Fatalf("Len = %d", b.Len())
	}
	if _, err := jobs.Get(jobKey{"g", 1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("row visible before Commit: %v", err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Fatalf("Len after Commit = %d, want 0 (committed batches are emptied)", b.Len())
	}
	if got, err := jobs.getUniqueBytes(byName, keyenc.AppendString(nil, "a")); err != nil || got.Seq != 1 {
		t.Fatalf("GetUnique after batch = %+v, %v", got, err)
	}
	if ok, _ := plain.Has(jobKey{"p", 1}); !ok {
		t.Fatal("plain table row missing after batch")
	}
	// The batch is reusable.
	jobs.DeleteIn(b, jobKey{"g", 1})
	plain.DeleteIn(b, jobKey{"p", 1})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []*Table[jobKey, job]{jobs, plain} {
		if n, _ := tbl.Count(Range{}); n != 0 {
			t.Errorf("%s: %d rows left", tbl.core.name, n)
		}
	}
	assertConsistent(t, jobs)
	if err := db.NewBatch().Commit(); err != nil {
		t.Errorf("empty Commit: %v", err)
	}
}

func TestBatchSeesEarlierOps(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	b := db.NewBatch()
	jobs.PutIn(b, &job{Group: "g", Seq: 1, Name: "first", Email: strp("e1")})
	jobs.PutIn(b, &job{Group: "g", Seq: 1, Name: "second"}) // replaces the first put, index entries too
	jobs.PutIn(b, &job{Group: "g", Seq: 2, Name: "first", Email: strp("e1")})
	jobs.PutIn(b, &job{Group: "g", Seq: 3, Name: "gone"})
	jobs.DeleteIn(b, jobKey{"g", 3})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, jobs.Scan(Range{}, ScanOptions{}))
	want := []job{{Group: "g", Seq: 1, Name: "second"}, {Group: "g", Seq: 2, Name: "first", Email: strp("e1")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %+v, want %+v", got, want)
	}
	if _, err := jobs.getUniqueBytes(byName, keyenc.AppendString(nil, "gone")); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted row's unique entry still found: %v", err)
	}
	assertConsistent(t, jobs)
}

func TestBatchAllOrNothing(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	plain := newJobs(t, db, 2, false)
	if err := jobs.Put(&job{Group: "g", Seq: 1, Name: "taken"}); err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	plain.PutIn(b, &job{Group: "p", Seq: 1})
	jobs.PutIn(b, &job{Group: "g", Seq: 2, Name: "free"})
	jobs.DeleteIn(b, jobKey{"g", 1})
	jobs.PutIn(b, &job{Group: "g", Seq: 3, Name: "x", Email: strp("dup")})
	jobs.PutIn(b, &job{Group: "g", Seq: 4, Name: "y", Email: strp("dup")}) // conflicts inside the batch
	err := b.Commit()
	var uv *UniqueViolationError
	if !errors.As(err, &uv) {
		t.Fatalf("Commit = %v, want a UniqueViolationError", err)
	}
	want := UniqueViolationError{Table: "test.jobs1", Index: "by_email", Values: keyenc.AppendString(nil, "dup"), ExistingKey: "g/3", Key: "g/4", Shown: `by_email = "dup"`}
	if !reflect.DeepEqual(*uv, want) {
		t.Errorf("error = %+v, want %+v", *uv, want)
	}
	if got, want := uv.Error(), `store: test.jobs1: by_email = "dup" already belongs to row g/3, cannot also belong to row g/4 (unique index); delete or change the existing row first`; got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if b.Len() != 5 {
		t.Errorf("failed batch Len = %d, want its 5 operations kept", b.Len())
	}
	// Nothing of the batch was applied, on either table.
	if rows := keysOf(collect(t, jobs.Scan(Range{}, ScanOptions{}))); !slices.Equal(rows, []string{"g/1"}) {
		t.Errorf("jobs rows after failed batch = %v", rows)
	}
	if n, _ := plain.Count(Range{}); n != 0 {
		t.Errorf("plain table has %d rows after failed batch", n)
	}
	assertConsistent(t, jobs)
	b.Reset()
	if b.Len() != 0 {
		t.Errorf("Len after Reset = %d", b.Len())
	}
}

func TestBatchOtherDB(t *testing.T) {
	db1, _ := openDB(t, noSync())
	db2, _ := openDB(t, noSync())
	t2 := newJobs(t, db2, 1, false)
	b := db1.NewBatch()
	t2.PutIn(b, &job{Group: "g", Seq: 1})
	if err := b.Commit(); err == nil {
		t.Fatal("a batch of db1 committed a row of a table of db2")
	}
	if n, _ := t2.Count(Range{}); n != 0 {
		t.Errorf("db2 has %d rows", n)
	}
}

func TestUniqueViolation(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	if err := jobs.Put(&job{Group: "g", Seq: 1, Name: "a", Status: 1, Created: 10}); err != nil {
		t.Fatal(err)
	}
	before := job{Group: "g", Seq: 2, Name: "b", Status: 2, Created: 20}
	if err := jobs.Put(&before); err != nil {
		t.Fatal(err)
	}
	// An update of row 2 that takes row 1's name changes nothing, not even
	// the indexes whose values were free.
	err := jobs.Put(&job{Group: "g", Seq: 2, Name: "a", Status: 0, Created: 30})
	var uv *UniqueViolationError
	if !errors.As(err, &uv) || uv.Index != "by_name" || uv.ExistingKey != "g/1" || uv.Key != "g/2" {
		t.Fatalf("Put = %v", err)
	}
	if got, _ := jobs.Get(jobKey{"g", 2}); !reflect.DeepEqual(got, before) {
		t.Errorf("row changed by a refused put: %+v", got)
	}
	// Re-putting a row with its own unique values is fine.
	if err := jobs.Put(&before); err != nil {
		t.Errorf("re-put of the same row: %v", err)
	}
	// Freeing a value makes it available.
	if err := jobs.Delete(jobKey{"g", 1}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Put(&job{Group: "g", Seq: 2, Name: "a"}); err != nil {
		t.Errorf("taking a freed name: %v", err)
	}
	// Sparse: many rows without an email are fine.
	for s := int64(3); s < 6; s++ {
		if err := jobs.Put(&job{Group: "g", Seq: s, Name: string(rune('a' + s))}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(collect(t, jobs.IndexScan(byEmail, Range{}, ScanOptions{}))); n != 0 {
		t.Errorf("sparse index holds %d rows without an email", n)
	}
	assertConsistent(t, jobs)
}

// TestUniqueConcurrent: goroutines race to insert different rows with the
// same unique value; exactly one must win, every time.
func TestUniqueConcurrent(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	const rounds, writers = 20, 8
	for round := range rounds {
		name := string(rune('A' + round))
		var wg sync.WaitGroup
		errs := make([]error, writers)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				<-start
				v := job{Group: "w", Seq: int64(round*writers + w), Name: name}
				if w%2 == 0 {
					errs[w] = jobs.Put(&v)
				} else {
					b := db.NewBatch()
					jobs.PutIn(b, &v)
					errs[w] = b.Commit()
				}
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var uv *UniqueViolationError
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &uv):
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers won the same unique name, want exactly 1", round, wins)
		}
	}
	if n, _ := jobs.Count(Range{}); n != rounds {
		t.Errorf("%d rows, want %d", n, rounds)
	}
	assertConsistent(t, jobs)
}

// TestFetchReadsMatchPointReads checks the reads a batch commit makes before
// it writes (old rows, unique entries): fetchReads answers keys below a
// probe's landing key without seeking, so every planned key must be found
// exactly when a point read of the database finds it, with the same value,
// wherever the keys lie: past the end of the table, among stored keys, on
// deleted ones, in the memtable or in sstables, in runs that make the
// probes pay off and in runs that make them give way to prefix seeks.
func TestFetchReadsMatchPointReads(t *testing.T) {
	root := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp(root, "db")
		if err != nil {
			rt.Fatal(err)
		}
		defer os.RemoveAll(dir)
		db, err := Open(dir, noSync())
		if err != nil {
			rt.Fatal(err)
		}
		defer func() {
			if err := db.Close(); err != nil {
				rt.Fatal(err)
			}
		}()
		tbl, err := NewTable(db, wideSpec(1, true))
		if err != nil {
			rt.Fatal(err)
		}
		const ids = 300
		stored := rapid.SliceOfNDistinct(rapid.Int64Range(0, ids), 0, 150, rapid.ID[int64]).Draw(rt, "stored")
		flushAt := rapid.IntRange(0, len(stored)).Draw(rt, "flushAt")
		for i, id := range stored {
			if i == flushAt {
				if err := db.pdb.Flush(); err != nil { // the rest stay in the memtable
					rt.Fatal(err)
				}
			}
			v := makeWide(id)
			if err := tbl.Put(&v); err != nil {
				rt.Fatal(err)
			}
		}
		for _, id := range rapid.SliceOfN(rapid.SampledFrom(append(stored, -1)), 0, 20).Draw(rt, "deleted") {
			if err := tbl.Delete(id); err != nil {
				rt.Fatal(err)
			}
		}
		b := db.NewBatch()
		for _, id := range rapid.SliceOfN(rapid.Int64Range(0, ids+50), 1, 60).Draw(rt, "put") {
			v := makeWide(id)
			v.Email = makeWide(rapid.Int64Range(0, ids+50).Draw(rt, "email of")).Email
			tbl.PutIn(b, &v)
		}
		b.planReads()
		if err := b.fetchReads(db.pdb); err != nil {
			rt.Fatal(err)
		}
		for i := range b.reads {
			r := &b.reads[i]
			if int(r.canon) != i {
				continue
			}
			key := b.rkeys[r.key.start:r.key.end]
			want, closer, err := db.pdb.Get(key)
			switch {
			case errors.Is(err, pebble.ErrNotFound):
				if r.found {
					rt.Fatalf("key %x: read %x, but the database has no such key", key, b.value(r))
				}
			case err != nil:
				rt.Fatal(err)
			default:
				if !r.found || !bytes.Equal(b.value(r), want) {
					rt.Fatalf("key %x: read found=%t, but the database has %x", key, r.found, want)
				}
				_ = closer.Close()
			}
		}
	})
}
