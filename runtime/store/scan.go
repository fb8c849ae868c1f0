package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"iter"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// Range is a half-open interval [Start, End) of encoded tuples (key tuples
// for Scan and Count, index value tuples for IndexScan), without table
// prefix or scope. A nil Start or End is unbounded.
type Range struct {
	Start, End []byte
}

// ScanOptions control a scan. The zero value scans everything forward.
type ScanOptions struct {
	// Reverse scans from the end of the range to its start.
	Reverse bool
	// After is the cursor a previous page of the same scan left in Next:
	// the scan starts just past it in the scan's direction. The zero Cursor
	// starts at the range's beginning. A cursor of another scan is refused
	// with an error wrapping ErrCursorMismatch.
	After Cursor
	// Next, when not nil, receives the cursor of the next page when the
	// scan ends (finished, stopped by Limit, or the loop broke): just past
	// the last row yielded, or After when no row was. Next may point to the
	// variable After was copied from.
	Next *Cursor
	// Limit stops the scan after that many rows; 0 means no limit. A
	// negative Limit is an error.
	Limit int
}

// KeyRange is the range of keys in [lo, hi).
func (t *Table[K, V]) KeyRange(lo, hi K) Range {
	return Range{Start: t.spec.AppendKey(nil, lo), End: t.spec.AppendKey(nil, hi)}
}

// All is the range of every row (of the view's scope), for Scan and Count.
func (t *Table[K, V]) All() Range { return Range{} }

// PrefixRange is the range of every tuple that starts with prefix, the
// encoding of one or more leading components (for example
// keyenc.AppendString(nil, "alice") for all keys whose first column is
// "alice"). An empty prefix is the whole table.
func (t *Table[K, V]) PrefixRange(prefix []byte) Range {
	if len(prefix) == 0 {
		return Range{}
	}
	return Range{Start: bytes.Clone(prefix), End: prefixEnd(prefix)}
}

// bounds turns a range and a cursor position (after, nil for none) under
// base (header + scope) into Pebble iterator bounds; empty reports a range
// with nothing in it (Start at or after End, or a cursor past the range),
// for which no iterator is opened.
func bounds(base []byte, r Range, after []byte, reverse bool) (lower, upper []byte, empty bool) {
	lower = append(bytes.Clone(base), r.Start...)
	if r.End != nil {
		upper = append(bytes.Clone(base), r.End...)
	} else {
		upper = prefixEnd(base)
	}
	if after != nil {
		after := append(bytes.Clone(base), after...)
		if !reverse {
			after = append(after, 0x00) // smallest key greater than the cursor
			if bytes.Compare(after, lower) > 0 {
				lower = after
			}
		} else if upper == nil || bytes.Compare(after, upper) < 0 {
			upper = after
		}
	}
	return lower, upper, upper != nil && bytes.Compare(lower, upper) >= 0
}

// openScan is the start every scan shares once the caller's access is
// checked: the limit, then the read view (snapshot: a consistent one even
// outside a transaction, for scans that read two keyspaces), then the
// position o.After holds for the scan id (nil: from the start) and the
// scan's pager. On success the caller closes rv and calls pages.done.
func (t *Table[K, V]) openScan(id scanID, o ScanOptions, snapshot bool) (rv readView, after []byte, pages *pager, err error) {
	if o.Limit < 0 {
		return readView{}, nil, nil, fmt.Errorf("store: %s: scan Limit is %d; use 0 for no limit or a positive row count", t.core.name, o.Limit)
	}
	if rv, err = t.core.openRead(t.tx, snapshot); err != nil {
		return readView{}, nil, nil, err
	}
	if after, err = id.position(t.core.name, o.After); err != nil {
		rv.close()
		return readView{}, nil, nil, err
	}
	return rv, after, newPager(id, o), nil
}

