package store

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestStreamTTLUsesDatabaseClock checks the typed store's read path of the
// one expiry rule (layout.Table.LiveCutoff at Options.Now): without a view
// clock a stream table's reads take now from the database, so moving the
// database's clock expires rows, and WithClock still overrides it.
func TestStreamTTLUsesDatabaseClock(t *testing.T) {
	var now atomic.Pointer[time.Time]
	set := func(t time.Time) { now.Store(&t) }
	set(epoch.Add(10 * time.Hour))
	db, _ := openDB(t, &Options{NoSync: true, Now: func() time.Time { return *now.Load() }})
	if got := db.Now(); !got.Equal(epoch.Add(10 * time.Hour)) {
		t.Fatalf("db.Now() = %v; want Options.Now's time", got)
	}
	spec := eventSpec(31, "stream")
	spec.Layout.TTL = time.Hour
	tbl, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	s := scoped(t, tbl, "u1")
	ev := event{At: epoch.Add(10*time.Hour - 30*time.Minute), ID: "e"}
	if err := s.Put(&ev); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		n, err := s.Count(s.All())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("Count of a 30-minute-old row = %d; want 1", n)
	}
	set(epoch.Add(11 * time.Hour)) // the row is now 90 minutes old
	if n := count(); n != 0 {
		t.Fatalf("Count after the database clock passed the TTL = %d; want 0", n)
	}
	if _, err := s.Get(eventKey{ev.At, ev.ID}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after the database clock passed the TTL = %v; want ErrNotFound", err)
	}
	if got := s.Now(); !got.Equal(epoch.Add(11 * time.Hour)) {
		t.Fatalf("Table.Now() = %v; want the database's clock", got)
	}
	back := s.WithClock(func() time.Time { return epoch.Add(10 * time.Hour) })
	if n, err := back.Count(back.All()); n != 1 || err != nil {
		t.Fatalf("Count on a WithClock view before the cutoff = %d, %v; want 1", n, err)
	}
}
