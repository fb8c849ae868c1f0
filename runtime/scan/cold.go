package scan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// Segment is one flushed segment as a union scan reads it. The scan
// package consumes it and runtime/flush implements it over its Parquet
// files, so the merge of hot and cold rows knows no file format. A
// segment's rows are sorted by scope and key. In an owner-scoped table a
// segment holds one owner's rows (Scope set) or many owners' (Scope nil, a
// multi-owner segment): the reader of a multi-owner segment then has a
// field whose metadata key [MetaType] says "owner", holding each row's
// owner id, and rows are sorted by (owner scope, key).
type Segment interface {
	// Seq orders segments: when a key is in several, the largest Seq wins.
	Seq() uint64
	// Scope is the owner scope of every row (keyenc.AppendString(nil,
	// owner)) of a one-owner segment of an owner-scoped table, nil
	// otherwise.
	Scope() []byte
	// KeyRange is the smallest and largest encoded key in the segment,
	// after its Scope: the key tuple, or scope + key tuple for a
	// multi-owner segment.
	KeyRange() (min, max []byte)
	// Stats are the row count and per-column statistics used to skip the
	// segment.
	Stats() (rows int64, cols []ColumnStats)
	// Open streams the segment's rows in key order with the columns whose
	// tags are given (layout tags). Each field of the reader's schema
	// names its tag in the metadata key [MetaTag]; a requested tag the
	// segment does not hold (a column added since) is left out, and the
	// scan reads it as NULL or zero. Columns are matched by tag, never by
	// name, so renamed columns keep their values.
	//
	// scope, when set, is the one owner scope the caller reads of a
	// multi-owner segment: the reader may then leave out the row groups
	// that hold none of that owner's rows (by their owner statistics). It
	// may still return other owners' rows; the caller skips them.
	Open(ctx context.Context, tags []uint32, batch int, scope []byte) (array.RecordReader, error)
	// String names the segment in errors (its file).
	String() string
}

// UnionStats reports what a union scan read, for tests and EXPLAIN-style
// output.
type UnionStats struct {
	// SegmentsRead and SegmentsSkipped count the segments opened and the
	// ones skipped by scope, key range or column statistics.
	SegmentsRead, SegmentsSkipped int
	// Deleted counts the flushed versions the scan met and hid because
	// the key's cold marker does not name their segment (the row was
	// deleted, or written again, after that flush; see store.ColdPrefix).
	Deleted int64
}

