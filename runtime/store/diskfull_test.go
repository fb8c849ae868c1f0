package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// quietLog keeps Pebble's retried flush failures out of the test output.
var quietLog = slog.New(slog.DiscardHandler)

// TestWritesOnFullDiskTimeOut: with the disk full for new sstables (the
// memtable flushes Pebble retries for as long as the disk is full), writes
// that would block forever return an error wrapping ErrWriteTimeout once
// Options.WriteTimeout has passed, and later writes fail at once while one
// is queued; once space is freed, the queued write is applied and writes
// succeed again, and every acknowledged row is there.
func TestWritesOnFullDiskTimeOut(t *testing.T) {
	var full atomic.Bool
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if full.Load() && strings.HasSuffix(op.Path, ".sst") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return &errorfsErr{op.Path}
		}
		return nil
	}))
	dir := t.TempDir()
	db, err := Open(dir, &Options{fs: fs, MemTableSize: 1 << 20, WriteTimeout: 100 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, indexed := range []bool{false, true} {
		t.Run(fmt.Sprintf("indexed=%v", indexed), func(t *testing.T) {
			id := uint32(1)
			if indexed {
				id = 2
			}
			tbl := newJobs(t, db, id, indexed)
			full.Store(true)
			acked := map[int64]bool{}
			var timedOut int64 = -1
			note := strings.Repeat("x", 1000)
			for seq := int64(0); seq < 100_000; seq++ {
				err := tbl.Put(&job{Group: "g", Seq: seq, Name: fmt.Sprint(seq), Note: note})
				if errors.Is(err, ErrWriteTimeout) {
					if !stuck(db) {
						continue // only slow (a starved CPU): it was applied since
					}
					timedOut = seq
					break
				}
				if err != nil {
					t.Fatalf("put %d: %v", seq, err)
				}
				acked[seq] = true
			}
			if timedOut < 0 {
				t.Fatalf("100000 puts of 1 KB on a full disk never timed out")
			}
			if err := tbl.Put(&job{Group: "g", Seq: -1, Name: "refused"}); !errors.Is(err, ErrWriteTimeout) {
				t.Fatalf("put while a write is queued: %v, want ErrWriteTimeout at once", err)
			}
			full.Store(false) // space freed
			var err error
			for range 1000 { // the queued write drains as soon as Pebble's retried flush succeeds
				if err = tbl.Put(&job{Group: "g", Seq: -2, Name: "after"}); !errors.Is(err, ErrWriteTimeout) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("put after space was freed: %v", err)
			}
			for seq := range acked {
				if _, err := tbl.Get(jobKey{"g", seq}); err != nil {
					t.Fatalf("acknowledged row %d: %v", seq, err)
				}
			}
			if _, err := tbl.Get(jobKey{"g", timedOut}); err != nil {
				t.Errorf("the queued write %d was not applied once space was freed: %v", timedOut, err)
			}
			if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
				t.Errorf("verify: %v %v", problems, err)
			}
		})
	}
}

// stuck reports whether a commit that timed out is still queued a while
// later: Pebble cannot write (the full disk). A commit that was only slow,
// on a machine whose CPU is shared, times out too and is applied soon
// after; the tests wait for a stuck one.
func stuck(db *DB) bool {
	time.Sleep(300 * time.Millisecond)
	return db.pending.Load() > 0
}

// errorfsErr is ENOSPC for one path.
type errorfsErr struct{ path string }

func (e *errorfsErr) Error() string { return e.path + ": no space left on device" }
func (e *errorfsErr) Unwrap() error { return syscall.ENOSPC }

// TestTransactionsAndExpiryOnFullDiskTimeOut: Update and Expire commit
// through the same bounded path as Put: on a disk full for new sstables a
// transaction returns ErrWriteTimeout after Options.WriteTimeout instead
// of blocking forever, Expire and further transactions are refused at
// once while that commit is queued, and once space is freed both work
// again and every acknowledged transaction is there.
func TestTransactionsAndExpiryOnFullDiskTimeOut(t *testing.T) {
	var full atomic.Bool
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if full.Load() && strings.HasSuffix(op.Path, ".sst") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return &errorfsErr{op.Path}
		}
		return nil
	}))
	db, err := Open(t.TempDir(), &Options{fs: fs, MemTableSize: 1 << 20, WriteTimeout: 100 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jobs := newJobs(t, db, 1, true)
	events := scoped(t, newEvents(t, db, 2), "u1")
	if err := events.Put(&event{At: epoch, ID: "old"}); err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	note := strings.Repeat("x", 1000)
	acked := map[int64]bool{}
	timedOut := int64(-1)
	for seq := int64(0); seq < 100_000; seq++ {
		err := db.Update(context.Background(), func(tx *Tx) error {
			return jobs.In(tx).Put(&job{Group: "g", Seq: seq, Name: fmt.Sprint(seq), Note: note})
		})
		if errors.Is(err, ErrWriteTimeout) {
			if !stuck(db) {
				continue // only slow (a starved CPU): it was applied since
			}
			timedOut = seq
			break
		}
		if err != nil {
			t.Fatalf("update %d: %v", seq, err)
		}
		acked[seq] = true
	}
	if timedOut < 0 {
		t.Fatal("100000 transactions of 1 KB on a full disk never timed out")
	}
	if _, err := events.Expire(epoch.Add(time.Hour), 0); !errors.Is(err, ErrWriteTimeout) {
		t.Fatalf("expire while a write is queued: %v, want ErrWriteTimeout at once", err)
	}
	err = db.Update(context.Background(), func(tx *Tx) error { return jobs.In(tx).Put(&job{Group: "g", Seq: -1}) })
	if !errors.Is(err, ErrWriteTimeout) {
		t.Fatalf("update while a write is queued: %v, want ErrWriteTimeout at once", err)
	}
	full.Store(false)
	for range 1000 {
		if _, err = events.Expire(epoch.Add(time.Hour), 0); !errors.Is(err, ErrWriteTimeout) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("expire after space was freed: %v", err)
	}
	if _, err := events.Get(eventKey{At: epoch, ID: "old"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the expired row after the expiry: %v, want ErrNotFound", err)
	}
	if err := db.Update(context.Background(), func(tx *Tx) error { return jobs.In(tx).Put(&job{Group: "g", Seq: -2}) }); err != nil {
		t.Fatalf("update after space was freed: %v", err)
	}
	for seq := range acked {
		if _, err := jobs.Get(jobKey{"g", seq}); err != nil {
			t.Fatalf("acknowledged transaction %d: %v", seq, err)
		}
	}
	if problems, err := jobs.Verify(); len(problems) > 0 || err != nil {
		t.Errorf("verify: %v %v", problems, err)
	}
}
