package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tablegen/tablegen/internal/reliability"
	"github.com/tablegen/tablegen/runtime/store"
)

// writeBatch writes batch n: one account and one event, in one store batch,
// so a consistent copy holds both or neither.
func writeBatch(db *store.DB, ts *reliability.Tables, n int64) error {
	b := db.NewBatch()
	name := fmt.Sprintf("acct-%d", n)
	ts.Accounts.PutIn(b, &reliability.Account{Org: "acme", ID: n, Name: name, Batch: n})
	ts.Events.PutIn(b, &reliability.Event{Batch: n, N: 1, Account: &name, At: n})
	return b.Commit()
}

// readAll returns the rows of every fixture table, by key.
func readAll(t *testing.T, ts *reliability.Tables) (map[reliability.AccountKey]reliability.Account, map[reliability.EventKey]reliability.Event) {
	t.Helper()
	accts := map[reliability.AccountKey]reliability.Account{}
	for a, err := range ts.Accounts.Scan(store.Range{}, store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		a.Payload = append([]byte(nil), a.Payload...)
		accts[a.Key()] = a
	}
	events := map[reliability.EventKey]reliability.Event{}
	for e, err := range ts.Events.Scan(store.Range{}, store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		events[e.Key()] = e
	}
	return accts, events
}

// openRestored restores backup into a new directory and opens it, checking
// Verify finds nothing.
func openRestored(t *testing.T, backup string) (*store.DB, *reliability.Tables) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(backup, dir); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, &store.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reliability.CheckClose(t, db, reliability.CloseTimeout) })
	ts, err := reliability.OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := ts.Verify()
	if err != nil || len(problems) > 0 {
		t.Fatalf("Verify of the restored database: %v %v", problems, err)
	}
	return db, ts
}

// TestBackupWhileWriting takes a backup while writers commit batches that
// span two tables: the restored copy holds every batch committed before
// Backup was called, each batch whole (never the account without its event),
// its indexes verify clean, and a backup after the writers stop restores to
// a database equal to the original, row for row.
func TestBackupWhileWriting(t *testing.T) {
	db, _ := reliability.OpenDB(t, &store.Options{})
	ts, err := reliability.OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64 // batches handed out
	var done atomic.Int64 // every batch below this number is committed
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	var mu sync.Mutex
	committed := make([]bool, 1<<16)
	started := make(chan struct{}) // closed once 200 batches are committed, or a writer failed
	var startOnce sync.Once
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := next.Add(1) - 1
				if int(n) >= len(committed) {
					return
				}
				if err := writeBatch(db, ts, n); err != nil {
					mu.Lock()
					werr = err
					mu.Unlock()
					startOnce.Do(func() { close(started) })
					return
				}
				mu.Lock()
				committed[n] = true
				for int(done.Load()) < len(committed) && committed[done.Load()] {
					done.Add(1)
				}
				if done.Load() >= 200 {
					startOnce.Do(func() { close(started) })
				}
				mu.Unlock()
			}
		}()
	}
	<-started // let the writers get going; the count is what matters, not time
	before := done.Load()
	backup := filepath.Join(t.TempDir(), "backup")
	if err := db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}

	_, rts := openRestored(t, backup)
	accts, events := readAll(t, rts)
	if int64(len(accts)) < before {
		t.Fatalf("the backup holds %d batches; %d were committed before Backup was called", len(accts), before)
	}
	for k, a := range accts {
		if _, ok := events[reliability.EventKey{Batch: a.ID, N: 1}]; !ok {
			t.Fatalf("account %v restored without the event of its batch: the copy is not one point in time", k)
		}
	}
	if len(events) != len(accts) {
		t.Fatalf("%d events for %d accounts in the backup", len(events), len(accts))
	}
	for n := range before {
		if _, ok := accts[reliability.AccountKey{Org: "acme", ID: n}]; !ok {
			t.Fatalf("batch %d, committed before Backup, is missing from it", n)
		}
	}

	// Quiet database: the restored copy equals the original.
	quiet := filepath.Join(t.TempDir(), "quiet")
	if err := db.Backup(context.Background(), quiet); err != nil {
		t.Fatal(err)
	}
	wantA, wantE := readAll(t, ts)
	_, qts := openRestored(t, quiet)
	gotA, gotE := readAll(t, qts)
	if len(gotA) != len(wantA) || len(gotE) != len(wantE) {
		t.Fatalf("restored %d accounts / %d events, the original has %d / %d", len(gotA), len(gotE), len(wantA), len(wantE))
	}
	for k, a := range wantA {
		if g, ok := gotA[k]; !ok || !g.Equal(&a) {
			t.Fatalf("account %v: restored %+v, original %+v", k, g, a)
		}
	}
	for k, e := range wantE {
		if g, ok := gotE[k]; !ok || !g.Equal(&e) {
			t.Fatalf("event %v: restored %+v, original %+v", k, g, e)
		}
	}
}

// TestBackupRefusesUsedDirectory: a backup never writes into a directory
// that holds anything, and a cancelled context starts no checkpoint.
func TestBackupRefusesUsedDirectory(t *testing.T) {
	db, _ := reliability.OpenDB(t, &store.Options{})
	used := t.TempDir()
	if err := os.WriteFile(filepath.Join(used, "x"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(context.Background(), used); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Backup into a used directory = %v, want a refusal", err)
	}
	if b, err := os.ReadFile(filepath.Join(used, "x")); err != nil || string(b) != "keep" {
		t.Fatalf("the used directory changed: %q %v", b, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	target := filepath.Join(t.TempDir(), "b")
	if err := db.Backup(ctx, target); !errors.Is(err, context.Canceled) {
		t.Fatalf("Backup with a cancelled context = %v", err)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cancelled backup created %s", target)
	}
	// An empty existing directory is fine.
	empty := t.TempDir()
	if err := db.Backup(context.Background(), empty); err != nil {
		t.Fatalf("Backup into an empty directory: %v", err)
	}
}

// TestRestoreRefuses: restore never overwrites a database or any other
// content, and refuses a source that is not a database, leaving no
// temporary directory behind.
func TestRestoreRefuses(t *testing.T) {
	db, dbDir := reliability.OpenDB(t, &store.Options{})
	backup := filepath.Join(t.TempDir(), "b")
	if err := db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	if err := store.Restore(backup, dbDir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Restore over a database = %v, want a refusal", err)
	}
	parent := t.TempDir()
	if err := store.Restore(t.TempDir(), filepath.Join(parent, "db")); err == nil || !strings.Contains(err.Error(), "no database there") {
		t.Fatalf("Restore from an empty directory = %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("a refused restore left %v", entries)
	}
}

// TestOpenLocked: a second Open of an open database fails with ErrLocked
// (the lock is per process; another process gets EAGAIN, which
// cmd/tablegen's test covers), and a plain missing directory does not.
func TestOpenLocked(t *testing.T) {
	_, dir := reliability.OpenDB(t, &store.Options{})
	_, err := store.Open(dir, &store.Options{ReadOnly: true})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	_, err = store.Open(filepath.Join(t.TempDir(), "none"), &store.Options{ReadOnly: true})
	if err == nil || errors.Is(err, store.ErrLocked) {
		t.Fatalf("Open of a missing database = %v, want a plain error", err)
	}
}