// ScanUnion scans the table's hot rows in snap together with the flushed
// segments, as one table: each key appears once, from the one place that
// holds its live version — the hot row, or else the segment its cold
// marker in snap names (store.ColdPrefix), the rule the store's typed
// reads apply too — and the filter is applied to that version only, so a
// row updated after its flush is judged by its new values. Every other
// flushed version of the key is dead (the row was deleted, or written
// again, after that flush). Rows come out in key order. The
// request means what it means for Scan: projection, filter, limit, batch
// size.
//
// Segments outside the provider's scope, outside the filter's key range, or
// whose column statistics exclude the filter are not opened; the others are
// read with only the projected, filtered and key columns (projection
// pushdown into Parquet). Memory is one batch per open segment plus one
// output batch.
//
// ScanUnion takes the snapshot of hot rows itself and only then calls
// segments for the flushed segments to merge: a flush deletes hot rows
// only after its manifest is durable, so every row is then in the
// snapshot or in the segments (or both, which the merge resolves). The
// reader holds a [store.Lease]: Close of the DB ends it with
// store.ErrClosed.
func (p *Provider) ScanUnion(ctx context.Context, segments func() ([]Segment, error), r Request, stats *UnionStats) (array.RecordReader, error) {
	u, err := p.newUnion(ctx, segments, r, stats)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// coldScanner is what the flush executor attached to the DB (flush.New)
// offers besides point reads of flushed rows: the union scan of a table,
// which it runs under its lock on the table's files. It is asserted on the
// attached coldtier.Reader rather than added to it because Provider and
// Request are this package's types.
type coldScanner interface {
	Scan(ctx context.Context, p *Provider, r Request) (array.RecordReader, error)
}

// scanCold is Scan of a table with flushed rows: the union of its hot rows
// and the segments of the executor attached to the DB.
func (p *Provider) scanCold(ctx context.Context, r Request) (array.RecordReader, error) {
	cs, ok := coldtier.SlotOf(p.db).Get().(coldScanner)
	if !ok {
		return nil, fmt.Errorf("scan: %s has flushed rows: %w", p.t.name, store.ErrNoColdReader)
	}
	return cs.Scan(ctx, p, r)
}

func (p *Provider) newUnion(ctx context.Context, segments func() ([]Segment, error), r Request, stats *UnionStats) (*union, error) {
	if segments == nil {
		return nil, fmt.Errorf("scan: %s: ScanUnion needs the function that lists the segments", p.t.name)
	}
	r, project, f, err := p.prepare(r)
	if err != nil {
		return nil, err
	}
	if stats == nil {
		stats = &UnionStats{}
	}
	need := make([]bool, len(p.t.cols))
	for _, c := range project {
		need[c] = true
	}
	f.columns(need)
	src, err := p.t.newRowDecoder(need, project)
	if err != nil {
		return nil, err
	}
	u := &union{ctx: ctx, t: p.t, filter: f, src: src, project: project, batch: r.BatchSize, limit: r.Limit, stats: stats}
	if u.limit == 0 {
		u.limit = -1
	}
	u.refs.Store(1)
	u.schema = projectSchema(p.schema, project)
	if u.lease, err = p.db.NewLease(u.stop, nil); err != nil {
		return nil, fmt.Errorf("scan: %s: %w", p.t.name, err)
	}
	if err := src.setOutput(p.mem, u.schema, firstRows(f, u.batch, u.limit)); err != nil {
		u.close()
		return nil, err
	}
	if err := u.open(p, need, segments, r); err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

// open takes the snapshot, lists the segments and opens the sources, under
// the lease.
func (u *union) open(p *Provider, need []bool, segments func() ([]Segment, error), r Request) error {
	if err := u.lease.Lock(); err != nil {
		return fmt.Errorf("scan: %s: %w", p.t.name, err)
	}
	defer u.lease.Unlock()
	snap, err := p.db.NewSnapshot()
	if err != nil {
		return fmt.Errorf("scan: %s: %w", p.t.name, err)
	}
	u.snap = snap
	segs, err := segments()
	if err != nil {
		return err
	}
	f, stats := u.filter, u.stats

	// Hot rows: the key range the filter allows (never an index: the merge
	// needs key order).
	header := append(store.RowPrefix(p.t.layout.ID), p.scope...)
	lower, upper := header, keyenc.PrefixEnd(header)
	plan := p.t.plan(p.scope, f)
	if plan.Empty {
		u.done = true
		return nil
	}
	if plan.Access != IndexRange {
		lower, upper = plan.Start, plan.End
	}
	u.prefixLen = len(store.RowPrefix(p.t.layout.ID))
	it, err := rawpebble.Snapshot(snap).NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("scan: %s: open iterator: %w", p.t.name, err)
	}
	u.it = it
	u.hotValid = it.First()

	// Cold rows: the segments that may hold matching rows.
	coldNeed := append([]bool(nil), need...)
	for _, k := range p.t.key {
		coldNeed[k] = true
	}
	// Scope and key range can skip a segment outright: a row that would
	// shadow one of its rows has the same key. Column statistics cannot
	// alone: a newer segment that no row of matches may still hold the
	// newer version of an older segment's row, so it is read whenever an
	// older segment it overlaps is read.
	type cand struct {
		s      Segment
		seq    uint64
		lo, hi []byte
		read   bool
	}
	var cands []*cand
	for _, s := range segs {
		if p.scope != nil && s.Scope() != nil && !bytes.Equal(s.Scope(), p.scope) {
			stats.SegmentsSkipped++
			continue
		}
		prefix := append(store.RowPrefix(p.t.layout.ID), s.Scope()...)
		minKey, maxKey := s.KeyRange()
		c := &cand{s: s, seq: s.Seq(), lo: append(bytes.Clone(prefix), minKey...), hi: append(bytes.Clone(prefix), maxKey...)}
		if bytes.Compare(c.hi, lower) < 0 || (upper != nil && bytes.Compare(c.lo, upper) >= 0) {
			stats.SegmentsSkipped++
			continue
		}
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b *cand) int { return cmp.Compare(a.seq, b.seq) })
	for i, c := range cands {
		c.read = f.mayMatch(p.t.bindStats(c.s.Stats()))
		for _, o := range cands[:i] {
			if c.read {
				break
			}
			c.read = o.read && bytes.Compare(o.lo, c.hi) <= 0 && bytes.Compare(c.lo, o.hi) <= 0
		}
	}
	// Markers never make a segment readable or skippable: they only pick
	// the live version among the segments read. A live version in a
	// segment the statistics skipped does not match the filter, so the
	// key's versions in the segments read are not returned either.
	for _, c := range cands {
		if !c.read {
			stats.SegmentsSkipped++
			continue
		}
		cs, err := openCold(u.ctx, p.t, c.s, coldNeed, r.BatchSize, p.scope)
		if err != nil {
			return err
		}
		u.cold = append(u.cold, cs)
		stats.SegmentsRead++
		if err := cs.advance(); err != nil {
			return err
		}
	}
	if len(u.cold) > 0 {
		// The cold markers, as of the same snapshot.
		u.tprefix = append(store.ColdPrefix(p.t.layout.ID), p.scope...)
		if u.tomb, err = rawpebble.Snapshot(snap).NewIter(&pebble.IterOptions{LowerBound: u.tprefix, UpperBound: keyenc.PrefixEnd(u.tprefix)}); err != nil {
			return fmt.Errorf("scan: %s: open cold marker iterator: %w", p.t.name, err)
		}
		u.tprefix = store.ColdPrefix(p.t.layout.ID)
	}
	return nil
}

