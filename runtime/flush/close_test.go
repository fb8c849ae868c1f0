package flush_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestCloseStopsOpenReaders closes the DB while a plain, a guarded, an
// index-free union and an empty-plan scan are open, over memtable data and
// over sstables: Close returns nil (no panic, no leaked iterators or
// snapshots) and each reader ends with store.ErrClosed (issue 15 D2).
func TestCloseStopsOpenReaders(t *testing.T) {
	for _, sst := range []bool{false, true} {
		name := "memtable"
		if sst {
			name = "sstables"
		}
		t.Run(name, func(t *testing.T) {
			db := openDB(t, t.TempDir())
			l := itemLayout(902, "items", "text")
			putItems(t, db, l, []string{"u1", "u2"}, 50)
			e := newExecutor(t, db, t.TempDir(), nil)
			p := itemProvider(t, db, l)
			if _, err := e.FlushOwner(context.Background(), p, "u2"); err != nil {
				t.Fatal(err)
			}
			if sst {
				if err := rawpebble.DB(db).Flush(); err != nil {
					t.Fatal(err)
				}
			}
			g, err := scan.NewGuarded(p, access.Policy{Table: l.FullName(), Kind: layout.User})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			small := scan.Request{BatchSize: 4}
			var readers []array.RecordReader
			open := func(r array.RecordReader, err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				if !r.Next() {
					t.Fatalf("first batch: %v", r.Err())
				}
				readers = append(readers, r)
			}
			open(p.Scan(ctx, small))
			open(g.Scan(ctx, scan.ActorRequest{Actor: access.Actor{UserID: "u1", Role: access.RoleUser}, Request: small}))
			open(e.Scan(ctx, p, small, nil))
			if err := db.Close(); err != nil {
				t.Fatalf("Close with open readers: %v", err)
			}
			for i, r := range readers {
				for r.Next() {
				}
				if !errors.Is(r.Err(), store.ErrClosed) {
					t.Errorf("reader %d after Close: err = %v, want store.ErrClosed", i, r.Err())
				}
				r.Release()
			}
		})
	}
}

// TestEntryPointsAfterClose: every scan and flush entry point returns
// store.ErrClosed after Close instead of panicking.
func TestEntryPointsAfterClose(t *testing.T) {
	db := openDB(t, t.TempDir())
	l := itemLayout(903, "items", "text")
	putItems(t, db, l, []string{"u1"}, 3)
	p := itemProvider(t, db, l)
	e := newExecutor(t, db, t.TempDir(), nil)
	g, err := scan.NewGuarded(p, access.Policy{Table: l.FullName(), Kind: layout.User})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want store.ErrClosed", what, err)
		}
	}
	_, err = scan.NewProvider(db, &l, scan.Options{})
	check("NewProvider", err)
	_, err = p.Scan(ctx, scan.Request{})
	check("Provider.Scan", err)
	_, err = g.Scan(ctx, scan.ActorRequest{Actor: access.Actor{UserID: "u1", Role: access.RoleUser}})
	check("Guarded.Scan", err)
	_, err = e.Flush(ctx, p)
	check("Executor.Flush", err)
	_, err = e.Scan(ctx, p, scan.Request{}, nil)
	check("Executor.Scan", err)
	_, err = e.HotRows(ctx, p)
	check("Executor.HotRows", err)
	_, err = flush.New(db, t.TempDir(), nil)
	_ = err // New touches no data
}

// TestCloseDuringFlush closes the DB from inside a running flush: the
// flush ends with store.ErrClosed, Close returns nil, and after reopening
// every row is read exactly once (hot or flushed).
func TestCloseDuringFlush(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	db := openDB(t, dir)
	l := itemLayout(904, "items", "text")
	putItems(t, db, l, []string{"u1", "u2", "u3"}, 40)
	closed := make(chan error, 1)
	started := false
	o := &flush.Options{BatchSize: 8, Progress: func(int64) {
		if started {
			return
		}
		started = true
		go func() { closed <- db.Close() }()
		// Wait until Close has begun (it refuses new leases from then on).
		for {
			lease, err := db.NewLease(func() {}, nil)
			if err != nil {
				return
			}
			lease.Release()
		}
	}}
	e := newExecutor(t, db, root, o)
	_, err := e.Flush(context.Background(), itemProvider(t, db, l))
	if !errors.Is(err, store.ErrClosed) {
		t.Fatalf("flush interrupted by Close: %v, want store.ErrClosed", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close during a flush: %v", err)
	}
	db = openDB(t, dir)
	defer db.Close()
	p := itemProvider(t, db, l)
	e = newExecutor(t, db, root, nil)
	got := scanTexts(t, e, p, scan.Request{}, "text")
	if len(got) != 120 {
		t.Fatalf("after Close during a flush and reopen: %d rows, want 120", len(got))
	}
}
