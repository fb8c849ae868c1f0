package tabletest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/store"
)

// mRow is the row of a naive in-memory table with key ID and a unique
// index by_name on Name (not sparse: every row has a name).
type mRow struct {
	ID   int
	Name int
}

// mStore is that table, with switches that break it in the ways
// StoreModel must catch.
type mStore struct {
	rows map[int]mRow
	// Bugs.
	partialBatch bool // a batch that violates a unique index applies its ops before the violation
	noUnique     bool // Put never refuses a duplicate name
	noDelete     bool // Delete does nothing
	lostPut      bool // every 7th Put of a new key is dropped, but reported as done
	puts         int
}

func newMStore() *mStore { return &mStore{rows: map[int]mRow{}} }

// conflict reports whether another row of rows has v's name.
func conflictIn(rows map[int]mRow, v mRow) bool {
	for _, w := range rows {
		if w.ID != v.ID && w.Name == v.Name {
			return true
		}
	}
	return false
}

func (s *mStore) Put(v *mRow) error {
	if !s.noUnique && conflictIn(s.rows, *v) {
		return &store.UniqueViolationError{Index: "by_name"}
	}
	if _, ok := s.rows[v.ID]; !ok && s.lostPut {
		s.puts++
		if s.puts%7 == 0 {
			return nil
		}
	}
	s.rows[v.ID] = *v
	return nil
}

func (s *mStore) Delete(k int) error {
	if !s.noDelete {
		delete(s.rows, k)
	}
	return nil
}

// mBatch is a batch of mStore: puts (del false) and deletes in order.
type mBatch struct {
	ops []mOp
}

type mOp struct {
	del bool
	v   mRow
}

// commit applies b's ops to a copy of the rows, each seeing the ones
// before it, and keeps the copy only if no put violated by_name.
func (s *mStore) commit(b *mBatch) error {
	next := maps.Clone(s.rows)
	for _, o := range b.ops {
		if o.del {
			delete(next, o.v.ID)
			continue
		}
		if !s.noUnique && conflictIn(next, o.v) {
			if s.partialBatch {
				s.rows = next
			}
			return &store.UniqueViolationError{Index: "by_name"}
		}
		next[o.v.ID] = o.v
	}
	s.rows = next
	return nil
}

// mCase is the StoreModelCase of s, whose Check compares s's rows, in key
// order, with the model, failing tb.
func mCase(tb testing.TB, s *mStore) StoreModelCase[int, mRow, *mBatch] {
	return StoreModelCase[int, mRow, *mBatch]{
		Rand:      rand.New(rand.NewPCG(3, 4)),
		Random:    func(r *rand.Rand) mRow { return mRow{ID: r.IntN(16), Name: r.IntN(24)} },
		SetKey:    func(v *mRow, k int) { v.ID = k },
		KeyOf:     func(v *mRow) int { return v.ID },
		EncodeKey: func(k int) string { return fmt.Sprintf("%03d", k) },
		Conflict: func(model map[string]mRow, ek string, v *mRow) []string {
			for mk, w := range model {
				if mk != ek && w.Name == v.Name {
					return []string{"by_name"}
				}
			}
			return nil
		},
		Put:      s.Put,
		Delete:   s.Delete,
		NewBatch: func() *mBatch { return &mBatch{} },
		PutIn:    func(b *mBatch, v *mRow) { b.ops = append(b.ops, mOp{v: *v}) },
		DeleteIn: func(b *mBatch, k int) { b.ops = append(b.ops, mOp{del: true, v: mRow{ID: k}}) },
		Commit:   s.commit,
		Check: func(model map[string]mRow, _ []mRow) {
			tb.Helper()
			var got, want []mRow
			for _, k := range slices.Sorted(maps.Keys(s.rows)) {
				got = append(got, s.rows[k])
			}
			for _, k := range slices.Sorted(maps.Keys(model)) {
				want = append(want, model[k])
			}
			if !slices.Equal(got, want) {
				tb.Fatalf("rows = %v; want %v", got, want)
			}
		},
	}
}

// TestStoreModel checks that StoreModel passes a correct store, calling
// Check on the way and at the end, and fails, saying what is wrong, for
// each way a store can break.
func TestStoreModel(t *testing.T) {
	s := newMStore()
	checks, maxRows, sawOld := 0, 0, false
	rec := runRecorded(t, func(tb testing.TB) {
		c := mCase(tb, s)
		check := c.Check
		c.Check = func(model map[string]mRow, old []mRow) {
			checks++
			maxRows = max(maxRows, len(model))
			sawOld = sawOld || len(old) > 0
			check(model, old)
		}
		StoreModel(tb, c)
	})
	if rec.failed {
		t.Fatalf("a correct store failed: %s", rec.message())
	}
	// Up to 4 checks on the way (a step that ends early, as a refused
	// write does, skips its check), one at the end, one after deleting
	// everything.
	if checks < 3 || checks > 6 || maxRows == 0 || !sawOld || len(s.rows) != 0 {
		t.Errorf("checks = %d, most rows = %d, saw old rows = %v, rows left = %d; want 3 to 6, > 0, true, 0", checks, maxRows, sawOld, len(s.rows))
	}
	// Without unique indexes (Conflict nil) a store that never refuses passes.
	noUnique := newMStore()
	noUnique.noUnique = true
	rec = runRecorded(t, func(tb testing.TB) {
		c := mCase(tb, noUnique)
		c.Conflict = nil
		StoreModel(tb, c)
	})
	if rec.failed {
		t.Errorf("Conflict nil: a store without unique indexes failed: %s", rec.message())
	}
	// Each broken store must fail. Where a bug first shows depends on the
	// seed: as a refusal the model does not expect (the store holds rows
	// it must not), as a missing refusal, or in Check; the wanted text is
	// the one this seed reaches first. noConflict runs without unique
	// indexes, so that only Check can catch the bug.
	for _, tc := range []struct {
		name       string
		breakStore func(s *mStore)
		noConflict bool
		want       string
	}{
		{"partial batch", func(s *mStore) { s.partialBatch = true }, false, "Put(0): store: : by_name values"},
		{"no unique check", func(s *mStore) { s.noUnique = true }, false, "want a *store.UniqueViolationError of one of [by_name]"},
		{"delete does nothing", func(s *mStore) { s.noDelete = true }, false, "batch Commit: store: : by_name values"},
		{"lost put", func(s *mStore) { s.lostPut = true }, false, "= <nil>; want a *store.UniqueViolationError"},
		{"delete does nothing, no unique index", func(s *mStore) { s.noUnique, s.noDelete = true, true }, true, "rows = "},
		{"lost put, no unique index", func(s *mStore) { s.noUnique, s.lostPut = true, true }, true, "rows = "},
	} {
		s := newMStore()
		tc.breakStore(s)
		rec := runRecorded(t, func(tb testing.TB) {
			c := mCase(tb, s)
			if tc.noConflict {
				c.Conflict = nil
			}
			StoreModel(tb, c)
		})
		if !rec.failed || !strings.Contains(rec.message(), tc.want) {
			t.Errorf("%s: failed=%v with %q; want a failure saying %q", tc.name, rec.failed, rec.message(), tc.want)
		}
	}
}
