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
	v, err := t.resolve(snap, ix, key, rowKey, values, nil)
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
func (t *Table[K, V]) resolve(snap getter, ix *IndexSpec[V], entryKey, rowKey, values []byte, rows *rowenc.Arena) (V, error) {
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
	if err := t.spec.DecodeRow(row, &v, rows); err != nil {
		var zero V
		return zero, &CorruptError{Table: t.core.name, Key: t.formatRowKey(rowKey, skip), Err: err}
	}
	var buf [128]byte
	got, ok := ix.AppendValues(buf[:0], &v)
	if !ok || !bytes.Equal(got, values) {
		var zero V
		return zero, &CorruptError{Table: t.core.name, Key: t.formatRowKey(rowKey, skip),
			Err: fmt.Errorf("index entry %s points to a row with %s", formatIndexValues(&t.core.layout, ix.Name, values), formatIndexValues(&t.core.layout, ix.Name, got))}
	}
	return v, nil
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
		snap, closeRows, err := rv.rowReader(t.core)
		if err != nil {
			out.emit(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
			return
		}
		defer func() {
			if err := closeRows(); err != nil {
				out.emit(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
			}
		}()
		rowKey := appendRowPrefix(nil, t.core.id)
		var rows rowenc.Arena
		n := 0
		for ok := first(it, o.Reverse); ok; ok = next(it, o.Reverse) {
			ref, err := it.ValueAndErr()
			if err != nil {
				out.emit(zero, fmt.Errorf("store: %s: index %s scan: %w", t.core.name, ix.Name, err))
				return
			}
			rowKey = append(rowKey[:rowHeaderLen], ref...)
			entry := it.Key()[len(base):]
			pages.at(entry)
			values := entry
			if !ix.Unique {
				// The entry is values + key tuple, and its value is scope +
				// the same key tuple.
				pk, ok := bytes.CutPrefix(ref, t.scope)
				if !ok || !bytes.HasSuffix(entry, pk) {
					if !out.emit(zero, &CorruptError{Table: t.core.name, Key: "0x" + hex.EncodeToString(it.Key()),
						Err: fmt.Errorf("index %s entry's value %x does not match its key", ix.Name, ref)}) {
						return
					}
					continue
				}
				values = entry[:len(entry)-len(pk)]
			}
			v, err := t.resolve(snap, ix, it.Key(), rowKey, values, &rows)
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