// union is the RecordReader of ScanUnion: a merge by key of one hot
// iterator and the open segments.
type union struct {
	refs      atomic.Int64
	ctx       context.Context
	t         *table
	filter    *node
	src       *rowDecoder
	project   []int
	schema    *arrow.Schema
	batch     int
	limit     int
	snap      *store.Snapshot
	lease     *store.Lease
	it        *pebble.Iterator
	hotValid  bool
	prefixLen int
	cold      []*coldSource
	stats     *UnionStats
	// tomb iterates the cold markers of the scope, moving forward with
	// the merge; tprefix is the table's marker prefix, tkey scratch.
	tomb          *pebble.Iterator
	tprefix, tkey []byte
	tpos, tvalid  bool
	cur           arrow.RecordBatch
	err           error
	done          bool
}

func (u *union) Retain() { u.refs.Add(1) }

func (u *union) Release() {
	if u.refs.Add(-1) == 0 {
		u.close()
	}
}

func (u *union) close() {
	if u.cur != nil {
		u.cur.Release()
		u.cur = nil
	}
	if u.lease != nil {
		u.lease.Release() // runs stop unless Close already did
	} else {
		u.finish()
	}
	u.src.release()
}

// stop is the lease's stop function: Close of the DB ends an unfinished
// union read with ErrClosed.
func (u *union) stop() {
	if !u.done && u.err == nil {
		u.err = fmt.Errorf("scan: %s: %w", u.t.name, store.ErrClosed)
	}
	u.finish()
}

// finish releases the iterator, snapshot and files as soon as the scan
// needs no more rows.
func (u *union) finish() {
	u.done = true
	if u.it != nil {
		if err := u.it.Close(); err != nil && u.err == nil {
			u.err = fmt.Errorf("scan: %s: close iterator: %w", u.t.name, err)
		}
		u.it = nil
	}
	if u.tomb != nil {
		if err := u.tomb.Close(); err != nil && u.err == nil {
			u.err = fmt.Errorf("scan: %s: close cold marker iterator: %w", u.t.name, err)
		}
		u.tomb = nil
	}
	if u.snap != nil {
		if err := u.snap.Close(); err != nil && u.err == nil {
			u.err = fmt.Errorf("scan: %s: close snapshot: %w", u.t.name, err)
		}
		u.snap = nil
	}
	for _, c := range u.cold {
		c.close()
	}
	u.cold = nil
}

