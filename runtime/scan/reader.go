package scan

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

// reader is the array.RecordReader a scan returns. It owns a Pebble
// iterator (and, for index scans, the snapshot rows are resolved from) until
// the scan ends (exhausted, limit met, error or Release); its row decoder
// builds the batches.
type reader struct {
	refs    atomic.Int64
	ctx     context.Context
	t       *table
	plan    *Plan
	filter  *node
	src     *rowDecoder
	direct  *rowDecoder // the schema-driven source of an unfiltered table scan (not an index scan): rows decode straight into the batch
	schema  *arrow.Schema
	batch   int
	limit   int // rows still allowed; -1 = no limit
	snap    *pebble.Snapshot
	it      *pebble.Iterator
	scope   []byte // the provider's owner scope; every resolved row must lie in it
	rowKey  []byte // scratch: row key of an index entry
	rowVal  []byte // scratch: copy of a row read by Get
	cur     arrow.RecordBatch
	err     error
	done    bool
	scanned int // rows examined since the last cancellation check
	lease   *store.Lease
}

func newReader(ctx context.Context, p *Provider, plan *Plan, filter *node, src *rowDecoder, project []int, r Request) (*reader, error) {
	rd := &reader{
		ctx: ctx, t: p.t, plan: plan, filter: filter, src: src,
		schema: projectSchema(p.schema, project),
		batch:  r.BatchSize, limit: r.Limit, scope: p.scope,
	}
	if rd.limit == 0 {
		rd.limit = -1
	}
	rd.refs.Store(1)
	lease, err := p.db.NewLease(rd.stop, nil)
	if err != nil {
		return nil, fmt.Errorf("scan: %s: %w", p.t.name, err)
	}
	rd.lease = lease
	if plan.Empty {
		rd.done = true
		return rd, nil
	}
	if err := src.setOutput(p.mem, rd.schema, firstRows(filter, rd.batch, rd.limit)); err != nil {
		rd.close()
		return nil, err
	}
	if filter == nil && plan.Access != IndexRange {
		rd.direct = src // an index scan resolves each entry to its row first (row)
	}
	if err := rd.open(p, plan); err != nil {
		rd.close()
		return nil, err
	}
	return rd, nil
}

// open opens the iterator (and snapshot) under the lease, so Close of the
// DB cannot run in between.
func (r *reader) open(p *Provider, plan *Plan) error {
	if err := r.lease.Lock(); err != nil {
		return fmt.Errorf("scan: %s: %w", p.t.name, err)
	}
	defer r.lease.Unlock()
	opts := &pebble.IterOptions{LowerBound: plan.Start, UpperBound: plan.End}
	var it *pebble.Iterator
	var err error
	if plan.Access == IndexRange {
		// Index entries and the rows they point to must come from one
		// point in time; a plain iterator already is one.
		r.snap = rawpebble.DB(p.db).NewSnapshot()
		it, err = r.snap.NewIter(opts)
	} else {
		it, err = rawpebble.DB(p.db).NewIter(opts)
	}
	if err != nil {
		return store.AsCorrupt(p.t.name, "", fmt.Errorf("scan: %s: open iterator: %w", p.t.name, err))
	}
	r.it = it
	if !it.First() {
		r.finish()
	}
	return nil
}

// Retain implements array.RecordReader.
func (r *reader) Retain() { r.refs.Add(1) }

// Release implements array.RecordReader; the last release ends the scan and
// frees the snapshot, iterator, unfinished batch and current batch.
func (r *reader) Release() {
	if r.refs.Add(-1) == 0 {
		r.close()
	}
}

func (r *reader) close() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.lease != nil {
		r.lease.Release() // runs stop unless Close already did
	} else {
		r.finish()
	}
	if r.src != nil {
		r.src.release()
	}
}

// stop is the lease's stop function: Close of the DB ends an unfinished
// scan with ErrClosed.
func (r *reader) stop() {
	if !r.done && r.err == nil {
		r.err = fmt.Errorf("scan: %s: %w", r.t.name, store.ErrClosed)
	}
	r.finish()
}

// finish stops the underlying iteration: it closes the iterator and
// snapshot as soon as no more rows are needed.
func (r *reader) finish() {
	r.done = true
	if r.it != nil {
		if err := r.it.Close(); err != nil && r.err == nil {
			r.err = fmt.Errorf("scan: %s: close iterator: %w", r.t.name, err)
		}
		r.it = nil
	}
	if r.snap != nil {
		if err := r.snap.Close(); err != nil && r.err == nil {
			r.err = fmt.Errorf("scan: %s: close snapshot: %w", r.t.name, err)
		}
		r.snap = nil
	}
}

// Schema implements array.RecordReader: the projected schema.
func (r *reader) Schema() *arrow.Schema { return r.schema }

// RecordBatch implements array.RecordReader: the current batch, valid until
// the next call to Next.
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record implements array.RecordReader.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

// Err implements array.RecordReader: why the scan stopped early, if it did.
func (r *reader) Err() error {
	// Under the lease, like Next: Close's stop may be setting r.err. A
	// stopped lease is not held, but Lock saw the stop happen.
	if r.lease != nil && r.lease.Lock() == nil {
		defer r.lease.Unlock()
	}
	return r.err
}

