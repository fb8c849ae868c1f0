package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// index returns the spec of index id, or an error naming what exists.
func (t *Table[K, V]) index(id uint32) (*IndexSpec[V], error) {
	for i := range t.spec.Indexes {
		if t.spec.Indexes[i].ID == id {
			return &t.spec.Indexes[i], nil
		}
	}
	var ids []uint32
	for _, ix := range t.spec.Indexes {
		ids = append(ids, ix.ID)
	}
	return nil, fmt.Errorf("store: %s: no index with id %d; the table's index ids are %v", t.core.name, id, ids)
}

// GetUnique returns the row whose unique index indexID has the values that
// like has in the index's columns (the other fields of like are ignored), or
// an error wrapping ErrNotFound. Generated code wraps it per index as
// Get<Index>(values…). Rows whose indexed value is null have no entry
// (sparse indexes), so a like with a null indexed column finds nothing, as
// does a nil like. The
// entry and the row are read from one snapshot.
func (t *Table[K, V]) GetUnique(indexID uint32, like *V) (V, error) {
	var zero V
	if err := t.allow(access.Read); err != nil {
		return zero, err
	}
	ix, err := t.index(indexID)
	if err != nil {
		return zero, err
	}
	if !ix.Unique {
		return zero, fmt.Errorf("store: %s: index %s is not unique; use IndexScan with PrefixRange instead", t.core.name, ix.Name)
	}
	var values []byte // a nil like holds no values, so it finds nothing
	if like != nil {
		var ok bool
		if values, ok = ix.AppendValues(nil, like); !ok {
			return zero, notFound(t.core.name, fmt.Sprintf("index %s: a null value has no entry", ix.Name))
		}
	}
	return t.getUnique(ix, values)
}

// getUnique is GetUnique by encoded index values.
func (t *Table[K, V]) getUnique(ix *IndexSpec[V], values []byte) (V, error) {
	var zero V
	rv, err := t.core.openRead(t.tx, true)
	if err != nil {
		return zero, err
	}
	defer rv.close()
	snap := rv.r
	key := appendIndexPrefix(nil, t.core.id, ix.ID)
	key = append(key, t.scope...)
	key = append(key, values...)
	ref, closer, err := snap.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return zero, notFound(t.core.name, formatIndexValues(&t.core.layout, ix.Name, values))
	}
	if err != nil {
		return zero, fmt.Errorf("store: %s: index %s: %w", t.core.name, ix.Name, err)
	}
	rowKey := append(appendRowPrefix(nil, t.core.id), ref...)
	_ = closer.Close()
	v, err := t.resolve(snap, ix, key, rowKey, values, nil, new(rowScratch[V]))
	if err != nil {
		return zero, err
	}
	return v, nil
}

// getter reads one key: a Pebble snapshot, or the rows of an index scan in
// a transaction (see readView.rowReader).
type getter interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

// resolve reads the row that the index entry entryKey points to (rowKey =
// row header + the entry's value) from snap and checks that the row belongs
// to this view's scope and still has the entry's values, so an inconsistent
// index can never yield a wrong row. The row is copied out of Pebble into
// rows, or into memory of its own when rows is nil (see Spec.DecodeRow).
func (t *Table[K, V]) resolve(snap getter, ix *IndexSpec[V], entryKey, rowKey, values []byte, rows *rowenc.Arena, sc *rowScratch[V]) (V, error) {
	var v V
	skip := rowHeaderLen + len(t.scope)
	if !bytes.HasPrefix(rowKey[rowHeaderLen:], t.scope) {
		return v, &CorruptError{Table: t.core.name, Key: "0x" + hex.EncodeToString(rowKey),
			Err: fmt.Errorf("index %s entry %x points outside this scope", ix.Name, entryKey)}
	}
	val, closer, err := snap.Get(rowKey)
	if errors.Is(err, pebble.ErrNotFound) {
		// A flushed row keeps its index entries: read it from its segment.
		var found bool
		if val, found, err = t.core.coldRow(snap, rowKey); err != nil {
			return v, err
		}
		if !found {
			return v, &CorruptError{Table: t.core.name, Key: t.formatRowKey(rowKey, skip),
				Err: fmt.Errorf("index entry %s has no row", formatIndexValues(&t.core.layout, ix.Name, values))}
		}
		closer = nopCloser{}
	} else if err != nil {
		return v, fmt.Errorf("store: %s: read row %s: %w", t.core.name, t.formatRowKey(rowKey, skip), err)
	}
	row := rows.Copy(val)
	_ = closer.Close()
	return t.entryRow(ix, rowKey, values, row, rows, sc)
}

// rowScratch is what resolving rows reuses from one row to the next: the
// codec functions of a Spec are function values, so a row or buffer a
// function passes to them escapes to the heap, once per row unless it
// lives here, once per scan.
type rowScratch[V any] struct {
	v   V
	buf []byte
}

// sameKey checks that the row sc.v, decoded from the copy a covering
// entry of ix holds, has the key tuple pk of the row rowKey the entry is
// for, which a row read from the row keyspace has by where it is read.
func (t *Table[K, V]) sameKey(ix *IndexSpec[V], rowKey, pk []byte, sc *rowScratch[V]) error {
	sc.buf = t.spec.AppendKey(sc.buf[:0], t.spec.KeyOf(&sc.v))
	if !bytes.Equal(sc.buf, pk) {
		return &CorruptError{Table: t.core.name, Key: t.formatRowKey(rowKey, rowHeaderLen+len(t.scope)),
			Err: fmt.Errorf("index %s entry holds a copy of row %s", ix.Name, t.core.formatKey(sc.buf))}
	}
	return nil
}

