package main

import (
	"context"
	"fmt"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// ownerColumn is the column inspect puts first for user and stream tables.
const ownerColumn = "owner"

// ownersOf lists the owners with rows in the table l describes, through a
// store table over raw bytes (it never decodes a row).
func ownersOf(db *store.DB, l layout.Table) (iter.Seq2[string, error], error) {
	spec := store.Spec[string, []byte]{
		Layout:    l,
		AppendKey: func(dst []byte, k string) []byte { return append(dst, k...) },
		DecodeKey: func(b []byte) (string, error) { return string(b), nil },
		KeyOf:     func(*[]byte) string { return "" },
		AppendRow: func(dst []byte, v *[]byte) []byte { return append(dst, *v...) },
		DecodeRow: func(b []byte, v *[]byte, _ *rowenc.Arena) error { return nil },
	}
	for _, ix := range l.Indexes {
		spec.Indexes = append(spec.Indexes, store.IndexSpec[[]byte]{ID: ix.ID, Name: ix.Name, Unique: ix.Unique,
			AppendValues: func(dst []byte, _ *[]byte) ([]byte, bool) { return dst, false }})
	}
	t, err := store.NewTable(db, spec)
	if err != nil {
		return nil, err
	}
	return t.Owners(), nil
}

// ownedRows scans a user or stream table owner by owner (one owner when
// owner is set, else every owner in order) and prepends each row's owner as
// a column, so the output says whose every row is. The limit counts rows
// across owners.
func ownedRows(ctx context.Context, db *store.DB, p *scan.Provider, req scan.Request, owner string) (array.RecordReader, error) {
	var owners iter.Seq2[string, error]
	if owner != "" {
		owners = func(yield func(string, error) bool) { yield(owner, nil) }
	} else {
		var err error
		if owners, err = ownersOf(db, p.Layout()); err != nil {
			return nil, err
		}
	}
	first, err := p.Scan(ctx, scan.Request{Columns: req.Columns, Filter: req.Filter, Limit: 1, BatchSize: 1, HotOnly: req.HotOnly})
	if err != nil {
		return nil, err // a bad projection or filter, before any owner
	}
	inner := first.Schema()
	first.Release()
	fields := append([]arrow.Field{{Name: ownerColumn, Type: arrow.BinaryTypes.String}}, inner.Fields()...)
	meta := inner.Metadata()
	schema := arrow.NewSchema(fields, &meta)
	next, stop := iter.Pull2(owners)
	return &ownerReader{ctx: ctx, p: p, req: req, schema: schema, next: next, stop: stop, left: req.Limit, refs: 1}, nil
}

// ownerReader chains the scans of successive owners, one batch at a time.
type ownerReader struct {
	ctx    context.Context
	p      *scan.Provider
	req    scan.Request
	schema *arrow.Schema
	next   func() (string, error, bool)
	stop   func()
	owner  string
	cur    array.RecordReader
	rec    arrow.RecordBatch
	left   int // rows still allowed when req.Limit > 0
	err    error
	refs   int
}

func (r *ownerReader) Schema() *arrow.Schema { return r.schema }

func (r *ownerReader) RecordBatch() arrow.RecordBatch { return r.rec }

// Record implements array.RecordReader.
//
// Deprecated: use RecordBatch.
func (r *ownerReader) Record() arrow.RecordBatch { return r.rec }

func (r *ownerReader) Err() error { return r.err }

func (r *ownerReader) Retain() { r.refs++ }

func (r *ownerReader) Release() {
	if r.refs--; r.refs > 0 {
		return
	}
	r.release()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.stop()
}

func (r *ownerReader) release() {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
}

func (r *ownerReader) Next() bool {
	r.release()
	for r.err == nil {
		if r.req.Limit > 0 && r.left == 0 {
			return false
		}
		if r.cur == nil {
			owner, err, ok := r.next()
			if !ok {
				return false
			}
			if err != nil {
				r.err = err
				return false
			}
			req := r.req
			if req.Limit > 0 {
				req.Limit = r.left
			}
			r.owner = owner
			if r.cur, r.err = r.p.WithScope(keyenc.AppendString(nil, owner)).Scan(r.ctx, req); r.err != nil {
				r.err = fmt.Errorf("owner %q: %w", owner, r.err)
				return false
			}
		}
		if !r.cur.Next() {
			r.err = r.cur.Err()
			r.cur.Release()
			r.cur = nil
			continue
		}
		b := r.cur.RecordBatch()
		n := int(b.NumRows())
		if r.req.Limit > 0 {
			r.left -= n
		}
		ob := array.NewStringBuilder(memory.DefaultAllocator)
		for range n {
			ob.Append(r.owner)
		}
		col := ob.NewArray()
		ob.Release()
		cols := append([]arrow.Array{col}, b.Columns()...)
		r.rec = array.NewRecordBatch(r.schema, cols, int64(n))
		col.Release()
		return true
	}
	return false
}

// withOwner prepends a constant owner column to every batch of rdr: the
// rows one owner's scan (over the endpoint) returned.
func withOwner(rdr array.RecordReader, owner string) array.RecordReader {
	inner := rdr.Schema()
	fields := append([]arrow.Field{{Name: ownerColumn, Type: arrow.BinaryTypes.String}}, inner.Fields()...)
	meta := inner.Metadata()
	done := func() (string, error, bool) { return "", nil, false } // rdr is the only owner's scan
	return &ownerReader{schema: arrow.NewSchema(fields, &meta), next: done, stop: func() {}, cur: rdr, owner: owner, refs: 1}
}
