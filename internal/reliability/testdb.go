package reliability

import (
	"errors"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/store"
)

// CloseTimeout is how long the DB opened by OpenDB may take to close before
// the test fails. store.DB.Close waits for every running operation and open
// scan, so a scan that is never finished (an iter.Pull whose stop function is
// never called) makes Close block forever; a generous bound turns that hang
// into a failure that names the cause.
const CloseTimeout = 30 * time.Second

// OpenDB opens a store.DB in a new temporary directory of t and registers a
// cleanup that closes it and fails the test when something was left open:
// Pebble's Close reports leaked iterators (a pebble.Iterator never closed,
// directly or inside the store) and leaked snapshots, and a scan that is
// still suspended makes Close block (see CloseTimeout). It returns the DB
// and its directory.
func OpenDB(t testing.TB, opts *store.Options) (*store.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(dir, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { CheckClose(t, db, CloseTimeout) })
	return db, dir
}

// CheckClose closes db and fails t if Close reports an error (leaked
// iterators or snapshots) or does not return within timeout (an unfinished
// scan holds the DB open). Closing a DB that the test already closed is not
// a failure. When Close times out, it keeps running in the background and
// finishes as soon as the scan holding it is stopped.
func CheckClose(t testing.TB, db *store.DB, timeout time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- db.Close() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, store.ErrClosed) {
			t.Errorf("closing the test DB: %v\n(an iterator or snapshot was not closed: every scan must run to its end or be broken out of, every pebble iterator and snapshot closed)", err)
		}
	case <-timer.C:
		t.Errorf("closing the test DB did not finish within %v: a scan is still open (an iter.Pull over Scan or IndexScan whose stop function was never called?)", timeout)
	}
}
