package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/store"
)

// Layout returns the layout the provider was built from. runtime/flush
// needs it to name files, fingerprint segments and delete flushed rows.
func (p *Provider) Layout() layout.Table { return p.t.layout }

// Scope returns the provider's owner scope (see WithScope); nil scans every
// owner.
func (p *Provider) Scope() []byte { return p.scope }

// RowVisitor sees each row a [Provider.ScanSnapshot] appends: its full
// Pebble key and stored value, both valid only during the call. An error
// ends the scan with that error, except [SkipRow].
type RowVisitor func(key, value []byte) error

// SkipRow, returned by a [RowVisitor], leaves the row out of the batch and
// goes on with the next one: runtime/flush keeps each owner's newest rows
// hot this way, a choice no filter over one row's values can make.
var SkipRow = errors.New("scan: skip this row")

// ScanSnapshot is Scan over a snapshot the caller holds, for runtime/flush:
// it reads every row of the provider's scope from snap in key order, builds
// record batches of the projected columns with the provider's row source
// (generated or schema-driven), and calls visit with each row's key and
// value just before the row is appended, so the caller can record exactly
// which row versions went into each batch. Rows that Request.Filter does not
// select are neither visited nor appended (a selective flush takes only
// them); Limit must be unset. The caller keeps snap open until the
// reader is released, and holds a [store.Lease] for as long as it reads
// (runtime/flush does), so that Close of the DB waits for it.
func (p *Provider) ScanSnapshot(ctx context.Context, snap *store.Snapshot, r Request, visit RowVisitor) (array.RecordReader, error) {
	if r.Limit != 0 {
		return nil, fmt.Errorf("scan: %s: ScanSnapshot takes every selected row; drop the limit (use Scan for queries)", p.t.name)
	}
	var f *node
	if r.Filter != nil {
		var err error
		if f, err = p.t.bind(r.Filter); err != nil {
			return nil, fmt.Errorf("scan: %s: filter %s: %w", p.t.name, r.Filter, err)
		}
	}
	if r.BatchSize < 0 {
		return nil, fmt.Errorf("scan: %s: negative batch size %d; use 0 for the default %d", p.t.name, r.BatchSize, DefaultBatchSize)
	}
	if r.BatchSize == 0 {
		r.BatchSize = DefaultBatchSize
	}
	if snap == nil || visit == nil {
		return nil, fmt.Errorf("scan: %s: ScanSnapshot needs a snapshot and a visitor", p.t.name)
	}
	project, err := p.projection(r.Columns)
	if err != nil {
		return nil, err
	}
	lower := append(store.RowPrefix(p.t.layout.ID), p.scope...)
	it, err := rawpebble.Snapshot(snap).NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: keyenc.PrefixEnd(lower)})
	if err != nil {
		return nil, fmt.Errorf("scan: %s: open snapshot iterator: %w", p.t.name, err)
	}
	return p.newSnapReader(ctx, it, project, f, r, visit)
}

// ScanRows is ScanSnapshot over rows the caller holds instead of a
// snapshot's, for runtime/flush's compaction, which rewrites rows read
// back from segments: keys[i] is a full row key (store.RowPrefix + the
// provider's scope + key tuple), in ascending order, and values[i] its
// stored row encoding. Filter, TTL and visit apply as in ScanSnapshot.
func (p *Provider) ScanRows(ctx context.Context, keys, values [][]byte, r Request, visit RowVisitor) (array.RecordReader, error) {
	if len(keys) != len(values) {
		return nil, fmt.Errorf("scan: %s: ScanRows got %d keys and %d values", p.t.name, len(keys), len(values))
	}
	if r.Limit != 0 || r.Filter != nil || r.BatchSize < 0 || visit == nil {
		return nil, fmt.Errorf("scan: %s: ScanRows takes every row (no limit, no filter), a batch size >= 0 and a visitor", p.t.name)
	}
	if r.BatchSize == 0 {
		r.BatchSize = DefaultBatchSize
	}
	project, err := p.projection(r.Columns)
	if err != nil {
		return nil, err
	}
	lower := append(store.RowPrefix(p.t.layout.ID), p.scope...)
	for i := range keys {
		if !bytes.HasPrefix(keys[i], lower) {
			return nil, fmt.Errorf("scan: %s: ScanRows: key 0x%x is not a row key of the provider's table and scope", p.t.name, keys[i])
		}
		if i > 0 && bytes.Compare(keys[i-1], keys[i]) >= 0 {
			return nil, fmt.Errorf("scan: %s: ScanRows: key 0x%x is not above the one before it", p.t.name, keys[i])
		}
	}
	return p.newSnapReader(ctx, &sliceIter{keys: keys, vals: values, i: -1}, project, nil, r, visit)
}