// entryRow decodes row, the bytes of the row rowKey that an entry of ix
// with values leads to (read from the row keyspace, or the copy a covering
// entry holds), and checks that the row has the entry's values. The row's
// memory is rows' (see Spec.DecodeRow).
func (t *Table[K, V]) entryRow(ix *IndexSpec[V], rowKey, values, row []byte, rows *rowenc.Arena, sc *rowScratch[V]) (V, error) {
	var zero V
	sc.v = zero
	v := &sc.v
	skip := rowHeaderLen + len(t.scope)
	if err := t.spec.DecodeRow(row, v, rows); err != nil {
		return zero, &CorruptError{Table: t.core.name, Key: t.formatRowKey(rowKey, skip), Err: err}
	}
	var ok bool
	sc.buf, ok = ix.AppendValues(sc.buf[:0], v)
	if !ok || !bytes.Equal(sc.buf, values) {
		return zero, &CorruptError{Table: t.core.name, Key: t.formatRowKey(rowKey, skip),
			Err: fmt.Errorf("index entry %s points to a row with %s", formatIndexValues(&t.core.layout, ix.Name, values), formatIndexValues(&t.core.layout, ix.Name, sc.buf))}
	}
	return *v, nil
}

// IndexScan returns the rows whose values in index indexID lie in r (a range
// of encoded index values; use PrefixRange for equality on leading columns),
// in index order — rows with equal values in key order — or reverse. The
// entries and the rows they point to are read from one snapshot, so a
// concurrent writer can never make the scan return a row that does not
// match. Rows with a null indexed value (sparse indexes) are not in the
// index and never returned. Errors are yielded, and the rows' memory is
// shared, as by Scan.
func (t *Table[K, V]) IndexScan(indexID uint32, r Range, o ScanOptions) iter.Seq2[V, error] {
	id := t.pagingID("index scan", scanIndex, indexID, r, o)
	return func(yield func(V, error) bool) {
		var zero V
		if err := t.allow(access.Read); err != nil {
			yield(zero, err)
			return
		}
		ix, err := t.index(indexID)
		if err != nil {
			yield(zero, err)
			return
		}
		id.name = "index " + ix.Name + " scan"
		rv, after, pages, err := t.openScan(id, o, true)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rv.close()
		defer pages.done()
		base := appendIndexPrefix(nil, t.core.id, ix.ID)
		base = append(base, t.scope...)
		lower, upper, empty := bounds(base, r, after, o.Reverse)
		if empty {
			return
		}
		it, err := rv.r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			yield(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
			return
		}
		out := newStopper(yield)
		defer closeIter(it, out, func(err error) error {
			return fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err)
		})
		// A covering index's entries hold their rows: nothing else is read.
		ic := t.core.indexCore(ix.ID)
		var snap getter
		if !ic.covering {
			var closeRows func() error
			snap, closeRows, err = rv.rowReader(t.core)
			if err != nil {
				out.emit(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
				return
			}
			defer func() {
				if err := closeRows(); err != nil {
					out.emit(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
				}
			}()
		}
		rowKey := appendRowPrefix(nil, t.core.id)
		var rows rowenc.Arena
		sc := new(rowScratch[V])
		n := 0
		for ok := first(it, o.Reverse); ok; ok = next(it, o.Reverse) {
			val, err := it.ValueAndErr()
			if err != nil {
				out.emit(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
				return
			}
			ref, row, err := splitEntryValue(ic, val)
			if err != nil {
				if !out.emit(zero, &CorruptError{Table: t.core.name, Key: "0x" + hex.EncodeToString(it.Key()),
					Err: fmt.Errorf("index %s entry: %w", ix.Name, err)}) {
					return
				}
				continue
			}
			rowKey = append(rowKey[:rowHeaderLen], ref...)
			entry := it.Key()[len(base):]
			pages.at(entry)
			values := entry
			var pk []byte
			if !ix.Unique {
				// The entry is values + key tuple, and its value is scope +
				// the same key tuple.
				var ok bool
				pk, ok = bytes.CutPrefix(ref, t.scope)
				if !ok || !bytes.HasSuffix(entry, pk) {
					if !out.emit(zero, &CorruptError{Table: t.core.name, Key: "0x" + hex.EncodeToString(it.Key()),
						Err: fmt.Errorf("index %s entry's value %x does not match its key", ix.Name, ref)}) {
						return
					}
					continue
				}
				values = entry[:len(entry)-len(pk)]
			}
			var v V
			if ic.covering { // non-unique: ref is in scope (above)
				if v, err = t.entryRow(ix, rowKey, values, rows.Copy(row), &rows, sc); err == nil {
					if err = t.sameKey(ix, rowKey, pk, sc); err != nil {
						v = zero
					}
				}
			} else {
				v, err = t.resolve(snap, ix, it.Key(), rowKey, values, &rows, sc)
			}
			if err != nil {
				if !out.emit(zero, err) {
					return
				}
				continue
			}
			if !out.emit(v, nil) {
				return
			}
			n++
			if o.Limit > 0 && n >= o.Limit {
				return
			}
		}
	}
}
