package reliability

import (
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

// recordingTB is a testing.TB whose failures and cleanups are recorded
// instead of acted on, to test that the helpers fail a test when they should.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.TB.Helper()
	r.TB.Fatalf("unexpected Fatalf from the helper: "+format, args...)
}

func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// runCleanups runs the recorded cleanups, last first, as testing does.
func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}

func (r *recordingTB) failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

// openFilled opens a DB through OpenDB on a recording TB with a few rows.
func openFilled(t *testing.T, rec *recordingTB) (*store.DB, *Tables) {
	t.Helper()
	db, _ := OpenDB(rec, &store.Options{NoSync: true})
	ts, err := OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		a := Account{Org: "acme", ID: int64(i), Name: fmt.Sprintf("n%d", i)}
		if err := ts.Accounts.Put(&a); err != nil {
			t.Fatal(err)
		}
	}
	return db, ts
}

func TestOpenDBCatchesLeakedIterator(t *testing.T) {
	rec := &recordingTB{TB: t}
	db, _ := openFilled(t, rec)
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: store.RowPrefix(AccountsID)})
	if err != nil {
		t.Fatal(err)
	}
	if !it.First() {
		t.Fatal("no rows")
	}
	rec.runCleanups() // the iterator is still open
	if got := rec.failures(); !strings.Contains(got, "leaked iterators") {
		t.Errorf("OpenDB's cleanup reported %q; want a failure naming the leaked iterator", got)
	}
}

func TestOpenDBCatchesLeakedSnapshot(t *testing.T) {
	rec := &recordingTB{TB: t}
	db, _ := openFilled(t, rec)
	_ = rawpebble.DB(db).NewSnapshot() // never closed
	rec.runCleanups()
	if got := rec.failures(); !strings.Contains(got, "leaked snapshots") {
		t.Errorf("OpenDB's cleanup reported %q; want a failure naming the leaked snapshot", got)
	}
}

// A scan pulled with iter.Pull and never stopped holds the DB open: Close
// waits for it. CheckClose turns the hang into a failure.
func TestCheckCloseCatchesUnstoppedScan(t *testing.T) {
	rec := &recordingTB{TB: t}
	db, ts := openFilled(t, rec)
	next, stop := iter.Pull2(ts.Accounts.Scan(store.Range{}, store.ScanOptions{}))
	if _, err, ok := next(); !ok || err != nil {
		t.Fatalf("first row: ok %t err %v", ok, err)
	}
	CheckClose(rec, db, 200*time.Millisecond)
	if got := rec.failures(); !strings.Contains(got, "did not finish within") {
		t.Errorf("CheckClose reported %q; want a failure saying Close did not finish", got)
	}
	stop() // lets the background Close finish
	rec.runCleanups()
}

// A clean run must not fail: every store read path closes what it opens,
// also when the loop breaks early or the scan yields errors.
func TestOpenDBPassesCleanUse(t *testing.T) {
	rec := &recordingTB{TB: t}
	_, ts := openFilled(t, rec)
	for _, err := range ts.Accounts.Scan(store.Range{}, store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	for _, err := range ts.Accounts.IndexScan(AccountsByName, store.Range{}, store.ScanOptions{Reverse: true}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if _, err := ts.Accounts.Count(store.Range{}); err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(ts.Accounts.Scan(store.Range{}, store.ScanOptions{}))
	next()
	stop()
	rec.runCleanups()
	if got := rec.failures(); got != "" {
		t.Errorf("OpenDB's cleanup failed a clean test: %s", got)
	}
}