func (u *union) Schema() *arrow.Schema          { return u.schema }
func (u *union) RecordBatch() arrow.RecordBatch { return u.cur }
func (u *union) Record() arrow.RecordBatch      { return u.cur } // Deprecated: use RecordBatch.

// Err is read under the lease, like Next: Close's stop may be setting u.err.
func (u *union) Err() error {
	if u.lease != nil && u.lease.Lock() == nil {
		defer u.lease.Unlock()
	}
	return u.err
}

func (u *union) fail(err error) bool {
	u.err = err
	u.finish()
	return false
}

func (u *union) Next() bool {
	if u.cur != nil {
		u.cur.Release()
		u.cur = nil
	}
	// u.err and u.done are read under the lease only: Close's stop writes
	// them from another goroutine.
	if err := u.lease.Lock(); err != nil {
		return false // Close stopped the read and set u.err
	}
	defer u.lease.Unlock()
	if u.err != nil || u.done {
		return false
	}
	if err := u.ctx.Err(); err != nil {
		return u.fail(fmt.Errorf("scan: %s: %w", u.t.name, err))
	}
	n, examined := 0, 0
	for n < u.batch && !u.done {
		ok, err := u.step()
		if err != nil {
			return u.fail(err)
		}
		if ok {
			n++
			if u.limit > 0 {
				if u.limit--; u.limit == 0 {
					u.finish()
				}
			}
		}
		if examined++; examined%u.batch == 0 {
			if err := u.ctx.Err(); err != nil {
				return u.fail(fmt.Errorf("scan: %s: %w", u.t.name, err))
			}
		}
	}
	if n == 0 {
		return false
	}
	u.cur = u.src.batch()
	return true
}

// step takes the smallest key among the sources, keeps its newest version,
// drops the older ones, and appends the row if it passes the filter.
func (u *union) step() (bool, error) {
	var min []byte
	if u.hotValid {
		min = u.it.Key()[u.prefixLen:]
	}
	var win *coldSource
	for _, c := range u.cold {
		if !c.valid {
			continue
		}
		switch cmp := bytes.Compare(c.key, min); {
		case min == nil || cmp < 0:
			min, win = c.key, c
		case cmp == 0 && win != nil && c.seq > win.seq:
			win = c
		}
	}
	if min == nil {
		u.finish()
		return false, nil
	}
	hot := u.hotValid && bytes.Equal(u.it.Key()[u.prefixLen:], min)
	var pass bool
	var err error
	switch {
	case hot:
		pass, err = u.hotRow()
	default:
		var live uint64
		var found bool
		if live, found, err = u.marker(min); err != nil {
			break
		}
		win = nil
		for _, c := range u.cold {
			if found && c.valid && c.seq == live && bytes.Equal(c.key, min) {
				win = c
				break
			}
		}
		for _, c := range u.cold {
			if c.valid && c != win && bytes.Equal(c.key, min) {
				u.stats.Deleted++
			}
		}
		if win != nil {
			pass, err = u.coldRow(win)
		}
	}
	if err != nil {
		return false, err
	}
	// Advance every source positioned at this key (the winner included).
	key := bytes.Clone(min)
	if hot {
		if u.hotValid = u.it.Next(); !u.hotValid {
			if err := u.it.Error(); err != nil {
				return false, store.AsCorrupt(u.t.name, "", fmt.Errorf("scan: %s: iterate: %w", u.t.name, err))
			}
		}
	}
	for _, c := range u.cold {
		for c.valid && bytes.Equal(c.key, key) {
			if err := c.advance(); err != nil {
				return false, err
			}
		}
	}
	return pass, nil
}

