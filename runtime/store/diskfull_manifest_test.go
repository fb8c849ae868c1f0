package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestManifestWriteFailureOnFullDisk: a disk so full that Pebble's
// MANIFEST writes fail too (Pebble then stops the database) makes every
// write return an error wrapping ErrPebbleFatal that says what to do
// (free space, reopen), never a hang or a panic; after space is freed and
// the database reopened, every acknowledged row is there.
func TestManifestWriteFailureOnFullDisk(t *testing.T) {
	var full atomic.Bool
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if full.Load() && strings.Contains(op.Path, "MANIFEST") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return &errorfsErr{op.Path}
		}
		return nil
	}))
	dir := t.TempDir()
	open := func() *DB {
		db, err := Open(dir, &Options{fs: fs, MemTableSize: 1 << 20, WriteTimeout: 100 * time.Millisecond, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	tbl := newJobs(t, db, 1, true)
	full.Store(true)
	note := strings.Repeat("x", 1000)
	acked := map[int64]bool{}
	var failed error
	for seq := int64(0); seq < 100_000; seq++ {
		err := tbl.Put(&job{Group: "g", Seq: seq, Name: fmt.Sprint(seq), Note: note})
		if err != nil {
			failed = err
			break
		}
		acked[seq] = true
	}
	if failed == nil {
		t.Fatal("100000 puts of 1 KB with MANIFEST writes failing never failed")
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrPebbleFatal) || !strings.Contains(err.Error(), "free space, then close and reopen the database") {
			t.Errorf("%s after a failed MANIFEST write: %v; want ErrPebbleFatal telling to free space and reopen", what, err)
		}
	}
	check("the failing put", failed)
	check("a later put", bounded(t, "a put", func() error { return tbl.Put(&job{Group: "g", Seq: -1, Name: "again"}) }))
	check("a transaction", bounded(t, "a transaction", func() error {
		return db.Update(context.Background(), func(tx *Tx) error { return tbl.In(tx).Put(&job{Group: "g", Seq: -2, Name: "tx"}) })
	}))
	check("a mark", bounded(t, "a mark", func() error {
		m, err := db.Mark("gen")
		if err != nil {
			return err
		}
		return m.Save(1)
	}))
	full.Store(false)
	_ = bounded(t, "Close", db.Close) // may report the fatal error; must return
	db = open()
	defer db.Close()
	tbl = newJobs(t, db, 1, true)
	for seq := range acked {
		if _, err := tbl.Get(jobKey{"g", seq}); err != nil {
			t.Fatalf("acknowledged row %d after reopening: %v", seq, err)
		}
	}
}
