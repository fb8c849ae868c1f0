package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// waitBlocked waits until n goroutines wait for db's writer lock, or until
// done is closed, which means the writer it waits for was not blocked at
// all: it reports whether the writer is blocked. No clock is involved.
func waitBlocked(db *DB, n int32, done <-chan struct{}) bool {
	for db.commitMu.waiting.Load() < n {
		select {
		case <-done:
			return false
		default:
			runtime.Gosched()
		}
	}
	return true
}

func mustGet(t testing.TB, tbl *Table[jobKey, job], k jobKey) job {
	t.Helper()
	v, err := tbl.Get(k)
	if err != nil {
		t.Fatalf("Get %v: %v", k, err)
	}
	return v
}

func TestTxReadYourWrites(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	plain := newJobs(t, db, 2, false)
	old := job{Group: "g", Seq: 1, Name: "old", Status: 0, Created: 1, Email: strp("old@x")}
	if err := tbl.Put(&old); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err := db.Update(ctx, func(tx *Tx) error {
		jt, pt := tbl.In(tx), plain.In(tx)
		upd := old
		upd.Name, upd.Status, upd.Email = "new", 2, strp("new@x")
		if err := jt.Put(&upd); err != nil {
			return err
		}
		add := job{Group: "g", Seq: 2, Name: "two", Status: 2, Created: 7}
		if err := jt.Put(&add); err != nil {
			return err
		}
		if err := pt.Put(&job{Group: "p", Seq: 1, Name: "plain"}); err != nil {
			return err
		}
		// Point reads, unique lookups, index scans, scans and counts all
		// see the transaction's writes, index entries included.
		if got := mustGet(t, jt, jobKey{"g", 1}); !reflect.DeepEqual(got, upd) {
			t.Errorf("Get in tx = %+v, want %+v", got, upd)
		}
		if got, err := jt.getUniqueBytes(byName, keyenc.AppendString(nil, "new")); err != nil || got.Seq != 1 {
			t.Errorf("GetUnique(new) in tx = %+v, %v", got, err)
		}
		if _, err := jt.getUniqueBytes(byName, keyenc.AppendString(nil, "old")); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetUnique(old) in tx: %v, want ErrNotFound (the entry moved)", err)
		}
		if _, err := jt.getUniqueBytes(byEmail, keyenc.AppendString(nil, "old@x")); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetUnique(old@x) in tx: %v, want ErrNotFound", err)
		}
		st2 := keyenc.AppendEnum(nil, 2)
		if got := keysOf(collect(t, jt.IndexScan(byStatus, jt.PrefixRange(st2), ScanOptions{}))); !reflect.DeepEqual(got, []string{"g/1", "g/2"}) {
			t.Errorf("IndexScan(status 2) in tx = %v", got)
		}
		if got := collect(t, jt.IndexScan(byStatus, jt.PrefixRange(keyenc.AppendEnum(nil, 0)), ScanOptions{})); len(got) != 0 {
			t.Errorf("IndexScan(status 0) in tx = %v, want nothing", keysOf(got))
		}
		if got := keysOf(collect(t, jt.Scan(Range{}, ScanOptions{Reverse: true}))); !reflect.DeepEqual(got, []string{"g/2", "g/1"}) {
			t.Errorf("Scan in tx = %v", got)
		}
		if n, err := pt.Count(Range{}); err != nil || n != 1 {
			t.Errorf("Count(plain) in tx = %d, %v", n, err)
		}
		// Outside the transaction nothing is visible yet.
		if got := mustGet(t, tbl, jobKey{"g", 1}); got.Name != "old" {
			t.Errorf("Get outside tx = %+v, want the old row", got)
		}
		if ok, err := plain.Has(jobKey{"p", 1}); err != nil || ok {
			t.Errorf("Has outside tx = %v, %v; want false", ok, err)
		}
		// A delete is seen too.
		if err := jt.Delete(jobKey{"g", 2}); err != nil {
			return err
		}
		if ok, err := jt.Has(jobKey{"g", 2}); err != nil || ok {
			t.Errorf("Has after Delete in tx = %v, %v", ok, err)
		}
		if _, err := jt.getUniqueBytes(byName, keyenc.AppendString(nil, "two")); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetUnique(two) after Delete in tx: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, tbl, jobKey{"g", 1}); got.Name != "new" {
		t.Errorf("after commit Get = %+v", got)
	}
	if ok, _ := tbl.Has(jobKey{"g", 2}); ok {
		t.Error("after commit the deleted row exists")
	}
	if ok, _ := plain.Has(jobKey{"p", 1}); !ok {
		t.Error("after commit the plain row is missing")
	}
	assertConsistent(t, tbl)
}