// marker returns the segment that key's cold marker (scope + key tuple)
// names, if any. Keys come in increasing order, so the marker iterator
// only moves forward.
func (u *union) marker(key []byte) (uint64, bool, error) {
	if u.tomb == nil {
		return 0, false, nil
	}
	u.tkey = append(append(u.tkey[:0], u.tprefix...), key...)
	// The iterator sits at the first marker >= an earlier key; when it
	// is already past key, key has none.
	if !u.tpos || (u.tvalid && bytes.Compare(u.tomb.Key(), u.tkey) < 0) {
		u.tvalid, u.tpos = u.tomb.SeekGE(u.tkey), true
	}
	if !u.tvalid {
		if err := u.tomb.Error(); err != nil {
			return 0, false, fmt.Errorf("scan: %s: read cold markers: %w", u.t.name, err)
		}
		return 0, false, nil
	}
	if !bytes.Equal(u.tomb.Key(), u.tkey) {
		return 0, false, nil
	}
	val, err := u.tomb.ValueAndErr()
	if err != nil {
		return 0, false, fmt.Errorf("scan: %s: read cold marker %x: %w", u.t.name, u.tkey, err)
	}
	seq, err := coldtier.DecodeSeq(val)
	if err != nil {
		return 0, false, &store.CorruptError{Table: u.t.name, Key: fmt.Sprintf("0x%x", u.tkey), Err: err}
	}
	return seq, true, nil
}

func (u *union) hotRow() (bool, error) {
	key := u.it.Key()
	val, err := u.it.ValueAndErr()
	if err != nil {
		return false, store.AsCorrupt(u.t.name, fmt.Sprintf("0x%x", key), fmt.Errorf("scan: %s: read key %x: %w", u.t.name, key, err))
	}
	if err := u.src.Load(val); err != nil {
		return false, &store.CorruptError{Table: u.t.name, Key: fmt.Sprintf("0x%x", key), Err: err}
	}
	if u.filter.eval(u.src) != tTrue {
		return false, nil
	}
	if err := u.src.Append(); err != nil {
		return false, &store.CorruptError{Table: u.t.name, Key: fmt.Sprintf("0x%x", key), Err: err}
	}
	return true, nil
}

func (u *union) coldRow(c *coldSource) (bool, error) {
	if u.filter.eval(c) != tTrue {
		return false, c.err
	}
	if c.err != nil {
		return false, c.err
	}
	err := u.src.appendFrom(func(p int) (Value, error) {
		v := c.Value(p)
		return v, c.err
	})
	if err != nil && err != c.err {
		return false, fmt.Errorf("scan: %s: segment %s: %w", u.t.name, c.seg, err)
	}
	return err == nil, err
}

// coldSource reads one segment in key order, one Arrow batch at a time.
type coldSource struct {
	t     *table
	seg   Segment
	seq   uint64
	scope []byte
	rr    array.RecordReader
	rec   arrow.RecordBatch
	cols  []arrow.Array // per layout column: the current batch's array, or nil (missing from the segment)
	pos   []int         // per layout column: field index in the reader's schema, -1 when missing
	row   int
	// owner is the reader's owner field of a multi-owner segment (-1:
	// none); want, when set, is the only scope whose rows are returned.
	owner int
	want  []byte
	key   []byte // scope + key tuple of the current row
	vals  []Value
	valid bool
	err   error // sticky: a value that could not be read
}

