package store_test

import (
	"errors"
	"iter"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/internal/reliability"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestNoLeakedIterators drives every read and write path of a table through
// its success, not-found, early-exit and corruption branches on a DB opened
// by reliability.OpenDB, whose cleanup fails the test when Close finds a
// Pebble iterator or snapshot still open, or cannot close because a scan is
// still suspended. (goleak in TestMain covers goroutines.)
func TestNoLeakedIterators(t *testing.T) {
	db, _ := reliability.OpenDB(t, &store.Options{NoSync: true})
	ts, err := reliability.OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	acc := ts.Accounts
	email := "x@example.com"
	for i := range 20 {
		a := reliability.Account{Org: "acme", ID: int64(i), Name: string(rune('a' + i)), Status: int32(i % 3)}
		if i == 3 {
			a.Email = &email
		}
		if err := acc.Put(&a); err != nil {
			t.Fatal(err)
		}
	}
	// A second row with the same email: the indexed batch is refused.
	dup := reliability.Account{Org: "acme", ID: 99, Name: "dup", Email: &email}
	var uv *store.UniqueViolationError
	if err := acc.Put(&dup); !errors.As(err, &uv) {
		t.Fatalf("Put of a duplicate email = %v", err)
	}
	if _, err := acc.Get(reliability.AccountKey{Org: "none", ID: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of a missing row = %v", err)
	}
	if _, err := acc.GetUnique(reliability.AccountsByEmail, &reliability.Account{Email: new("nobody")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUnique of a missing value = %v", err)
	}

	// Damage: one undecodable row, one index entry pointing nowhere.
	p := rawpebble.DB(db)
	bad := reliability.AppendAccountKey(store.RowPrefix(reliability.AccountsID), reliability.AccountKey{Org: "acme", ID: 5})
	if err := p.Set(bad, []byte{0xFF, 0xFF}, pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	dangling := keyenc.AppendString(store.IndexPrefix(reliability.AccountsID, reliability.AccountsByName), "ghost")
	if err := p.Set(dangling, reliability.AppendAccountKey(nil, reliability.AccountKey{Org: "ghost", ID: 1}), pebble.NoSync); err != nil {
		t.Fatal(err)
	}

	drain := func(seq iter.Seq2[reliability.Account, error], stopAfter int) (rows, errs int) {
		for _, err := range seq {
			if err != nil {
				errs++
			} else {
				rows++
			}
			if stopAfter > 0 && rows+errs >= stopAfter {
				break
			}
		}
		return rows, errs
	}
	all := store.Range{}
	for _, reverse := range []bool{false, true} {
		o := store.ScanOptions{Reverse: reverse}
		if _, errs := drain(acc.Scan(all, o), 0); errs != 1 {
			t.Errorf("Scan(reverse %t) yielded %d errors, want 1 (the corrupt row)", reverse, errs)
		}
		drain(acc.Scan(all, o), 3)                                             // break early
		drain(acc.Scan(all, store.ScanOptions{Reverse: reverse, Limit: 2}), 0) // limit
		drain(acc.IndexScan(reliability.AccountsByName, all, o), 0)            // dangling entry and corrupt row
		drain(acc.IndexScan(reliability.AccountsByName, all, o), 1)            // break at once
		drain(acc.IndexScan(reliability.AccountsByStatus, acc.PrefixRange(keyenc.AppendEnum(nil, 1)), o), 2)
	}
	if _, err := acc.GetUnique(reliability.AccountsByName, &reliability.Account{Name: "ghost"}); err == nil {
		t.Error("GetUnique through a dangling entry succeeded")
	}
	if _, err := acc.Get(reliability.AccountKey{Org: "acme", ID: 5}); err == nil {
		t.Error("Get of a corrupt row succeeded")
	}
	// Deleting a corrupt row reads its index keyspaces to find its
	// entries (it used to be refused): that path must release its
	// iterators too.
	if err := acc.Delete(reliability.AccountKey{Org: "acme", ID: 5}); err != nil {
		t.Errorf("Delete of a corrupt row: %v", err)
	}
	if _, err := acc.Count(all); err != nil {
		t.Fatal(err)
	}
	if problems, err := ts.Verify(); err != nil || len(problems) == 0 {
		t.Errorf("Verify = %v, %v; want the damage reported", problems, err)
	}
	// A pulled scan stopped half way releases its iterator.
	next, stop := iter.Pull2(acc.Scan(all, store.ScanOptions{}))
	next()
	stop()
}
