package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
)

// tombstones returns every tombstone of a table: key below the table's
// tombstone prefix (scope + key tuple, hex) → seq.
func tombstones(t testing.TB, db *DB, tableID uint32) map[string]uint64 {
	t.Helper()
	prefix := tombstonePrefix(tableID)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for ok := it.First(); ok; ok = it.Next() {
		seq, err := decodeTombstone(it.Value())
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%x", it.Key()[len(prefix):])] = seq
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func tupleHex(k jobKey) string { return fmt.Sprintf("%x", appendJobKey(nil, k)) }

// TestTombstones checks, for a table with indexes and one without, that
// deletions write tombstones exactly when the table has a cold marker, with
// the marker's value as of the commit, through Delete, DeleteIn and mixed
// batches; that puts leave tombstones alone; and that the marker survives a
// reopen and never goes down.
func TestTombstones(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		t.Run(fmt.Sprintf("indexes=%t", indexed), func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, &Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			tbl := newJobs(t, db, 7, indexed)
			l := tbl.Layout()
			put := func(g string, seq int64) {
				t.Helper()
				if err := tbl.Put(&job{Group: g, Seq: seq, Name: fmt.Sprint(g, seq)}); err != nil {
					t.Fatal(err)
				}
			}
			for i := range int64(6) {
				put("g", i)
			}
			// Never flushed: no tombstones.
			if err := tbl.Delete(jobKey{"g", 0}); err != nil {
				t.Fatal(err)
			}
			if got := tombstones(t, db, 7); len(got) != 0 {
				t.Fatalf("tombstones before any flush: %v", got)
			}
			// A flush reserves 3..5 (next 3 > marker 0 + 1).
			snap, first, err := db.FlushSnapshot(&l, 3, 3)
			if err != nil {
				t.Fatal(err)
			}
			_ = snap.Close()
			if first != 3 {
				t.Fatalf("first reserved seq %d, want 3", first)
			}
			if err := tbl.Delete(jobKey{"g", 1}); err != nil {
				t.Fatal(err)
			}
			b := db.NewBatch()
			tbl.DeleteIn(b, jobKey{"g", 2})
			tbl.PutIn(b, &job{Group: "g", Seq: 9, Name: "nine"})
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			put("g", 1) // put again: the tombstone stays, the hot row wins
			want := map[string]uint64{tupleHex(jobKey{"g", 1}): 5, tupleHex(jobKey{"g", 2}): 5}
			if got := tombstones(t, db, 7); !mapsEqual(got, want) {
				t.Fatalf("tombstones %v, want %v", got, want)
			}
			// The next reservation starts above the marker even when the
			// manifest's next number is lower (seqs 4 and 5 went unused).
			snap, first, err = db.FlushSnapshot(&l, 4, 2)
			if err != nil {
				t.Fatal(err)
			}
			_ = snap.Close()
			if first != 6 {
				t.Fatalf("first reserved seq %d, want 6", first)
			}
			if err := db.raiseColdMarker(&l, 2); err != nil { // lower: ignored
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(dir, &Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tbl = newJobs(t, db, 7, indexed)
			if seq, err := db.coldMarker(&l); err != nil || seq != 7 {
				t.Fatalf("marker after reopen %d (%v), want 7", seq, err)
			}
			if err := tbl.Delete(jobKey{"g", 3}); err != nil {
				t.Fatal(err)
			}
			want[tupleHex(jobKey{"g", 3})] = 7
			if got := tombstones(t, db, 7); !mapsEqual(got, want) {
				t.Fatalf("tombstones after reopen %v, want %v", got, want)
			}
			if probs, err := tbl.Verify(); err != nil || len(probs) != 0 {
				t.Fatalf("Verify: %v %v", probs, err)
			}
		})
	}
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestTombstoneSnapshotOrder checks the promise FlushSnapshot makes to a
// flush: a deletion committed before the snapshot carries a seq below the
// reserved numbers, one committed after carries at least the last of
// them, whichever goroutine wins the race. Deleters run while snapshots
// are taken; for each deleted row, the snapshot either still has it (then
// the tombstone must cover the reservation) or not (then it must not).
func TestTombstoneSnapshotOrder(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		t.Run(fmt.Sprintf("indexes=%t", indexed), func(t *testing.T) {
			db, _ := openDB(t, &Options{NoSync: true})
			tbl := newJobs(t, db, 8, indexed)
			l := tbl.Layout()
			const rows = 400
			b := db.NewBatch()
			for i := range int64(rows) {
				tbl.PutIn(b, &job{Group: "g", Seq: i, Name: fmt.Sprint("n", i)})
			}
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			type shot struct {
				snap        *Snapshot
				first, last uint64
			}
			// The first snapshot comes before any deletion, so every
			// deletion finds a marker and writes a tombstone.
			snap, first, err := db.FlushSnapshot(&l, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			shots := []shot{{snap, first, first + 1}}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range int64(rows) {
					if err := tbl.Delete(jobKey{"g", i}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
			next := first + 2
			for range 20 {
				snap, first, err := db.FlushSnapshot(&l, next, 2)
				if err != nil {
					t.Fatal(err)
				}
				shots = append(shots, shot{snap, first, first + 1})
				next = first + 2
			}
			wg.Wait()
			tombs := tombstones(t, db, 8)
			for _, s := range shots {
				for i := range int64(rows) {
					k := jobKey{"g", i}
					seq, ok := tombs[tupleHex(k)]
					if !ok {
						t.Fatalf("row %v has no tombstone", k)
					}
					key := append(appendRowPrefix(nil, 8), appendJobKey(nil, k)...)
					_, closer, err := s.snap.snap.Get(key)
					inSnap := err == nil
					if inSnap {
						_ = closer.Close()
					} else if !errors.Is(err, pebble.ErrNotFound) {
						t.Fatal(err)
					}
					if inSnap && seq < s.last {
						t.Fatalf("row %v was in the snapshot reserving %d..%d but its deletion has seq %d: a flush of that snapshot would resurrect it", k, s.first, s.last, seq)
					}
					if !inSnap && seq >= s.first {
						t.Fatalf("row %v was deleted before the snapshot reserving %d..%d but its tombstone has seq %d: a row put again before that flush would be hidden", k, s.first, s.last, seq)
					}
				}
			}
			for _, s := range shots {
				_ = s.snap.Close()
			}
		})
	}
}

// TestDeleteUnchangedPlainRace races puts of new values into a table
// without indexes against DeleteUnchanged of the old versions. Whatever
// the interleaving, every put must survive: either it lands before
// DeleteUnchanged reads the row (the hash differs, the row stays) or after
// the deletion (the row is hot again). Without the plain writers' lock a
// put could commit between the read and the delete and be lost.
func TestDeleteUnchangedPlainRace(t *testing.T) {
	db, _ := openDB(t, &Options{NoSync: true})
	tbl := newJobs(t, db, 9, false)
	l := tbl.Layout()
	const rows = 3000
	for round := range 10 {
		b := db.NewBatch()
		for i := range int64(rows) {
			tbl.PutIn(b, &job{Group: "g", Seq: i, Name: "old"})
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		// The versions a flush would have taken.
		prefix := appendRowPrefix(nil, 9)
		var versions []coldtier.RowVersion
		it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			versions = append(versions, coldtier.RowVersion{Key: bytes.Clone(it.Key()[len(prefix):]), Hash: coldtier.RowHash(it.Value())})
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			// From the end, so the writer meets rows DeleteUnchanged has
			// already checked in its current chunk.
			for i := int64(rows - 1); i >= 0; i-- {
				if err := tbl.Put(&job{Group: "g", Seq: i, Name: fmt.Sprint("new", round)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		if _, err := moveCold(t, db, &l, versions); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		lost := 0
		for i := range int64(rows) {
			if !isHot(t, db, 9, appendJobKey(nil, jobKey{"g", i})) {
				lost++
			}
		}
		if lost > 0 {
			t.Fatalf("round %d: %d of %d puts racing DeleteUnchanged were lost", round, lost, rows)
		}
		if err := db.pdb.DeleteRange(prefix, prefixEnd(prefix), pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDecodeTombstone checks that only 8-byte values decode.
func TestDecodeTombstone(t *testing.T) {
	if seq, err := decodeTombstone(binary.BigEndian.AppendUint64(nil, 42)); err != nil || seq != 42 {
		t.Fatalf("DecodeTombstone: %d %v", seq, err)
	}
	for _, bad := range [][]byte{nil, {1}, make([]byte, 9)} {
		if _, err := decodeTombstone(bad); !errors.Is(err, errCorruptTombstone) {
			t.Errorf("decodeTombstone(%x): %v, want errCorruptTombstone", bad, err)
		}
	}
}

// TestDeleteUnchangedRuns checks the range deletions DeleteUnchanged uses
// for runs of adjacent rows against the naive reference: of a random set
// of rows, a random subset is listed (sorted, as a flush lists them, or
// shuffled), a random subset of those changed afterwards; exactly the
// listed unchanged rows must go, every other row must stay.
func TestDeleteUnchangedRuns(t *testing.T) {
	db, _ := openDB(t, &Options{NoSync: true})
	tbl := newJobs(t, db, 10, false)
	l := tbl.Layout()
	prefix := appendRowPrefix(nil, 10)
	rapid.Check(t, func(rt *rapid.T) {
		if err := db.pdb.DeleteRange(prefix, prefixEnd(prefix), pebble.NoSync); err != nil {
			rt.Fatal(err)
		}
		n := rapid.IntRange(0, 60).Draw(rt, "rows")
		var versions []coldtier.RowVersion
		want := map[int64]bool{} // rows that must survive
		for i := range int64(n) {
			v := job{Group: "g", Seq: i * 2, Name: "v1"}
			if err := tbl.Put(&v); err != nil {
				rt.Fatal(err)
			}
			listed := rapid.Bool().Draw(rt, "listed")
			if listed {
				versions = append(versions, coldtier.RowVersion{Key: appendJobKey(nil, jobKey{"g", i * 2}), Hash: coldtier.RowHash(appendJob(nil, &v))})
			}
			if !listed || rapid.IntRange(0, 4).Draw(rt, "change") == 0 {
				want[i*2] = true
				if listed {
					v.Name = "v2"
					if err := tbl.Put(&v); err != nil {
						rt.Fatal(err)
					}
				}
			}
		}
		if rapid.Bool().Draw(rt, "shuffle") {
			perm := rapid.Permutation(versions).Draw(rt, "order")
			versions = perm
		}
		if _, err := moveCold(t, db, &l, versions); err != nil {
			rt.Fatal(err)
		}
		for i := range int64(n) {
			hot := isHot(t, db, 10, appendJobKey(nil, jobKey{"g", i * 2}))
			switch {
			case hot && !want[i*2]:
				rt.Fatalf("row %d was listed unchanged but stayed hot", i*2)
			case !hot && want[i*2]:
				rt.Fatalf("row %d was moved but is not listed or changed", i*2)
			}
		}
	})
}