// openCold opens segment s; want, when not nil, is the one owner scope
// whose rows the source returns (a scoped provider reading a multi-owner
// segment).
func openCold(ctx context.Context, t *table, s Segment, need []bool, batch int, want []byte) (*coldSource, error) {
	fail := func(err error) error {
		return fmt.Errorf("scan: %s: open segment %s: %w", t.name, s, err)
	}
	var tags []uint32
	for i := range t.cols {
		if need[i] {
			tags = append(tags, uint32(t.cols[i].Tag))
		}
	}
	rr, err := s.Open(ctx, tags, batch, want)
	if err != nil {
		return nil, fail(err)
	}
	// Match by tag: a column renamed since the flush keeps its values, and
	// columns added since are missing and read as NULL (nullable) or zero.
	pos := make([]int, len(t.cols))
	for i := range pos {
		pos[i] = -1
	}
	for f, fld := range rr.Schema().Fields() {
		v, ok := fld.Metadata.GetValue(MetaTag)
		if !ok {
			continue
		}
		tag, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			continue
		}
		if i, ok := t.byTag[int32(tag)]; ok && need[i] {
			pos[i] = f
		}
	}
	for _, k := range t.key {
		if pos[k] < 0 {
			rr.Release()
			return nil, fail(fmt.Errorf("key column %s (tag %d) is missing from the segment; it was not written by this table's flush", t.cols[k].Name, t.cols[k].Tag))
		}
	}
	owner := -1
	if s.Scope() == nil && t.layout.Kind.OwnerScoped() {
		for f, fld := range rr.Schema().Fields() {
			if v, ok := fld.Metadata.GetValue(MetaType); ok && v == "owner" && fld.Type.ID() == arrow.STRING {
				owner = f
			}
		}
		if owner < 0 {
			rr.Release()
			return nil, fail(fmt.Errorf("the segment has no owner scope and no owner column (field metadata %s=owner); it was not written by this table's flush", MetaType))
		}
	}
	return &coldSource{t: t, seg: s, seq: s.Seq(), scope: s.Scope(), owner: owner, want: want, rr: rr, pos: pos, cols: make([]arrow.Array, len(t.cols)), vals: make([]Value, len(t.cols)), row: -1}, nil
}

// advance moves to the next row (of scope want, when set), loading the
// next batch when needed. Rows are sorted by scope, so a multi-owner
// segment's source stops at the first row past want.
func (c *coldSource) advance() error {
	for {
		if err := c.next(); err != nil || !c.valid || c.owner < 0 || c.want == nil {
			return err
		}
		// Encoded owner ids are prefix-free: the prefix is the scope.
		if bytes.HasPrefix(c.key, c.want) {
			return nil
		}
		if bytes.Compare(c.key, c.want) > 0 {
			c.valid = false
			return nil
		}
	}
}

func (c *coldSource) next() error {
	c.row++
	for c.rec == nil || c.row >= int(c.rec.NumRows()) {
		if c.rec != nil {
			c.rec.Release()
			c.rec = nil
		}
		if !c.rr.Next() {
			c.valid = false
			if err := c.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("scan: %s: read segment %s: %w", c.t.name, c.seg, err)
			}
			return nil
		}
		rec := c.rr.RecordBatch()
		rec.Retain()
		c.rec, c.row = rec, 0
		for i, p := range c.pos {
			c.cols[i] = nil
			if p >= 0 {
				c.cols[i] = rec.Column(p)
			}
		}
	}
	c.valid = true
	c.key = append(c.key[:0], c.scope...)
	if c.owner >= 0 {
		a := c.rec.Column(c.owner).(*array.String)
		if a.IsNull(c.row) {
			return fmt.Errorf("scan: %s: segment %s row %d: the owner column is null", c.t.name, c.seg, c.row)
		}
		c.key = keyenc.AppendString(c.key, a.Value(c.row))
	}
	for j, k := range c.t.key {
		v := c.Value(k)
		if c.err != nil {
			return fmt.Errorf("scan: %s: segment %s row %d: %w", c.t.name, c.seg, c.row, c.err)
		}
		c.key = appendKey(c.key, c.t.cols[k].typ, v, c.t.keyDesc[j])
	}
	return nil
}

// Value implements the filter's valuer for the current row.
func (c *coldSource) Value(col int) Value {
	a := c.cols[col]
	if a == nil {
		if c.t.cols[col].Nullable {
			return Value{Null: true}
		}
		return Value{}
	}
	v, err := arrowValue(&c.t.cols[col], a, c.row)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("segment %s: %w", c.seg, err)
	}
	return v
}

func (c *coldSource) close() {
	if c.rec != nil {
		c.rec.Release()
		c.rec = nil
	}
	if c.rr != nil {
		c.rr.Release()
		c.rr = nil
	}
	c.valid = false
}