func (p *Provider) newSnapReader(ctx context.Context, it rowIter, project []int, f *node, r Request, visit RowVisitor) (array.RecordReader, error) {
	decode := make([]bool, len(p.t.cols))
	for _, c := range project {
		decode[c] = true
	}
	f.columns(decode)
	src, err := p.t.newRowDecoder(decode, project)
	if err != nil {
		_ = it.Close()
		return nil, err
	}
	lower := append(store.RowPrefix(p.t.layout.ID), p.scope...)
	sr := &snapReader{
		ctx: ctx, name: p.t.name, it: it, src: src, visit: visit, filter: f,
		schema: projectSchema(p.schema, project), batch: r.BatchSize,
	}
	if cutoff, ok := p.t.layout.LiveCutoff(p.db.Now()); ok {
		sr.floor = keyenc.AppendTimestamp(nil, cutoff)
		sr.tupleAt = len(lower)
		sr.ownerInKey = p.scope == nil
	}
	if err := src.setOutput(p.mem, sr.schema, firstRows(f, sr.batch, 0)); err != nil {
		_ = it.Close()
		return nil, err
	}
	sr.refs.Store(1)
	sr.valid = it.First()
	return sr, nil
}

// snapReader is the RecordReader of ScanSnapshot.
type snapReader struct {
	refs   atomic.Int64
	ctx    context.Context
	name   string
	it     rowIter
	valid  bool
	src    *rowDecoder
	visit  RowVisitor
	filter *node // nil: every row
	schema *arrow.Schema
	batch  int
	cur    arrow.RecordBatch
	err    error
	// floor is the encoded TTL cutoff of a stream table (nil: rows do not
	// expire): rows whose key tuple sorts before it are expired and
	// skipped. The tuple starts tupleAt bytes into the key, after the
	// owner's encoded id when ownerInKey (an unscoped scan).
	floor      []byte
	tupleAt    int
	ownerInKey bool
}

// rowIter is what snapReader reads rows from: a *pebble.Iterator over a
// snapshot, or a sliceIter over rows the caller holds.
type rowIter interface {
	First() bool
	Next() bool
	Key() []byte
	ValueAndErr() ([]byte, error)
	Error() error
	Close() error
}

// sliceIter is a rowIter over parallel key and value slices.
type sliceIter struct {
	keys, vals [][]byte
	i          int
}

func (s *sliceIter) First() bool                  { s.i = 0; return s.i < len(s.keys) }
func (s *sliceIter) Next() bool                   { s.i++; return s.i < len(s.keys) }
func (s *sliceIter) Key() []byte                  { return s.keys[s.i] }
func (s *sliceIter) ValueAndErr() ([]byte, error) { return s.vals[s.i], nil }
func (s *sliceIter) Error() error                 { return nil }
func (s *sliceIter) Close() error                 { return nil }

