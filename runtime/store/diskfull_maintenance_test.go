package store

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
)

// fullDiskFS is a file system whose new sstables fail with ENOSPC while
// full is set: Pebble's memtable flushes fail and are retried, and writes
// block once the memtables are full.
func fullDiskFS(full *atomic.Bool) vfs.FS {
	return errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if full.Load() && strings.HasSuffix(op.Path, ".sst") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return &errorfsErr{op.Path}
		}
		return nil
	}))
}

// bounded runs f and fails the test when it has not returned after a
// minute: a write on a full disk that blocks forever (what these tests
// guard against) is reported instead of hanging the run. It is a guard
// against hangs, far above WriteTimeout, not a measurement.
func bounded(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s on a full disk blocked for a minute; want an error wrapping ErrWriteTimeout", what)
		return nil
	}
}

// fillUntilTimeout puts 1 KB rows into tbl until one times out, and
// returns the acknowledged ones.
func fillUntilTimeout(t *testing.T, tbl *Table[jobKey, job], group string) map[int64]bool {
	t.Helper()
	acked := map[int64]bool{}
	note := strings.Repeat("x", 1000)
	for seq := int64(0); seq < 100_000; seq++ {
		err := tbl.Put(&job{Group: group, Seq: seq, Name: group + fmt.Sprint(seq), Note: note})
		if errors.Is(err, ErrWriteTimeout) {
			return acked
		}
		if err != nil {
			t.Fatalf("put %d: %v", seq, err)
		}
		acked[seq] = true
	}
	t.Fatal("100000 puts of 1 KB on a full disk never timed out")
	return nil
}