// Scan returns the rows whose keys lie in r, in key order (or reverse), read
// from one consistent snapshot. Errors are yielded, never swallowed: an
// iteration error ends the scan; a row that does not decode is yielded as a
// *CorruptError and the scan goes on if the loop continues. Breaking out of
// the loop closes the underlying iterator.
//
// The strings and byte slices of the yielded rows share memory with the
// stored bytes of neighbouring rows of the same scan, and the pointers of
// their nullable columns point into slabs shared with them (see
// rowenc.Arena), so a row kept after the loop keeps a few KiB alive; clone
// what you keep of a few rows out of a large scan.
func (t *Table[K, V]) Scan(r Range, o ScanOptions) iter.Seq2[V, error] {
	id := t.pagingID("scan", scanRows, 0, r, o)
	r = t.liveRange(r)
	return func(yield func(V, error) bool) {
		var zero V
		if err := t.allow(access.Read); err != nil {
			yield(zero, err)
			return
		}
		rv, after, pages, err := t.openScan(id, o, false)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rv.close()
		defer pages.done()
		base := appendRowPrefix(nil, t.core.id)
		base = append(base, t.scope...)
		lower, upper, empty := bounds(base, r, after, o.Reverse)
		if empty {
			return
		}
		it, err := t.core.newTierIter(rv.r, lower, upper, o.Reverse)
		if err != nil {
			yield(zero, readError(t.core.name, "", "scan", err))
			return
		}
		out := newStopper(yield)
		var last []byte // the last key read, to say where damage was found
		defer func() {
			if err := it.Close(); err != nil {
				key := ""
				if last != nil {
					key = "after " + t.formatRowKey(last, len(base))
				}
				out.emit(zero, readError(t.core.name, key, "scan", err))
			}
		}()
		n := 0
		var v V // one V decoded into and copied out per row, not one allocation per row
		// The scan's rows are decoded into one arena: their bytes and
		// nullable values are carved from shared blocks, not one allocation
		// each.
		var rows rowenc.Arena
		for ok := it.First(); ok; ok = it.Next() {
			val, err := it.Value()
			if err != nil {
				key := t.formatRowKey(it.Key(), len(base))
				out.emit(zero, readError(t.core.name, key, "scan: read row "+key, err))
				return
			}
			last = append(last[:0], it.Key()...)
			pages.at(last[len(base):])
			v = zero
			if err := t.spec.DecodeRow(rows.Copy(val), &v, &rows); err != nil {
				if !out.emit(zero, &CorruptError{Table: t.core.name, Key: t.formatRowKey(it.Key(), len(base)), Err: err}) {
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
		if err := it.Error(); err != nil {
			out.emit(zero, readError(t.core.name, "", "scan", err))
		}
	}
}

// Count returns the number of rows whose keys lie in r, without decoding them.
func (t *Table[K, V]) Count(r Range) (int, error) {
	if err := t.allow(access.Read); err != nil {
		return 0, err
	}
	r = t.liveRange(r)
	// A table that can be flushed is counted in a snapshot: a flush moves
	// rows from the hot keyspace to the markers in one commit, and a write
	// moves a row back, so two iterators opened at different times would
	// count a row moved between them twice or not at all.
	canFlush := t.core.cold != nil
	rv, err := t.core.openRead(t.tx, canFlush)
	if err != nil {
		return 0, err
	}
	defer rv.close()
	// Read after the snapshot: the table's cold counter is raised before
	// its first marker is written, so a snapshot holding markers sees it.
	withCold := canFlush && t.core.flushed()
	base := appendRowPrefix(nil, t.core.id)
	base = append(base, t.scope...)
	lower, upper, empty := bounds(base, r, nil, false)
	if empty {
		return 0, nil
	}
	// Hot rows and cold markers of one key never coexist (cold.go), so
	// the count is the sum of both keyspaces: no row is read or decoded.
	n := 0
	for _, b := range [][2][]byte{{lower, upper}, {coldBound(lower), coldBound(upper)}} {
		if b[0][0] == keyspaceCold && !withCold {
			break
		}
		it, err := rv.r.NewIter(&pebble.IterOptions{LowerBound: b[0], UpperBound: b[1]})
		if err != nil {
			return 0, readError(t.core.name, "", "count", err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			n++
		}
		if err := it.Close(); err != nil {
			return 0, readError(t.core.name, "", "count", err)
		}
	}
	return n, nil
}

// formatRowKey names a full row key: the key tuple after the first skip
// bytes (header + scope) formatted with %v, or the whole key in hex.
func (t *Table[K, V]) formatRowKey(key []byte, skip int) string {
	if len(key) < skip {
		return "0x" + hex.EncodeToString(key)
	}
	return t.core.formatKey(key[skip:])
}

func first(it *pebble.Iterator, reverse bool) bool {
	if reverse {
		return it.Last()
	}
	return it.First()
}

func next(it *pebble.Iterator, reverse bool) bool {
	if reverse {
		return it.Prev()
	}
	return it.Next()
}

// stopper wraps a range-over-func yield so that after the consumer stops
// (yield returned false) nothing more is yielded, not even the error of
// closing the iterator: calling yield again would panic. It is a struct
// with a method rather than a closure so that emit, called once per row,
// is inlined and the row is passed once, to yield itself.
type stopper[T any] struct {
	yield   func(T, error) bool
	stopped bool
}

func newStopper[T any](yield func(T, error) bool) *stopper[T] {
	return &stopper[T]{yield: yield}
}

// emit yields v and err unless the consumer has stopped, and reports
// whether it still wants more.
func (s *stopper[T]) emit(v T, err error) bool {
	if s.stopped {
		return false
	}
	s.stopped = !s.yield(v, err)
	return !s.stopped
}

// closeIter closes it and reports a close error through out, wrapped by
// wrap, unless the consumer has already stopped.
func closeIter[T any](it *pebble.Iterator, out *stopper[T], wrap func(error) error) {
	if err := it.Close(); err != nil {
		var zero T
		out.emit(zero, wrap(err))
	}
}
