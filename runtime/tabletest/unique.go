package tabletest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/store"
)

// UniqueIndexCase is one unique index of one table, described by closures
// over its generated store and test helpers, so that UniqueIndex can run
// the same checks on every unique index of every table. K is the table's
// key type and V its entity type. Every field is required unless its
// comment says otherwise.
type UniqueIndexCase[K any, V any] struct {
	// Index is the index's name, as store.UniqueViolationError.Index
	// reports it.
	Index string
	// Get is the name of the store's lookup method, for failure messages.
	Get string
	// CoversKey reports that every key column is in the index: two rows
	// with equal index values then have equal keys and cannot violate it,
	// so the refused-second-row checks are skipped (Conflict and
	// CopyIndex may be nil).
	CoversKey bool
	// Sparse reports that rows with a null indexed value are not indexed
	// (SetNull and Count are needed only then).
	Sparse bool
	// Rand is the test's seeded source: every random row is drawn from
	// it, in a fixed order, so a failure reproduces.
	Rand *rand.Rand

	Random     func(r *rand.Rand) V                               // a random row
	SetNonNull func(r *rand.Rand, v *V)                           // gives v's null indexed columns a random value
	CopyIndex  func(dst, src *V)                                  // sets dst's indexed columns to src's
	SetNull    func(v *V)                                         // makes one indexed column of v null
	SetKey     func(v *V, k K)                                    // sets v's key columns to k
	KeyOf      func(v *V) K                                       // v's key
	EncodeKey  func(k K) string                                   // k's encoding, to tell keys apart
	Diff       func(got, want *V) string                          // "" when got equals want
	Conflict   func(model map[string]V, ek string, v *V) []string // the unique indexes in which v (key ek) conflicts with model
	Values     func(v *V) []byte                                  // v's encoded values in this index

	Put    func(v *V) error
	Delete func(k K) error
	Has    func(k K) (bool, error)
	GetBy  func(v *V) (V, error) // looks up the row with v's values in this index
	Count  func() (int, error)   // the number of rows in the table
	Verify func() ([]store.Problem, error)
}

// UniqueIndex checks a unique index on an empty store: lookups after put,
// update and delete; unless the index covers the key, that a second row
// with the same values is refused with a *store.UniqueViolationError and
// writes nothing; and for a sparse index, that rows with a null value are
// not indexed, so any number of them coexist. It ends with the store's
// Verify. The checks live here rather than in each generated test so there
// is one copy of them to fix and review.
func UniqueIndex[K any, V any](t testing.TB, c UniqueIndexCase[K, V]) {
	t.Helper()
	r := c.Rand
	a := c.Random(r)
	c.SetNonNull(r, &a)
	if err := c.Put(&a); err != nil {
		t.Fatalf("Put(a): %v", err)
	}
	got, err := c.GetBy(&a)
	if err != nil || c.Diff(&got, &a) != "" {
		t.Fatalf("%s after Put = %v, %v; want row %v", c.Get, got, err, c.KeyOf(&a))
	}
	if !c.CoversKey {
		// b: another key, the same values in this index and no other unique conflict.
		ka := c.EncodeKey(c.KeyOf(&a))
		var b V
		for i := 0; ; i++ {
			if i == 1000 {
				t.Fatalf("found no row with another key and only a conflict in %s", c.Index)
			}
			b = c.Random(r)
			c.CopyIndex(&b, &a)
			kb := c.EncodeKey(c.KeyOf(&b))
			if kb != ka && slices.Equal(c.Conflict(map[string]V{ka: a}, kb, &b), []string{c.Index}) {
				break
			}
		}
		err = c.Put(&b)
		var uv *store.UniqueViolationError
		if !errors.As(err, &uv) || uv.Index != c.Index {
			t.Fatalf("Put of a second row with the same %s values = %v; want a *store.UniqueViolationError of %s", c.Index, err, c.Index)
		}
		if ok, err := c.Has(c.KeyOf(&b)); err != nil || ok {
			t.Fatalf("Has(%v) after the refused Put = %v, %v; want false (nothing written)", c.KeyOf(&b), ok, err)
		}
		// Once a is gone, b may take the values.
		if err := c.Delete(c.KeyOf(&a)); err != nil {
			t.Fatalf("Delete(a): %v", err)
		}
		if err := c.Put(&b); err != nil {
			t.Fatalf("Put(b) after Delete(a): %v", err)
		}
		got, err = c.GetBy(&a)
		if err != nil || c.Diff(&got, &b) != "" {
			t.Fatalf("%s after Delete(a) and Put(b) = %v, %v; want row %v", c.Get, got, err, c.KeyOf(&b))
		}
		a = b
	}
	// Update the row (the table's only one) to new values: the old values find nothing any more.
	u := c.Random(r)
	c.SetNonNull(r, &u)
	c.SetKey(&u, c.KeyOf(&a))
	if err := c.Put(&u); err != nil {
		t.Fatalf("Put(updated row): %v", err)
	}
	if !bytes.Equal(c.Values(&u), c.Values(&a)) {
		if _, err := c.GetBy(&a); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s with the values before the update = %v; want store.ErrNotFound", c.Get, err)
		}
	}
	got, err = c.GetBy(&u)
	if err != nil || c.Diff(&got, &u) != "" {
		t.Fatalf("%s after the update = %v, %v; want the updated row", c.Get, got, err)
	}
	// Delete: the values find nothing.
	if err := c.Delete(c.KeyOf(&u)); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.GetBy(&u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s after Delete = %v; want store.ErrNotFound", c.Get, err)
	}
	if c.Sparse {
		// Sparse: rows with a null indexed value have no entry and never conflict.
		seen := map[string]bool{}
		for i := 0; len(seen) < 3; i++ {
			if i == 1000 {
				t.Fatalf("found no three rows with distinct keys and no other unique conflict")
			}
			v := c.Random(r)
			c.SetNull(&v)
			k := c.EncodeKey(c.KeyOf(&v))
			if seen[k] {
				continue
			}
			if err := c.Put(&v); err != nil {
				var uv *store.UniqueViolationError
				if errors.As(err, &uv) && uv.Index != c.Index {
					continue // another unique index conflicted; try another row
				}
				t.Fatalf("Put of a row with a null %s value: %v", c.Index, err)
			}
			seen[k] = true
		}
		if n, err := c.Count(); err != nil || n != 3 {
			t.Fatalf("Count = %d, %v; want 3", n, err)
		}
	}
	problems, err := c.Verify()
	if err != nil || len(problems) != 0 {
		t.Fatalf("Verify = %v, %v; want no problems", problems, err)
	}
}