// expired reports whether the row at key is past the table's TTL.
func (r *snapReader) expired(key []byte) (bool, error) {
	if r.floor == nil {
		return false, nil
	}
	tuple := key[r.tupleAt:]
	if r.ownerInKey {
		var err error
		if _, tuple, err = keyenc.DecodeString(tuple); err != nil {
			return false, r.corrupt(key, err)
		}
	}
	return bytes.Compare(tuple, r.floor) < 0, nil
}

func (r *snapReader) Retain() { r.refs.Add(1) }

func (r *snapReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.closeIter()
	r.src.release()
}

func (r *snapReader) closeIter() {
	if r.it != nil {
		if err := r.it.Close(); err != nil && r.err == nil {
			r.err = fmt.Errorf("scan: %s: close snapshot iterator: %w", r.name, err)
		}
		r.it = nil
	}
	r.valid = false
}

func (r *snapReader) Schema() *arrow.Schema          { return r.schema }
func (r *snapReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *snapReader) Record() arrow.RecordBatch      { return r.cur } // Deprecated: use RecordBatch.
func (r *snapReader) Err() error                     { return r.err }
func (r *snapReader) fail(err error) bool            { r.err = err; r.closeIter(); return false }
func (r *snapReader) corrupt(key []byte, err error) error {
	return &store.CorruptError{Table: r.name, Key: fmt.Sprintf("0x%x", key), Err: err}
}

// advance moves to the next row; it returns false at the end or on an
// error (then in r.err).
func (r *snapReader) advance() bool {
	if r.valid = r.it.Next(); !r.valid {
		if err := r.it.Error(); err != nil {
			r.fail(store.AsCorrupt(r.name, "", fmt.Errorf("scan: %s: iterate: %w", r.name, err)))
			return false
		}
		r.closeIter()
	}
	return r.valid
}

// row takes the iterator's current row and reports whether it was
// appended: expired rows, rows the filter does not select and rows the
// visitor skips are not.
func (r *snapReader) row() (bool, error) {
	key := r.it.Key()
	if old, err := r.expired(key); err != nil || old {
		// Expired rows are not flushed: they stay in Pebble, hidden from
		// every read, until Expire deletes them.
		return false, err
	}
	val, err := r.it.ValueAndErr()
	if err != nil {
		return false, store.AsCorrupt(r.name, fmt.Sprintf("0x%x", key), fmt.Errorf("scan: %s: read key %x: %w", r.name, key, err))
	}
	if r.filter == nil {
		// Without a filter the row decodes straight into the batch
		// (appendRow), after the visitor has seen it.
		if err := r.visit(key, val); err != nil {
			return false, skipped(err)
		}
		if err := r.src.appendRow(val); err != nil {
			return false, r.corrupt(key, err)
		}
		return true, nil
	}
	if err := r.src.Load(val); err != nil {
		return false, r.corrupt(key, err)
	}
	if r.filter.eval(r.src) != tTrue {
		return false, nil
	}
	if err := r.visit(key, val); err != nil {
		return false, skipped(err)
	}
	if err := r.src.Append(); err != nil {
		return false, r.corrupt(key, err)
	}
	return true, nil
}

// skipped is a visitor's error as row returns it: SkipRow is no error.
func skipped(err error) error {
	if err == SkipRow {
		return nil
	}
	return err
}

func (r *snapReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || !r.valid {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		return r.fail(fmt.Errorf("scan: %s: %w", r.name, err))
	}
	n := 0
	for n < r.batch && r.valid {
		added, err := r.row()
		if err != nil {
			return r.fail(err)
		}
		if added {
			n++
		}
		if !r.advance() {
			break
		}
	}
	if n == 0 || r.err != nil {
		return false
	}
	r.cur = r.src.batch()
	return true
}

// WithAllocator returns a provider whose record batches are allocated with
// mem. runtime/flush gives each flush an allocator that reuses the buffers
// of the batches it has written.
func (p *Provider) WithAllocator(mem memory.Allocator) *Provider {
	c := *p
	if mem != nil {
		c.mem = mem
	}
	return &c
}
