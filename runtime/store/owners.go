package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"iter"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// checkAllOwners says why t cannot be read across owners, or nil.
func (t *Table[K, V]) checkAllOwners(what string) error {
	switch {
	case !t.core.ownerPartitioned():
		return fmt.Errorf("store: %s: %s needs an owner-partitioned table (kind user or stream), not kind %q; use Scan", t.core.name, what, t.core.layout.Kind)
	case t.scope != nil:
		return fmt.Errorf("store: %s: %s on an owner-scoped view; call it on the unscoped table (the generated AllOwners view)", t.core.name, what)
	}
	return nil
}

// ScanAllOwners yields every owner's rows with their owners, in (owner, key)
// order or reversed, from one consistent snapshot. It is the explicitly
// named cross-owner read that flush, admin and export use; everything else
// reads through an owner's scoped view. It pages with
// o.After and o.Next like every scan; o.Limit counts rows across owners. When floor is not
// nil, an owner's rows whose key tuple sorts below floor are skipped (the
// scan seeks past them): stream tables pass the encoded TTL cutoff, so no
// expired row is returned. Errors are yielded as by [Table.Scan], and, as
// there, the yielded rows share memory with neighbouring rows of the scan.
func (t *Table[K, V]) ScanAllOwners(o ScanOptions, floor []byte) iter.Seq2[Owned[string, V], error] {
	id := t.pagingID("scan all owners", scanAllOwners, 0, Range{}, o)
	return func(yield func(Owned[string, V], error) bool) {
		var zero Owned[string, V]
		if err := t.checkAllOwners("ScanAllOwners"); err != nil {
			yield(zero, err)
			return
		}
		if err := t.allow(access.Read); err != nil {
			yield(zero, err)
			return
		}
		if floor == nil {
			floor = t.liveFloor()
		}
		rv, after, pages, err := t.openScan(id, o, false)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rv.close()
		defer pages.done()
		header := appendRowPrefix(nil, t.core.id)
		lower, upper, empty := bounds(header, Range{}, after, o.Reverse)
		if empty {
			return
		}
		// Hot and cold rows as one key order (cold.go).
		it, err := t.core.newTierIter(rv.r, lower, upper, o.Reverse)
		if err != nil {
			yield(zero, fmt.Errorf("store: %s: scan all owners: %w", t.core.name, err))
			return
		}
		out := newStopper(yield)
		defer func() {
			if err := it.Close(); err != nil {
				out.emit(zero, fmt.Errorf("store: %s: scan all owners: %w", t.core.name, err))
			}
		}()
		n := 0
		var seek []byte
		var rows rowenc.Arena // each yielded row owns its memory, as in Scan
		for ok := it.First(); ok; {
			key := it.Key()
			owner, tuple, err := keyenc.DecodeString(key[len(header):])
			if err != nil {
				if !out.emit(zero, &CorruptError{Table: t.core.name, Key: "0x" + hex.EncodeToString(key), Err: fmt.Errorf("row key has no owner scope: %w", err)}) {
					return
				}
				ok = it.Next()
				continue
			}
			if floor != nil && bytes.Compare(tuple, floor) < 0 {
				// Below this owner's floor: skip the rest of the owner's
				// old rows (forward) or the owner entirely (reverse).
				seek = append(seek[:0], key[:len(key)-len(tuple)]...)
				if !o.Reverse {
					seek = append(seek, floor...)
				}
				ok = it.Seek(seek)
				continue
			}
			pages.at(key[len(header):])
			val, err := it.Value()
			if err != nil {
				out.emit(zero, fmt.Errorf("store: %s: scan all owners: read row %s: %w", t.core.name, t.formatRowKey(key, len(key)-len(tuple)), err))
				return
			}
			r := Owned[string, V]{Owner: owner}
			if err := t.spec.DecodeRow(rows.Copy(val), &r.Row, &rows); err != nil {
				if !out.emit(zero, &CorruptError{Table: t.core.name, Key: fmt.Sprintf("%q/%s", owner, t.formatRowKey(key, len(key)-len(tuple))), Err: err}) {
					return
				}
				ok = it.Next()
				continue
			}
			if !out.emit(r, nil) {
				return
			}
			if n++; o.Limit > 0 && n >= o.Limit {
				return
			}
			ok = it.Next()
		}
		if err := it.Error(); err != nil {
			out.emit(zero, fmt.Errorf("store: %s: scan all owners: %w", t.core.name, err))
		}
	}
}

// Owners yields, in order and once each, the owners that have at least one
// row; of a stream table, at least one unexpired row. It costs one or two
// seeks per owner, not a pass over the rows.
func (t *Table[K, V]) Owners() iter.Seq2[string, error] { return t.owners(nil) }

// owners is Owners counting only rows whose key tuple is at or above floor;
// nil means the table's live floor (none for tables that do not expire).
func (t *Table[K, V]) owners(floor []byte) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := t.checkAllOwners("Owners"); err != nil {
			yield("", err)
			return
		}
		if err := t.allow(access.Read); err != nil {
			yield("", err)
			return
		}
		if floor == nil {
			floor = t.liveFloor()
		}
		rv, err := t.core.openRead(t.tx, false)
		if err != nil {
			yield("", err)
			return
		}
		defer rv.close()
		header := appendRowPrefix(nil, t.core.id)
		// An owner whose rows are all flushed is still an owner (cold.go).
		it, err := t.core.newTierIter(rv.r, header, prefixEnd(header), false)
		if err != nil {
			yield("", fmt.Errorf("store: %s: owners: %w", t.core.name, err))
			return
		}
		stopped := false
		defer func() {
			if err := it.Close(); err != nil && !stopped {
				yield("", fmt.Errorf("store: %s: owners: %w", t.core.name, err))
			}
		}()
		var scope []byte
		ok := it.First()
		for ok {
			key := it.Key()
			owner, tuple, err := keyenc.DecodeString(key[len(header):])
			if err != nil {
				stopped = !yield("", &CorruptError{Table: t.core.name, Key: "0x" + hex.EncodeToString(key), Err: fmt.Errorf("row key has no owner scope: %w", err)})
				return
			}
			scope = append(scope[:0], key[:len(key)-len(tuple)]...)
			if floor != nil && bytes.Compare(tuple, floor) < 0 {
				// Only old rows so far: is there one at or above the floor?
				ok = it.Seek(append(bytes.Clone(scope), floor...))
				if !ok || !bytes.HasPrefix(it.Key(), scope) {
					continue // none: the iterator already sits on the next owner, if any
				}
			}
			if !yield(owner, nil) {
				stopped = true
				return
			}
			ok = it.Seek(prefixEnd(scope))
		}
		if err := it.Error(); err != nil {
			stopped = !yield("", fmt.Errorf("store: %s: owners: %w", t.core.name, err))
		}
	}
}
