package flush_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestExpireSegments: on a stream table, Expire removes the segments
// wholly past the TTL with their manifest entries, files and markers, and
// keeps the ones partly live; Compact then drops the expired rows of
// those (and their markers). Typed reads and the union see the live rows
// throughout.
func TestExpireSegments(t *testing.T) {
	for _, lay := range layouts {
		t.Run(lay.name, func(t *testing.T) { expireSegments(t, lay.o) })
	}
}

// expireSegments: a multi-owner segment is judged by its event-time
// statistics (its keys start with the owner), a per-owner one by its key
// range.
func expireSegments(t *testing.T, o *flush.Options) {
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	set := func(at time.Time) { clock.Store(&at) }
	set(t0)
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return *clock.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tbl, err := store.NewTable(db, eventSpec())
	if err != nil {
		t.Fatal(err)
	}
	l := eventSpec().Layout
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	e := newExecutor(t, db, root, o)
	w := tbl.WithScope(mustScope(t, "alice"))
	// Three segments: events at t0 and t0+5m; t0+30m and t0+90m; t0+100m.
	for i, batch := range [][]time.Duration{{0, 5}, {30, 90}, {100}} {
		for _, m := range batch {
			at := t0.Add(m * time.Minute)
			set(at)
			v := event{At: at, ID: fmt.Sprint(int64(m)), Note: "n"}
			if err := w.Put(&v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.Flush(context.Background(), p); err != nil {
			t.Fatalf("flush %d: %v", i, err)
		}
	}
	man, err := e.Manifest(p)
	if err != nil || len(man.Segments) != 3 {
		t.Fatalf("manifest: %d segments, %v", len(man.Segments), err)
	}
	first := filepath.Join(e.TableDir(&l), filepath.FromSlash(man.Segments[0].File))
	// At t0+2h the cutoff is t0+1h: the first segment is wholly past it,
	// the second partly.
	set(t0.Add(2 * time.Hour))
	res, err := e.Expire(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Retired) != 1 || res.Retired[0] != man.Segments[0].Seq || res.Dropped != 2 {
		t.Fatalf("Expire retired %v (dropped %d), want segment %d (2 rows)", res.Retired, res.Dropped, man.Segments[0].Seq)
	}
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Fatalf("the expired segment's file is still there: %v", err)
	}
	if n := countPrefix(t, db, store.ColdPrefix(41)); n != 3 {
		t.Fatalf("%d cold markers after Expire, want the 3 of the other segments", n)
	}
	if man, _ = e.Manifest(p); len(man.Segments) != 2 {
		t.Fatalf("%d segments listed after Expire, want 2", len(man.Segments))
	}
	if n, err := w.Count(w.All()); err != nil || n != 2 {
		t.Fatalf("Count after Expire: %d %v, want 2 live", n, err)
	}
	if _, err := e.Compact(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	man, _ = e.Manifest(p)
	if len(man.Segments) != 1 || man.Segments[0].Rows != 2 {
		t.Fatalf("after Compact: %+v, want one segment of the 2 live rows", man.Segments)
	}
	if n := countPrefix(t, db, store.ColdPrefix(41)); n != 2 {
		t.Fatalf("%d cold markers after Compact, want 2", n)
	}
	if got := scanAll(t, e, p, scan.Request{Columns: []string{"id"}}); len(got) != 2 || got[0] != "90|" || got[1] != "100|" {
		t.Fatalf("union after Compact: %v", got)
	}
	if n, err := w.Count(w.All()); err != nil || n != 2 {
		t.Fatalf("Count after Compact: %d %v, want 2", n, err)
	}
	checkFiles(t, e, p)
	// Nothing left to expire; a table without TTL or of another kind is refused or a no-op.
	if res, err := e.Expire(context.Background(), p); err != nil || len(res.Retired) != 0 {
		t.Fatalf("second Expire: %+v %v", res, err)
	}
	x := openTickets(t)
	if _, err := x.e.Expire(context.Background(), x.p); err == nil {
		t.Fatal("Expire of a user table accepted")
	}
}