// TestTxIndexScanWhileWriting moves every row of an index scan to another
// index value while ranging over the scan, the job-queue pattern: the scan
// must yield each row it started with exactly once, as it was, and never a
// row that does not match its entry (the transaction's later writes are not
// in the scan's view).
func TestTxIndexScanWhileWriting(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	for i := range 20 {
		if err := tbl.Put(&job{Group: "q", Seq: int64(i), Name: fmt.Sprint("j", i), Status: 0, Created: int64(20 - i)}); err != nil {
			t.Fatal(err)
		}
	}
	queued := keyenc.AppendEnum(nil, 0)
	err := db.Update(context.Background(), func(tx *Tx) error {
		jt := tbl.In(tx)
		n := 0
		for v, err := range jt.IndexScan(byStatus, jt.PrefixRange(queued), ScanOptions{}) {
			if err != nil {
				return err
			}
			if v.Status != 0 {
				t.Errorf("scan yielded %v with status %d", v.Seq, v.Status)
			}
			n++
			// Move this row and one further ahead in the scan.
			for _, seq := range []int64{v.Seq, (v.Seq + 7) % 20} {
				r := mustGet(t, jt, jobKey{"q", seq})
				r.Status = 1
				if err := jt.Put(&r); err != nil {
					return err
				}
			}
		}
		if n != 20 {
			t.Errorf("scan yielded %d rows, want 20", n)
		}
		if got := collect(t, jt.IndexScan(byStatus, jt.PrefixRange(queued), ScanOptions{})); len(got) != 0 {
			t.Errorf("a new scan still sees %d queued rows", len(got))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	assertConsistent(t, tbl)
}

// TestTxLostUpdate: concurrent read-modify-write increments of one row
// never lose one, through DB.Update and through Table.Update alike.
func TestTxLostUpdate(t *testing.T) {
	for _, indexed := range []bool{true, false} {
		t.Run(map[bool]string{false: "plain", true: "indexed"}[indexed], func(t *testing.T) {
			db, _ := openDB(t, noSync())
			tbl := newJobs(t, db, 1, indexed)
			k := jobKey{"counter", 0}
			if err := tbl.Put(&job{Group: k.Group, Name: "c"}); err != nil {
				t.Fatal(err)
			}
			const goroutines, increments = 4, 50
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := range goroutines {
				wg.Go(func() {
					for range increments {
						var err error
						if g%2 == 0 {
							err = db.Update(context.Background(), func(tx *Tx) error {
								jt := tbl.In(tx)
								v, err := jt.Get(k)
								if err != nil {
									return err
								}
								v.Created++ // an indexed column: the entry moves each time
								return jt.Put(&v)
							})
						} else {
							err = tbl.Update(k, func(v *job) error { v.Created++; return nil })
						}
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := mustGet(t, tbl, k); got.Created != goroutines*increments {
				t.Fatalf("counter = %d after %d×%d increments", got.Created, goroutines, increments)
			}
			if indexed {
				assertConsistent(t, tbl)
			}
		})
	}
}

// TestTxLostUpdateAcrossTablesAndOwners moves amounts between two owners'
// rows of a user table and counts the moves in a row of another table, all
// in one transaction each: nothing is lost and the sums always balance,
// also for a View that reads them all while the moves go on.
func TestTxLostUpdateAcrossTablesAndOwners(t *testing.T) {
	db, _ := openDB(t, noSync())
	moves := newJobs(t, db, 1, true)
	spec := jobSpec(2, true)
	spec.Layout.Kind = "user"
	accounts, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := scoped(t, accounts, "alice"), scoped(t, accounts, "bob")
	k := jobKey{"balance", 0}
	for _, s := range []*Table[jobKey, job]{alice, bob} {
		if err := s.Put(&job{Group: k.Group, Name: "balance"}); err != nil { // same name, other owner: unique per owner
			t.Fatal(err)
		}
	}
	if err := moves.Put(&job{Group: "moves", Name: "moves"}); err != nil {
		t.Fatal(err)
	}
	const goroutines, rounds = 4, 40
	var wg sync.WaitGroup
	errs := make(chan error, goroutines+1)
	stop := make(chan struct{})
	var viewer sync.WaitGroup
	viewer.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := db.View(context.Background(), func(tx *Tx) error {
				a, err := alice.In(tx).Get(k)
				if err != nil {
					return err
				}
				b, err := accounts.In(tx).WithScope(keyenc.AppendString(nil, "bob")).Get(k)
				if err != nil {
					return err
				}
				m, err := moves.In(tx).Get(jobKey{"moves", 0})
				if err != nil {
					return err
				}
				if a.Created+b.Created != 0 || b.Created-a.Created != 2*m.Created {
					return fmt.Errorf("view saw alice %d, bob %d after %d moves", a.Created, b.Created, m.Created)
				}
				return nil
			})
			if err != nil {
				errs <- err
				return
			}
		}
	})
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				err := db.Update(context.Background(), func(tx *Tx) error {
					a, b, m := alice.In(tx), accounts.In(tx).WithScope(keyenc.AppendString(nil, "bob")), moves.In(tx)
					for _, step := range []struct {
						tbl *Table[jobKey, job]
						key jobKey
						d   int64
					}{{a, k, -1}, {b, k, +1}, {m, jobKey{"moves", 0}, +1}} {
						v, err := step.tbl.Get(step.key)
						if err != nil {
							return err
						}
						v.Created += step.d
						if err := step.tbl.Put(&v); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	viewer.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const n = goroutines * rounds
	if a, b, m := mustGet(t, alice, k).Created, mustGet(t, bob, k).Created, mustGet(t, moves, jobKey{"moves", 0}).Created; a != -n || b != n || m != n {
		t.Fatalf("alice %d, bob %d, moves %d; want %d, %d, %d", a, b, m, -n, n, n)
	}
	assertConsistent(t, moves)
	assertConsistent(t, accounts)
}

// TestTxWriteSkew is the on-call doctors case: two transactions each read
// rows A and B and take one of them off call if both are on call. The
// second starts while the first is between its reads and its write (the
// schedule that lets both commit under snapshot isolation); it must not
// commit on what the first is about to change: exactly one doctor goes off
// call.
func TestTxWriteSkew(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	a, b := jobKey{"doc", 1}, jobKey{"doc", 2}
	for _, k := range []jobKey{a, b} {
		if err := tbl.Put(&job{Group: k.Group, Seq: k.Seq, Name: fmt.Sprint("doc", k.Seq), Status: 1}); err != nil {
			t.Fatal(err)
		}
	}
	offCall := func(tx *Tx, me jobKey) (bool, error) {
		jt := tbl.In(tx)
		va, err := jt.Get(a)
		if err != nil {
			return false, err
		}
		vb, err := jt.Get(b)
		if err != nil {
			return false, err
		}
		if va.Status+vb.Status < 2 {
			return false, nil
		}
		v := va
		if me == b {
			v = vb
		}
		v.Status = 0
		return true, jt.Put(&v)
	}
	var second struct {
		wrote bool
		err   error
	}
	done := make(chan struct{})
	err := db.Update(context.Background(), func(tx *Tx) error {
		jt := tbl.In(tx)
		if _, err := jt.Get(a); err != nil {
			return err
		}
		if _, err := jt.Get(b); err != nil {
			return err
		}
		go func() {
			defer close(done)
			second.err = db.Update(context.Background(), func(tx *Tx) error {
				var err error
				second.wrote, err = offCall(tx, b)
				return err
			})
		}()
		if !waitBlocked(db, 1, done) {
			t.Error("the second transaction ran while the first was open")
		}
		_, err := offCall(tx, a)
		return err
	})
	<-done
	if err != nil || second.err != nil {
		t.Fatal(err, second.err)
	}
	if second.wrote {
		t.Error("the second transaction took its doctor off call too")
	}
	if va, vb := mustGet(t, tbl, a), mustGet(t, tbl, b); va.Status+vb.Status != 1 {
		t.Errorf("on call: A %d, B %d; want exactly one", va.Status, vb.Status)
	}
}

// TestTxWritersWait: while a transaction is open, writes outside it wait
// for it: a Put to an indexed table and a Batch.Commit wait for the writer
// lock, a Put to a table without indexes waits once the transaction has
// touched such a table, and each then lands after the transaction.
func TestTxWritersWait(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	plain := newJobs(t, db, 2, false)
	k := jobKey{"g", 1}
	for _, x := range []*Table[jobKey, job]{tbl, plain} {
		if err := x.Put(&job{Group: k.Group, Seq: k.Seq, Name: "a", Created: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for _, outside := range []struct {
		name  string
		write func() error
	}{
		{"Put", func() error { return tbl.Put(&job{Group: k.Group, Seq: k.Seq, Name: "a", Created: 100}) }},
		{"Batch", func() error {
			b := db.NewBatch()
			tbl.PutIn(b, &job{Group: k.Group, Seq: k.Seq, Name: "a", Created: 100})
			plain.PutIn(b, &job{Group: k.Group, Seq: k.Seq, Name: "a", Created: 100})
			return b.Commit()
		}},
	} {
		t.Run(outside.name, func(t *testing.T) {
			done := make(chan struct{})
			var werr error
			err := db.Update(context.Background(), func(tx *Tx) error {
				v := mustGet(t, tbl.In(tx), k)
				go func() { defer close(done); werr = outside.write() }()
				if !waitBlocked(db, 1, done) {
					t.Error("a write outside the transaction committed while it was open")
				}
				v.Created++
				return tbl.In(tx).Put(&v)
			})
			<-done
			if err != nil || werr != nil {
				t.Fatal(err, werr)
			}
			if got := mustGet(t, tbl, k).Created; got != 100 {
				t.Errorf("Created = %d: the outside write did not land after the transaction", got)
			}
		})
	}
	// A table without indexes: the transaction holds the plain writers'
	// lock from its first touch of one.
	err := db.Update(context.Background(), func(tx *Tx) error {
		if _, err := tbl.In(tx).Get(k); err != nil {
			return err
		}
		if stateOf(db).plainMu.TryRLock() {
			stateOf(db).plainMu.RUnlock()
		} else {
			t.Error("plain writers wait for a transaction that touched no table without indexes")
		}
		if _, err := plain.In(tx).Get(k); err != nil {
			return err
		}
		if stateOf(db).plainMu.TryRLock() {
			stateOf(db).plainMu.RUnlock()
			t.Error("a plain write could commit while the transaction that read its table is open")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// countRows counts every row of a table, outside any transaction.
func countRows(t testing.TB, tbl *Table[jobKey, job]) int {
	t.Helper()
	n, err := tbl.Count(Range{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTxErrorAndPanicWriteNothing(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	plain := newJobs(t, db, 2, false)
	if err := tbl.Put(&job{Group: "g", Seq: 1, Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	write := func(tx *Tx) {
		jt := tbl.In(tx)
		for i := range 5 {
			if err := jt.Put(&job{Group: "g", Seq: int64(10 + i), Name: fmt.Sprint("n", i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := jt.Delete(jobKey{"g", 1}); err != nil {
			t.Fatal(err)
		}
		if err := plain.In(tx).Put(&job{Group: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		t.Helper()
		if n := countRows(t, tbl); n != 1 {
			t.Errorf("%s: %d rows, want only the one before", what, n)
		}
		if n := countRows(t, plain); n != 0 {
			t.Errorf("%s: the plain table has %d rows", what, n)
		}
		assertConsistent(t, tbl)
	}
	errFn := errors.New("fn failed")
	if err := db.Update(context.Background(), func(tx *Tx) error { write(tx); return errFn }); err != errFn {
		t.Fatalf("Update returned %v, want fn's error as it is", err)
	}
	check("error")

	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = db.Update(context.Background(), func(tx *Tx) error { write(tx); panic("boom") })
	}()
	check("panic")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if err := db.Update(ctx, func(tx *Tx) error { called = true; write(tx); return nil }); err != context.Canceled || called {
		t.Fatalf("Update with a cancelled context = %v (fn called %t), want context.Canceled without calling fn", err, called)
	}
	if err := db.View(ctx, func(tx *Tx) error { called = true; return nil }); err != context.Canceled || called {
		t.Fatalf("View with a cancelled context = %v (fn called %t)", err, called)
	}
	ctx, cancel = context.WithCancel(context.Background())
	if err := db.Update(ctx, func(tx *Tx) error { write(tx); cancel(); return nil }); err != context.Canceled {
		t.Fatalf("Update cancelled while running = %v, want context.Canceled", err)
	}
	check("cancelled while running")

	// Cancelled while waiting for the lock: returns without running fn.
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan struct{})
	var werr error
	err := db.Update(context.Background(), func(tx *Tx) error {
		go func() {
			defer close(done)
			werr = db.Update(ctx, func(tx *Tx) error { called = true; write(tx); return nil })
		}()
		if !waitBlocked(db, 1, done) {
			t.Error("the second Update did not wait")
		}
		cancel()
		<-done // it gives up while this one still holds the lock
		return nil
	})
	if err != nil || werr != context.Canceled || called {
		t.Fatalf("Update cancelled while waiting = %v (fn called %t); outer %v", werr, called, err)
	}
	check("cancelled while waiting")

	// The lock was released every time: a normal Update commits.
	if err := db.Update(context.Background(), func(tx *Tx) error { write(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, tbl); n != 5 {
		t.Errorf("after a committed Update: %d rows, want 5", n)
	}
}

// TestTxRefusedWriteLeavesTransaction: a write refused inside a
// transaction (a unique violation on the second index it touches,
// ErrExists) writes nothing of itself, so the function can go on and
// commit its other writes.
func TestTxRefusedWriteLeavesTransaction(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	if err := tbl.Put(&job{Group: "g", Seq: 1, Name: "a", Email: strp("a@x")}); err != nil {
		t.Fatal(err)
	}
	err := db.Update(context.Background(), func(tx *Tx) error {
		jt := tbl.In(tx)
		// by_name (index 1) is free, by_email (index 3) is taken: nothing
		// of the by_name entry may stay behind.
		var uv *UniqueViolationError
		if err := jt.Put(&job{Group: "g", Seq: 2, Name: "b", Email: strp("a@x")}); !errors.As(err, &uv) || uv.Index != "by_email" {
			t.Errorf("Put with a taken email: %v", err)
		}
		if err := jt.Create(&job{Group: "g", Seq: 1, Name: "other"}); !errors.Is(err, ErrExists) {
			t.Errorf("Create of an existing key: %v", err)
		}
		return jt.Put(&job{Group: "g", Seq: 3, Name: "c"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.getUniqueBytes(byName, keyenc.AppendString(nil, "b")); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused row's by_name entry: %v", err)
	}
	if n := countRows(t, tbl); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	assertConsistent(t, tbl)
}

func TestTxMisuse(t *testing.T) {
	db, _ := openDB(t, noSync())
	other, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	foreign := newJobs(t, other, 1, true)
	events := newEvents(t, db, 3)
	var kept *Tx
	err := db.View(context.Background(), func(tx *Tx) error {
		kept = tx
		if err := tbl.In(tx).Put(&job{Group: "g"}); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("Put in View: %v", err)
		}
		if err := tbl.In(tx).Create(&job{Group: "g"}); err == nil {
			t.Error("Create in View succeeded")
		}
		if _, err := foreign.In(tx).Get(jobKey{"g", 0}); err == nil || !strings.Contains(err.Error(), "another DB") {
			t.Errorf("Get of another DB's table: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.In(kept).Get(jobKey{"g", 0}); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("Get after View returned: %v", err)
	}
	err = db.Update(context.Background(), func(tx *Tx) error {
		kept = tx
		if _, err := events.In(tx).Expire(time.Now(), 0); err == nil {
			t.Error("Expire on a table bound to a transaction ran")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tbl.In(kept).Put(&job{Group: "g"}); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("Put after Update returned: %v", err)
	}
	for _, it := range []func(func(job, error) bool){tbl.In(kept).Scan(Range{}, ScanOptions{}), tbl.In(kept).IndexScan(byName, Range{}, ScanOptions{})} {
		for _, err := range it {
			if err == nil || !strings.Contains(err.Error(), "ended") {
				t.Errorf("scan after Update returned: %v", err)
			}
		}
	}
	if n := countRows(t, tbl); n != 0 {
		t.Errorf("%d rows written by refused writes", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(context.Background(), func(tx *Tx) error { return nil }); err != ErrClosed {
		t.Errorf("Update after Close: %v", err)
	}
	if err := db.View(context.Background(), func(tx *Tx) error { return nil }); err != ErrClosed {
		t.Errorf("View after Close: %v", err)
	}
}

// TestViewIsOneSnapshot: a View keeps reading the state it started with
// while writers commit (it holds no lock, so they do not wait for it).
func TestViewIsOneSnapshot(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	k := jobKey{"g", 1}
	if err := tbl.Put(&job{Group: "g", Seq: 1, Name: "before", Status: 0}); err != nil {
		t.Fatal(err)
	}
	err := db.View(context.Background(), func(tx *Tx) error {
		jt := tbl.In(tx)
		if mustGet(t, jt, k).Name != "before" {
			t.Error("View does not see the committed row")
		}
		done := make(chan error)
		go func() {
			done <- db.Update(context.Background(), func(tx *Tx) error {
				if err := tbl.In(tx).Put(&job{Group: "g", Seq: 1, Name: "after", Status: 1}); err != nil {
					return err
				}
				return tbl.In(tx).Put(&job{Group: "g", Seq: 2, Name: "new"})
			})
		}()
		if err := <-done; err != nil { // completes: a View blocks no writer
			return err
		}
		if got := mustGet(t, jt, k); got.Name != "before" {
			t.Errorf("View sees %q after a later commit", got.Name)
		}
		if got := keysOf(collect(t, jt.Scan(Range{}, ScanOptions{}))); !reflect.DeepEqual(got, []string{"g/1"}) {
			t.Errorf("View's Scan = %v", got)
		}
		if got, err := jt.getUniqueBytes(byName, keyenc.AppendString(nil, "before")); err != nil || got.Seq != 1 {
			t.Errorf("View's GetUnique = %+v, %v", got, err)
		}
		if got := collect(t, jt.IndexScan(byStatus, jt.PrefixRange(keyenc.AppendEnum(nil, 1)), ScanOptions{})); len(got) != 0 {
			t.Errorf("View's IndexScan sees a later commit: %v", keysOf(got))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if mustGet(t, tbl, k).Name != "after" {
		t.Error("the Update did not commit")
	}
}

func TestCreate(t *testing.T) {
	db, _ := openDB(t, noSync())
	for _, indexed := range []bool{true, false} {
		tbl := newJobs(t, db, map[bool]uint32{true: 1, false: 2}[indexed], indexed)
		v := job{Group: "g", Seq: 1, Name: "a"}
		if err := tbl.Create(&v); err != nil {
			t.Fatal(err)
		}
		err := tbl.Create(&job{Group: "g", Seq: 1, Name: "b"})
		if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), tbl.core.name) || !strings.Contains(err.Error(), "g/1") {
			t.Errorf("second Create: %v; want ErrExists naming the table and key", err)
		}
		if got := mustGet(t, tbl, jobKey{"g", 1}); got.Name != "a" {
			t.Errorf("Create replaced the row: %+v", got)
		}
		if indexed {
			var uv *UniqueViolationError
			if err := tbl.Create(&job{Group: "g", Seq: 2, Name: "a"}); !errors.As(err, &uv) {
				t.Errorf("Create with a taken unique value: %v", err)
			}
			assertConsistent(t, tbl)
		}
	}
	// Concurrent Creates of one key: exactly one wins.
	tbl := newJobs(t, db, 3, true)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, exists := 0, 0
	for i := range 8 {
		wg.Go(func() {
			err := tbl.Create(&job{Group: "race", Name: fmt.Sprint("n", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrExists):
				exists++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || exists != 7 {
		t.Errorf("%d Creates won and %d got ErrExists; want 1 and 7", wins, exists)
	}
	assertConsistent(t, tbl)
}

func TestTableUpdate(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	k := jobKey{"g", 1}
	called := false
	if err := tbl.Update(k, func(v *job) error { called = true; return nil }); !errors.Is(err, ErrNotFound) || called {
		t.Errorf("Update of a missing row = %v (fn called %t); want ErrNotFound without calling fn", err, called)
	}
	if err := tbl.Put(&job{Group: "g", Seq: 1, Name: "a", Status: 0}); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Update(k, func(v *job) error { v.Status = 2; v.Name = "b"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, tbl, k); got.Status != 2 || got.Name != "b" {
		t.Errorf("after Update: %+v", got)
	}
	errFn := errors.New("no")
	if err := tbl.Update(k, func(v *job) error { v.Name = "c"; return errFn }); err != errFn {
		t.Errorf("Update with a failing fn = %v", err)
	}
	if err := tbl.Update(k, func(v *job) error { v.Seq = 9; return nil }); err == nil || !strings.Contains(err.Error(), "key") {
		t.Errorf("Update that changes the key = %v", err)
	}
	if got := mustGet(t, tbl, k); got.Name != "b" {
		t.Errorf("a failed Update wrote: %+v", got)
	}
	if ok, _ := tbl.Has(jobKey{"g", 9}); ok {
		t.Error("a refused key change wrote the new key")
	}
	assertConsistent(t, tbl)
}

// TestTxFlushDeleteWaits: a flush's DeleteUnchanged issued while a
// transaction that read a row is open waits for it, then sees the row the
// transaction wrote, which no longer hashes to the flushed version, and
// leaves it; a row the transaction only read is still the flushed version
// and is deleted. Either way the outcome is the transaction, then the
// deletion: nothing the transaction wrote is lost, nothing deleted comes
// back.
func TestTxFlushDeleteWaits(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	changed, read := job{Group: "g", Seq: 1, Name: "a", Created: 1}, job{Group: "g", Seq: 2, Name: "b", Created: 1}
	var versions []coldtier.RowVersion
	for _, v := range []*job{&changed, &read} {
		if err := tbl.Put(v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, coldtier.RowVersion{Key: appendJobKey(nil, jobKey{v.Group, v.Seq}), Hash: coldtier.RowHash(appendJob(nil, v))})
	}
	l := tbl.Layout()
	done := make(chan struct{})
	var deleted int
	var derr error
	err := db.Update(context.Background(), func(tx *Tx) error {
		jt := tbl.In(tx)
		v := mustGet(t, jt, jobKey{"g", 1})
		w := mustGet(t, jt, jobKey{"g", 2})
		go func() { defer close(done); deleted, derr = moveCold(t, db, &l, versions) }()
		if !waitBlocked(db, 1, done) {
			t.Error("DeleteUnchanged ran while a transaction that read its rows was open")
		}
		v.Created += w.Created
		return jt.Put(&v)
	})
	<-done
	if err != nil || derr != nil {
		t.Fatal(err, derr)
	}
	if deleted != 1 {
		t.Errorf("DeleteUnchanged deleted %d rows, want 1 (the row the transaction only read)", deleted)
	}
	if got := mustGet(t, tbl, jobKey{"g", 1}); got.Created != 2 {
		t.Errorf("the row the transaction wrote: %+v", got)
	}
	if isHot(t, db, 1, appendJobKey(nil, jobKey{"g", 2})) {
		t.Error("the unchanged row was not moved")
	}
	assertConsistent(t, tbl)
}

// TestTxExpireWaits: Expire's deletions issued while a transaction that
// read an expired row is open wait for it, and then remove the row the
// transaction rewrote too: expiry never brings a row back, and the
// transaction's other write stays.
func TestTxExpireWaits(t *testing.T) {
	db, _ := openDB(t, noSync())
	events := newEvents(t, db, 3)
	alice := scoped(t, events, "alice")
	old := event{At: epoch, ID: "old", Note: "x"}
	if err := alice.Put(&old); err != nil {
		t.Fatal(err)
	}
	cutoff := epoch.Add(time.Hour)
	done := make(chan struct{})
	var removed int
	var xerr error
	err := db.Update(context.Background(), func(tx *Tx) error {
		at := alice.In(tx)
		v, err := at.Get(eventKey{old.At, old.ID})
		if err != nil {
			return err
		}
		go func() { defer close(done); removed, xerr = events.Expire(cutoff, 0) }()
		if !waitBlocked(db, 1, done) {
			t.Error("Expire committed while a transaction that read the expired row was open")
		}
		v.Note = "rewritten"
		if err := at.Put(&v); err != nil {
			return err
		}
		return at.Put(&event{At: cutoff.Add(time.Minute), ID: "new", Note: v.Note})
	})
	<-done
	if err != nil || xerr != nil {
		t.Fatal(err, xerr)
	}
	if removed != 1 {
		t.Errorf("Expire removed %d rows, want 1", removed)
	}
	if ok, _ := alice.Has(eventKey{old.At, old.ID}); ok {
		t.Error("the expired row the transaction rewrote came back")
	}
	if got, err := alice.Get(eventKey{cutoff.Add(time.Minute), "new"}); err != nil || got.Note != "rewritten" {
		t.Errorf("the transaction's live row: %+v, %v", got, err)
	}
}
