package store

import "iter"

// AllOwners is the read-only view of every owner's rows of a user or stream
// table, for flush, admin and export: the only way to read across owners
// through a typed store. It has no write methods; writes always go through
// one owner's view. Expired rows of a stream table are skipped.
type AllOwners[K, V any] struct{ t *Table[K, V] }

// AllOwners returns the cross-owner view of t (which must be unscoped; its
// reads fail otherwise, and on tables that are not owner-partitioned).
func (t *Table[K, V]) AllOwners() *AllOwners[K, V] { return &AllOwners[K, V]{t: t} }

// Scan yields every owner's rows with their owner, in (owner, key) order or
// reversed, from one consistent snapshot. Page with o.Limit, o.Next and
// o.After as every scan (see Cursor).
func (a *AllOwners[K, V]) Scan(o ScanOptions) iter.Seq2[Owned[V], error] {
	return a.t.ScanAllOwners(o, nil)
}

// Owners yields each owner that has (unexpired) rows, once, in order,
// seeking from owner to owner rather than reading rows.
func (a *AllOwners[K, V]) Owners() iter.Seq2[string, error] { return a.t.Owners() }