// retryTimeouts runs f until it returns anything but ErrWriteTimeout (a
// commit slower than the tests' 100 ms timeout on a loaded machine is
// queued and applied, and the retry then succeeds), at most 1000 times.
func retryTimeouts(f func() error) error {
	var err error
	for range 1000 {
		if err = f(); !errors.Is(err, ErrWriteTimeout) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

// waitDrained retries a put until the write queued on the full disk is
// applied (space was freed), and fails the test if it never is.
func waitDrained(t *testing.T, tbl *Table[jobKey, job]) {
	t.Helper()
	var err error
	for range 1000 {
		if err = tbl.Put(&job{Group: "drain", Seq: 0, Name: "drain"}); !errors.Is(err, ErrWriteTimeout) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("put after space was freed: %v", err)
	}
}

// TestMaintenanceWritesOnFullDiskTimeOut: the store's own writes (a
// flush's deletion of the hot rows it wrote and its WAL sync, cold
// markers, a new table's layout record, marks) go through the same bounded
// commit as Put: while a write is queued on a full disk each returns an
// error wrapping ErrWriteTimeout instead of blocking (on a Pebble commit
// they blocked forever), and once space is freed each succeeds and every
// acknowledged row is there.
func TestMaintenanceWritesOnFullDiskTimeOut(t *testing.T) {
	var full atomic.Bool
	db, err := Open(t.TempDir(), &Options{fs: fullDiskFS(&full), MemTableSize: 1 << 20, WriteTimeout: 100 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jobs := newJobs(t, db, 1, true)
	l := jobs.core.layout
	for seq := range int64(20) {
		if err := jobs.Put(&job{Group: "flushed", Seq: seq, Name: fmt.Sprint("f", seq)}); err != nil {
			t.Fatal(err)
		}
	}
	var versions []coldtier.RowVersion
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: RowPrefix(1), UpperBound: prefixEnd(RowPrefix(1))})
	if err != nil {
		t.Fatal(err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		versions = append(versions, coldtier.RowVersion{Key: append([]byte(nil), it.Key()[len(RowPrefix(1)):]...), Hash: coldtier.RowHash(it.Value())})
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	snap, seq, err := db.FlushSnapshot(&l, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	snap.Close()
	mark, err := db.Mark("gen")
	if err != nil {
		t.Fatal(err)
	}

	full.Store(true)
	acked := fillUntilTimeout(t, jobs, "g")
	ops := []struct {
		name string
		run  func() error
	}{
		{"the flush's deletion of hot rows", func() error {
			_, err := db.deleteUnchanged(&l, seq, versions, true)
			return err
		}},
		{"the flush's WAL sync", func() error {
			_, err := db.deleteUnchanged(&l, seq, nil, true)
			return err
		}},
		{"raising a cold marker", func() error { return db.raiseColdMarker(&l, seq+5) }},
		{"a mark", func() error { return mark.Save(42) }},
		{"recording a new table's layout", func() error {
			_, err := NewTable(db, jobSpec(7, true))
			return err
		}},
	}
	for _, op := range ops {
		if err := bounded(t, op.name, op.run); !errors.Is(err, ErrWriteTimeout) {
			t.Errorf("%s while a write is queued on a full disk: %v, want ErrWriteTimeout", op.name, err)
		}
	}

	full.Store(false)
	waitDrained(t, jobs)
	for _, op := range ops {
		if err := retryTimeouts(func() error { return bounded(t, op.name, op.run) }); err != nil {
			t.Errorf("%s after space was freed: %v", op.name, err)
		}
	}
	for s := range acked {
		if _, err := jobs.Get(jobKey{"g", s}); err != nil {
			t.Fatalf("acknowledged row %d: %v", s, err)
		}
	}
	if m, err := db.coldMarker(&l); err != nil || m != seq+5 {
		t.Errorf("cold marker %d, %v; want %d", m, err, seq+5)
	}
	if v, err := mark.Load(); err != nil || v != 42 {
		t.Errorf("mark %d, %v; want 42", v, err)
	}
	for _, v := range versions {
		if _, closer, err := db.pdb.Get(append(RowPrefix(1), v.Key...)); err == nil {
			_ = closer.Close()
			t.Errorf("flushed row %x is still hot after its deletion succeeded", v.Key)
		}
	}
}

// TestFlushDeletionOnFullDiskTimesOut: a flush's deletion of the hot rows
// it wrote, on a disk that fills while it runs, is itself bounded: one of
// its commits returns ErrWriteTimeout (it used to block forever), and once
// space is freed that commit is applied and a retry of the rest succeeds:
// every row ends up either hot or moved (cold marker), none lost.
func TestFlushDeletionOnFullDiskTimesOut(t *testing.T) {
	var full atomic.Bool
	db, err := Open(t.TempDir(), &Options{fs: fullDiskFS(&full), MemTableSize: 1 << 20, WriteTimeout: 100 * time.Millisecond, Logger: quietLog, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jobs := newJobs(t, db, 1, false)
	l := jobs.core.layout
	// Long keys, so that the deletions (a tombstone and a cold marker per
	// row: every other row, so no range deletion) fill the memtables.
	group := strings.Repeat("k", 2000)
	const n = 8000
	for s := range int64(n) {
		if err := jobs.Put(&job{Group: group, Seq: s}); err != nil {
			t.Fatal(err)
		}
	}
	var versions []coldtier.RowVersion
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: RowPrefix(1), UpperBound: prefixEnd(RowPrefix(1))})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for ok := it.First(); ok; ok = it.Next() {
		if i%2 == 0 {
			versions = append(versions, coldtier.RowVersion{Key: append([]byte(nil), it.Key()[len(RowPrefix(1)):]...), Hash: coldtier.RowHash(it.Value())})
		}
		i++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	snap, seq, err := db.FlushSnapshot(&l, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	snap.Close()

	full.Store(true)
	timedOut := -1
	for c := 0; c < len(versions); c += 100 {
		chunk := versions[c:min(c+100, len(versions))]
		err := bounded(t, "the flush's deletion of hot rows", func() error {
			_, err := db.deleteUnchanged(&l, seq, chunk, false)
			return err
		})
		if errors.Is(err, ErrWriteTimeout) {
			timedOut = c
			break
		}
		if err != nil {
			t.Fatalf("delete chunk %d: %v", c, err)
		}
	}
	if timedOut < 0 {
		t.Fatalf("deleting %d flushed rows with long keys on a full disk never timed out", len(versions))
	}
	full.Store(false)
	var err2 error
	for range 1000 {
		if _, err2 = db.deleteUnchanged(&l, seq, versions, true); !errors.Is(err2, ErrWriteTimeout) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err2 != nil {
		t.Fatalf("the deletion after space was freed: %v", err2)
	}
	moved := map[string]bool{}
	for _, v := range versions {
		moved[string(v.Key)] = true
	}
	for s := range int64(n) {
		key := appendJobKey(nil, jobKey{group, s})
		_, hc, hotErr := db.pdb.Get(append(RowPrefix(1), key...))
		hot := hotErr == nil
		if hot {
			_ = hc.Close()
		}
		_, closer, coldErr := db.pdb.Get(appendColdKey(nil, append(RowPrefix(1), key...)))
		cold := coldErr == nil
		if cold {
			_ = closer.Close()
		}
		if hot == cold || cold != moved[string(key)] {
			t.Fatalf("row %d: hot %v, cold marker %v; want exactly one, cold only for the flushed rows", s, hot, cold)
		}
	}
}

// TestBackfillOnFullDiskTimesOut: opening a table with new indexes on a
// disk that fills while they are backfilled returns an error wrapping
// ErrWriteTimeout (the backfill's commits used to block forever, and so
// did NewTable); once space is freed and the database reopened, the
// backfill completes and every row and entry is there.
func TestBackfillOnFullDiskTimesOut(t *testing.T) {
	var full atomic.Bool
	dir := t.TempDir()
	open := func(timeout time.Duration) *DB {
		db, err := Open(dir, &Options{fs: fullDiskFS(&full), MemTableSize: 1 << 20, WriteTimeout: timeout, Logger: quietLog, NoSync: true, BackfillBatchSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open(0)
	plain := newJobs(t, db, 3, false)
	const n = 20_000
	long := strings.Repeat("n", 1000)
	for s := range int64(n) {
		if err := plain.Put(&job{Group: "g", Seq: s, Name: fmt.Sprint(long, s)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(100 * time.Millisecond)
	other := newJobs(t, db, 1, false)
	full.Store(true)
	err := bounded(t, "NewTable backfilling new indexes", func() error {
		_, err := NewTable(db, jobSpec(3, true))
		return err
	})
	if !errors.Is(err, ErrWriteTimeout) {
		t.Fatalf("NewTable backfilling on a full disk: %v, want ErrWriteTimeout", err)
	}
	full.Store(false)
	waitDrained(t, other)
	if err := db.Close(); err != nil {
		t.Fatalf("close after space was freed: %v", err)
	}

	db = open(0) // the default timeout: the disk is fine, only slow on a loaded machine
	defer db.Close()
	jobs, err := NewTable(db, jobSpec(3, true))
	if err != nil {
		t.Fatalf("reopen after space was freed: %v", err)
	}
	if problems, err := jobs.Verify(); len(problems) > 0 || err != nil {
		t.Fatalf("verify after the backfill: %d problems (first %v), %v", len(problems), problems[:min(1, len(problems))], err)
	}
	if c, err := jobs.Count(Range{}); err != nil || c != n {
		t.Fatalf("count %d, %v; want %d", c, err, n)
	}
}
