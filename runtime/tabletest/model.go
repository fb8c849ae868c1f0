package tabletest

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/store"
)

// StoreModelCase is one table's store, described by closures over its
// generated store and test helpers, so that StoreModel can run the same
// random model-based test on every table. K is the table's key type, V its
// entity type and B the batch type of NewBatch, PutIn, DeleteIn and Commit
// (*store.Batch for a generated store; a parameter so the test can be run
// against a naive store). Every field is required unless its comment says
// otherwise.
type StoreModelCase[K any, V any, B any] struct {
	// Rand is the test's seeded source: every random row, key choice and
	// operation is drawn from it, in a fixed order, so a failure
	// reproduces.
	Rand *rand.Rand

	Random    func(r *rand.Rand) V // a random row
	SetKey    func(v *V, k K)      // sets v's key columns to k
	KeyOf     func(v *V) K         // v's key
	EncodeKey func(k K) string     // k's encoding: the model's map key, whose order is the store's key order
	// Conflict returns the unique indexes in which v (key ek) conflicts
	// with a row of model; nil for a table without unique indexes.
	Conflict func(model map[string]V, ek string, v *V) []string

	Put      func(v *V) error
	Delete   func(k K) error
	NewBatch func() B
	PutIn    func(b B, v *V)
	DeleteIn func(b B, k K)
	Commit   func(b B) error

	// Check checks every read of the store (lookups, scans, index
	// lookups, Verify) against model, the rows the store must hold by
	// encoded key, and old, rows it held once (replaced or deleted) whose
	// key or index values must no longer find them unless model says so.
	// It is the table-specific part of the test and fails the test itself.
	Check func(model map[string]V, old []V)
}

// Number of random steps StoreModel takes, and how often it calls Check
// on the way. They are fixed rather than options because they are part of
// the data every generated test sees (see Determinism in the package
// documentation).
const (
	storeModelSteps      = 400
	storeModelCheckEvery = 100
)

// StoreModel runs 400 random steps against a store and an in-memory model
// of it: puts of new rows or replacements of existing ones, deletes of
// rows that exist or existed, and batches of both, which must apply
// atomically (all of it, or on a unique violation none of it). A write
// that would violate a unique index (per Conflict) must fail with a
// *store.UniqueViolationError of one of the conflicting indexes and change
// nothing. Every 100 steps and at the end it calls Check; then it deletes
// every row, in key order, and calls Check once more, so nothing may be
// left behind in the table or its indexes. The steps live here rather than
// in each generated test so there is one copy of them to fix and review.
func StoreModel[K any, V any, B any](t testing.TB, c StoreModelCase[K, V, B]) {
	t.Helper()
	r := c.Rand
	conflict := func(model map[string]V, ek string, v *V) []string {
		if c.Conflict == nil {
			return nil
		}
		return c.Conflict(model, ek, v)
	}
	model := map[string]V{}
	var old []V
	var keys []K
	for step := range storeModelSteps {
		switch op := r.IntN(10); {
		case op < 6:
			// Put a new row, or replace one.
			v := c.Random(r)
			if len(keys) > 0 && r.IntN(3) == 0 {
				c.SetKey(&v, keys[r.IntN(len(keys))])
			}
			k := c.KeyOf(&v)
			ek := c.EncodeKey(k)
			conflicts := conflict(model, ek, &v)
			err := c.Put(&v)
			if len(conflicts) > 0 {
				var uv *store.UniqueViolationError
				if !errors.As(err, &uv) || !slices.Contains(conflicts, uv.Index) {
					t.Fatalf("step %d: Put(%v) = %v; want a *store.UniqueViolationError of one of %v", step, k, err, conflicts)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: Put(%v): %v", step, k, err)
			}
			if prev, ok := model[ek]; ok {
				old = append(old, prev)
			}
			model[ek] = v
			keys = append(keys, k)
		case op < 8:
			// Delete a row that exists or existed.
			if len(keys) == 0 {
				continue
			}
			k := keys[r.IntN(len(keys))]
			if err := c.Delete(k); err != nil {
				t.Fatalf("step %d: Delete(%v): %v", step, k, err)
			}
			ek := c.EncodeKey(k)
			if prev, ok := model[ek]; ok {
				old = append(old, prev)
				delete(model, ek)
			}
		default:
			// A batch of puts and deletes applies atomically: all of it or, on a unique
			// violation, none of it.
			b := c.NewBatch()
			next := maps.Clone(model)
			var replaced []V
			var conflicts []string
			for range 1 + r.IntN(4) {
				if len(keys) > 0 && r.IntN(3) == 0 {
					k := keys[r.IntN(len(keys))]
					c.DeleteIn(b, k)
					ek := c.EncodeKey(k)
					if prev, ok := next[ek]; ok {
						replaced = append(replaced, prev)
						delete(next, ek)
					}
					continue
				}
				v := c.Random(r)
				k := c.KeyOf(&v)
				ek := c.EncodeKey(k)
				conflicts = append(conflicts, conflict(next, ek, &v)...)
				c.PutIn(b, &v)
				if prev, ok := next[ek]; ok {
					replaced = append(replaced, prev)
				}
				next[ek] = v
				keys = append(keys, k)
			}
			err := c.Commit(b)
			if len(conflicts) > 0 {
				var uv *store.UniqueViolationError
				if !errors.As(err, &uv) || !slices.Contains(conflicts, uv.Index) {
					t.Fatalf("step %d: batch Commit = %v; want a *store.UniqueViolationError of one of %v", step, err, conflicts)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: batch Commit: %v", step, err)
			}
			model = next
			old = append(old, replaced...)
		}
		if step%storeModelCheckEvery == storeModelCheckEvery-1 {
			c.Check(model, old)
		}
	}
	c.Check(model, old)
	// Delete everything: nothing may be left behind, in the table or its indexes.
	for _, ek := range slices.Sorted(maps.Keys(model)) {
		v := model[ek]
		if err := c.Delete(c.KeyOf(&v)); err != nil {
			t.Fatalf("Delete(%v): %v", c.KeyOf(&v), err)
		}
		old = append(old, v)
	}
	c.Check(map[string]V{}, old)
}
