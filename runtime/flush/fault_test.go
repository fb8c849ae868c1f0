package flush_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

var errCrash = errors.New("injected crash")

// TestFaultEveryStep interrupts a flush at every step (and at several
// occurrences of the repeated ones), reopens the database as after a
// crash, recovers, and checks that every row is hot or in exactly one
// listed file, that indexes match the rows, that no temporary or unlisted
// file is left, and that the union reads what was written. Then a second
// flush completes the job.
func TestFaultEveryStep(t *testing.T) {
	const per = 120
	n := len(owners)
	cases := []struct {
		step flush.Step
		nth  int
	}{
		{flush.StepReserved, 1},           // numbers reserved, nothing written
		{flush.StepBatch, 1},              // mid-file, first owner
		{flush.StepBatch, 5},              // mid-file, a later owner
		{flush.StepBeforeRename, 1},       // first part file complete, not renamed
		{flush.StepBeforeRename, 2},       // its keys file complete, not renamed
		{flush.StepBeforeRename, 2*n - 1}, // last part file
		{flush.StepFilesWritten, 1},       // after rename, before manifest
		{flush.StepBeforeRename, 2*n + 1}, // manifest (written) not renamed
		{flush.StepManifestWritten, 1},    // after manifest, before delete
		{flush.StepBeforeRename, 2*n + 2}, // manifest (deleting) not renamed
		{flush.StepDeleteChunk, 1},        // mid-delete
		{flush.StepDeleteChunk, 7},        // mid-delete, a later segment
		{flush.StepDeleted, 1},            // deleted, manifest not done
		{flush.StepBeforeRename, 2*n + 3}, // manifest (done) not renamed
	}
	// Both layouts write two files per owner: the multi-owner one rolls
	// to a new file after every owner (SegmentBytes 1).
	for _, lay := range []flush.Options{{SegmentBytes: 1}, {PartitionByOwner: true}} {
		for _, c := range cases {
			faultStep(t, lay, c.step, c.nth, per)
		}
	}
}

func faultStep(t *testing.T, lay flush.Options, step flush.Step, nth, per int) {
	name := "multi-owner"
	if lay.PartitionByOwner {
		name = "per-owner"
	}
	c := struct {
		step flush.Step
		nth  int
	}{step, nth}
	t.Run(fmt.Sprintf("%s/%s#%d", name, c.step, c.nth), func(t *testing.T) {
		dbDir, root := t.TempDir(), t.TempDir()
		db := openDB(t, dbDir)
		fillMessages(t, db, per)
		p := messagesProvider(t, db)
		want := scanProvider(t, p, scan.Request{})
		o := lay
		o.BatchSize, o.DeleteBatch = 50, 64
		seen, fired := 0, false
		flush.SetFault(&o, func(s flush.Step) error {
			if s == c.step {
				if seen++; seen == c.nth {
					fired = true
					return errCrash
				}
			}
			return nil
		})
		e := newExecutor(t, db, root, &o)
		if _, err := e.Flush(context.Background(), p); !errors.Is(err, errCrash) {
			t.Fatalf("flush returned %v, want the injected crash", err)
		}
		if !fired {
			t.Fatalf("step %s occurred %d times, fewer than %d", c.step, seen, c.nth)
		}
		// "Restart": reopen the database, a fresh executor, recover.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = openDB(t, dbDir)
		defer db.Close()
		p = messagesProvider(t, db)
		e = newExecutor(t, db, root, nil)
		if _, err := e.Recover(p); err != nil {
			t.Fatal(err)
		}
		checkRecovered(t, db, e, p, root, per)
		if got := scanAll(t, e, p, scan.Request{}); !slices.Equal(got, want) {
			t.Fatalf("after recovery the union returns %d rows, want %d", len(got), len(want))
		}
		// A new flush finishes the job.
		if _, err := e.Flush(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		st := collect(t, db, e, p)
		if len(st.hot) != 0 {
			t.Fatalf("%d rows still hot after the second flush", len(st.hot))
		}
		checkInvariant(t, st, allKeys(per))
		if got := scanAll(t, e, p, scan.Request{}); !slices.Equal(got, want) {
			t.Fatalf("after the second flush the union returns %d rows, want %d", len(got), len(want))
		}
	})
}

// checkRecovered asserts the state recovery must leave.
func checkRecovered(t *testing.T, sdb *store.DB, e *flush.Executor, p *scan.Provider, root string, per int) {
	t.Helper()
	st := collect(t, sdb, e, p)
	checkInvariant(t, st, allKeys(per))
	ms, err := chat.NewMessageStore(sdb)
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := ms.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify after recovery: %v %v", probs, err)
	}
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{"chat/messages/_manifest.json": true}
	for _, s := range m.Segments {
		if s.State != flush.Done {
			t.Errorf("segment %d is %s after recovery", s.Seq, s.State)
		}
		listed["chat/messages/"+s.File] = true
	}
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if !listed[rel] || strings.HasSuffix(rel, ".tmp") {
			t.Errorf("file %s left after recovery", rel)
		}
		return nil
	})
}