// Next implements array.RecordReader: it builds the next batch of at most
// the batch size rows, stopping the iteration when the limit is met.
func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	// r.err and r.done are read under the lease only: Close's stop writes
	// them from another goroutine.
	if err := r.lease.Lock(); err != nil {
		return false // Close stopped the scan and set r.err
	}
	defer r.lease.Unlock()
	if r.err != nil || r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.fail(fmt.Errorf("scan: %s: %w", r.t.name, err))
		return false
	}
	n := 0
	for n < r.batch && !r.done {
		var ok bool
		var err error
		if d := r.direct; d != nil {
			// An unfiltered table scan, the common bulk read: each
			// row goes straight into the batch, with no call of row
			// in between.
			var val []byte
			if val, err = r.it.ValueAndErr(); err != nil {
				err = r.readErr(err)
			} else if err = d.appendRow(val); err != nil {
				err = r.corrupt(r.it.Key(), err)
			}
			ok = err == nil
		} else {
			ok, err = r.row()
		}
		if err != nil {
			r.fail(err)
			return false
		}
		if ok {
			n++
			if r.limit > 0 {
				r.limit--
				if r.limit == 0 {
					r.finish()
					break
				}
			}
		}
		if !r.it.Next() {
			if err := r.it.Error(); err != nil {
				r.fail(store.AsCorrupt(r.t.name, "", fmt.Errorf("scan: %s: iterate: %w", r.t.name, err)))
				return false
			}
			r.finish()
		}
		if r.scanned++; r.scanned >= r.batch {
			r.scanned = 0
			if err := r.ctx.Err(); err != nil {
				r.fail(fmt.Errorf("scan: %s: %w", r.t.name, err))
				return false
			}
		}
	}
	if n == 0 {
		return false
	}
	r.cur = r.src.batch()
	return true
}

// firstRows is how many rows a scan's batch columns are first sized for:
// a whole batch (or the limit, when smaller) when every row examined is
// appended, none when a filter decides (the columns then grow by doubling
// as rows pass, so a selective filter does not hold a full batch of
// buffers).
func firstRows(filter *node, batch, limit int) int {
	if filter != nil {
		return 0
	}
	if limit > 0 {
		return min(batch, limit)
	}
	return batch
}

func (r *reader) fail(err error) {
	r.err = err
	r.finish()
}

// readErr is the error of a failed read of the iterator's current value.
func (r *reader) readErr(err error) error {
	key := r.it.Key()
	return store.AsCorrupt(r.t.name, fmt.Sprintf("0x%x", key), fmt.Errorf("scan: %s: read key %x: %w", r.t.name, key, err))
}

// row processes the iterator's current entry when the scan has a filter or
// reads an index (Next appends the rows of an unfiltered table scan): it
// loads the row, evaluates the filter and appends the row if it passes.
func (r *reader) row() (bool, error) {
	val, err := r.it.ValueAndErr()
	if err != nil {
		return false, r.readErr(err)
	}
	key := r.it.Key()
	if r.plan.Access == IndexRange {
		if key, val, err = r.resolve(key, val); err != nil {
			return false, err
		}
		if val == nil {
			return false, nil // a flushed row: this reader reads hot rows only
		}
	}
	if err := r.src.Load(val); err != nil {
		return false, r.corrupt(key, err)
	}
	if r.filter.eval(r.src) != tTrue {
		return false, nil
	}
	if err := r.src.Append(); err != nil {
		return false, r.corrupt(key, err)
	}
	return true, nil
}

// resolve reads the row an index entry points to from the scan's snapshot.
// The entry's value is scope + primary key tuple, so the row key is the
// table's row prefix + that value.
//
// The entry is a pointer, not proof: a damaged or planted entry inside the
// scan's scope may name a row of another owner. So the row it names must
// lie in the scan's owner scope, or the scan fails with an error naming the
// index; the caller then re-checks the whole filter, index values included,
// on the row.
func (r *reader) resolve(entry, ref []byte) (key, val []byte, err error) {
	if !bytes.HasPrefix(ref, r.scope) || !bytes.HasPrefix(entry[len(store.IndexPrefix(r.t.layout.ID, r.plan.index.ID)):], r.scope) {
		return entry, nil, r.corrupt(entry, fmt.Errorf("index %s entry %x points to row %x outside the scan's owner scope (run the store's Verify)", r.plan.Index, entry, ref))
	}
	r.rowKey = append(append(r.rowKey[:0], store.RowPrefix(r.t.layout.ID)...), ref...)
	v, closer, err := r.snap.Get(r.rowKey)
	if errors.Is(err, pebble.ErrNotFound) {
		// A flushed row keeps its index entries; its cold marker says so.
		ck := append(store.ColdPrefix(r.t.layout.ID), ref...)
		if _, closer, err := r.snap.Get(ck); err == nil {
			_ = closer.Close()
			return r.rowKey, nil, nil
		}
		return r.rowKey, nil, r.corrupt(r.rowKey, fmt.Errorf("index %s entry %x points to a row that does not exist (run the store's Verify)", r.plan.Index, entry))
	}
	if err != nil {
		return r.rowKey, nil, store.AsCorrupt(r.t.name, fmt.Sprintf("0x%x", r.rowKey), fmt.Errorf("scan: %s: read row %x: %w", r.t.name, r.rowKey, err))
	}
	r.rowVal = append(r.rowVal[:0], v...)
	_ = closer.Close()
	return r.rowKey, r.rowVal, nil
}

func (r *reader) corrupt(key []byte, err error) error {
	return &store.CorruptError{Table: r.t.name, Key: "0x" + hex.EncodeToString(key), Err: err}
}
