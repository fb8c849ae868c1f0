package store

import (
	"fmt"
	"iter"
)

// AllOwners is the read-only view of every owner's rows of a user or stream
// table, for flush, admin and export: the only way to read across owners
// through a typed store. It has no write methods; writes always go through
// one owner's view. Expired rows of a stream table are skipped. Owners come
// as O, the table's owner type.
type AllOwners[O Owner, K, V any] struct {
	t   *Table[K, V]
	err error // the owner type does not match the layout's
}

// NewAllOwners returns the cross-owner view of t with owners typed O (t
// must be unscoped; its reads fail otherwise, and on tables that are not
// owner-partitioned). Its reads fail when O is not the owner type t's
// layout records.
func NewAllOwners[O Owner, K, V any](t *Table[K, V]) *AllOwners[O, K, V] {
	a := &AllOwners[O, K, V]{t: t}
	if want, got := t.core.layout.Owner, ownerType[O](); want != got {
		a.err = fmt.Errorf("store: %s: the layout's owner type is %s, not %s", t.core.name, ownerName(want), ownerName(got))
	}
	return a
}

func ownerName(layoutType string) string {
	if layoutType == "" {
		return "string"
	}
	return layoutType
}

// Owned is one row of an owner-partitioned table together with its owner,
// as the cross-owner reads yield it.
type Owned[O Owner, V any] struct {
	Owner O
	Row   V
}

// Scan yields every owner's rows with their owner, in (owner text, key)
// order or reversed, from one consistent snapshot. Page with o.Limit, o.Next
// and o.After as every scan (see Cursor). A stored owner that is not the
// text form of an O is yielded as a *CorruptError.
func (a *AllOwners[O, K, V]) Scan(o ScanOptions) iter.Seq2[Owned[O, V], error] {
	return func(yield func(Owned[O, V], error) bool) {
		if a.err != nil {
			yield(Owned[O, V]{}, a.err)
			return
		}
		for r, err := range a.t.ScanAllOwners(o, nil) {
			var out Owned[O, V]
			if err == nil {
				out.Row = r.Row
				if out.Owner, err = parseOwner[O](r.Owner); err != nil {
					err = &CorruptError{Table: a.t.core.name, Key: fmt.Sprintf("%q/%v", r.Owner, a.t.spec.KeyOf(&r.Row)), Err: err}
				}
			}
			if !yield(out, err) {
				return
			}
		}
	}
}

// Owners yields each owner that has (unexpired) rows, once, in the order of
// their text form, seeking from owner to owner rather than reading rows.
func (a *AllOwners[O, K, V]) Owners() iter.Seq2[O, error] {
	return func(yield func(O, error) bool) {
		var zero O
		if a.err != nil {
			yield(zero, a.err)
			return
		}
		for s, err := range a.t.Owners() {
			var o O
			if err == nil {
				if o, err = parseOwner[O](s); err != nil {
					err = &CorruptError{Table: a.t.core.name, Key: fmt.Sprintf("%q", s), Err: err}
				}
			}
			if !yield(o, err) {
				return
			}
		}
	}
}
