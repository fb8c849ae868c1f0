package scan

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/store"
)

// DefaultBatchSize is the number of rows per record batch when a Request
// does not say: large enough to amortise per-batch costs, small enough that
// a batch of a 20-column table stays around a megabyte.
const DefaultBatchSize = 8192

// Request is one scan: which columns, which rows, how many.
type Request struct {
	// Columns are the projected column names, in output order; nil means
	// every column in layout order. An empty non-nil slice projects no
	// column: batches then only carry row counts.
	Columns []string
	// Filter selects rows (nil = all). It must be supported (see
	// SupportsFilters); Scan refuses a filter it cannot apply rather than
	// returning unfiltered rows.
	Filter Expr
	// Limit is the maximum number of rows returned, counted after the
	// filter; 0 means no limit.
	Limit int
	// BatchSize is the maximum number of rows per record batch; 0 means
	// DefaultBatchSize.
	BatchSize int
	// HotOnly reads only the rows not yet flushed, skipping the cold tier:
	// for tools that look at the hot store alone (tablegen inspect
	// -hot-only). By default a scan of a flushed table reads hot and cold
	// rows as one table.
	HotOnly bool
}

// Pushdown says how a provider applies one filter, as DataFusion's
// TableProvider::supports_filters_pushdown does.
type Pushdown uint8

// The pushdown levels.
const (
	// Unsupported: the provider cannot apply the filter (an unknown
	// column, a literal of the wrong type); Scan rejects it.
	Unsupported Pushdown = iota
	// Inexact: the provider may return rows that do not match; the
	// caller must filter again. This package never answers it, but
	// adapters combining providers may.
	Inexact
	// Exact: every returned row matches; the caller need not re-check.
	Exact
)

func (p Pushdown) String() string {
	switch p {
	case Exact:
		return "exact"
	case Inexact:
		return "inexact"
	}
	return "unsupported"
}

// Provider scans one table of a [store.DB] into Arrow record batches.
// Generated code and tools construct it from a layout; it holds no per-scan
// state and is safe for concurrent use.
type Provider struct {
	db     *store.DB
	t      *table
	schema *arrow.Schema
	scope  []byte
	mem    memory.Allocator
}

// Options configure a Provider. The zero value is the schema-driven
// provider with Go-heap allocation.
type Options struct {
	// Schema is the table's Arrow schema when the caller has it cached
	// (generated code keeps one per table); nil builds it from the layout.
	Schema *arrow.Schema
	// Docs go into the Arrow metadata when Schema is nil.
	Docs Docs
	// Allocator for Arrow buffers; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
}

// NewProvider returns a provider for the table described by l in db. It
// checks l against the layout recorded in the database (when the table has
// been written): a mismatch means the rows would be misread, so it fails
// with a *store.LayoutMismatchError.
func NewProvider(db *store.DB, l *layout.Table, o Options) (*Provider, error) {
	t, err := newTable(l)
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("scan: %s: nil database", t.name)
	}
	if _, expires := l.LiveCutoff(db.Now()); expires && (len(t.key) == 0 || t.cols[t.key[0]].typ != tTimestamp || t.keyDesc[0]) {
		return nil, fmt.Errorf("scan: %s: a stream table's first key column must be an ascending timestamp (its event time), so that its TTL can hide expired rows", t.name)
	}
	// The table is registered as every program opening it registers it:
	// the store compares the declared layout with the recorded one (one
	// rule, layout.Diff), applies safe changes on a writable database and
	// refuses the rest with a *store.LayoutMismatchError.
	spec, err := LayoutSpec(l)
	if err != nil {
		return nil, err
	}
	if _, err := store.NewTable(db, spec); err != nil {
		return nil, err
	}
	p := &Provider{db: db, t: t, schema: o.Schema, mem: o.Allocator}
	if p.schema == nil {
		p.schema = t.arrowSchema(o.Docs)
	} else if p.schema.NumFields() != len(t.cols) {
		return nil, fmt.Errorf("scan: %s: the given Arrow schema has %d fields for %d columns; build it with ArrowSchema from the same layout", t.name, p.schema.NumFields(), len(t.cols))
	}
	if p.mem == nil {
		p.mem = memory.DefaultAllocator
	}
	return p, nil
}

// WithScope returns a provider over one owner's rows of a user table; scope
// is keyenc.AppendString(nil, owner), as for store.Table.WithScope. Without
// a scope a user table is scanned across all owners, in full.
func (p *Provider) WithScope(scope []byte) *Provider {
	c := *p
	c.scope = slices.Clone(scope)
	return &c
}

// Schema is the table's full Arrow schema (every column, layout order).
func (p *Provider) Schema() *arrow.Schema { return p.schema }

// SupportsFilters reports, per filter, whether Scan applies it: Exact for
// every filter that binds to the table (the residual is evaluated on each
// decoded row, so even filters that no key or index serves are exact),
// Unsupported for one that does not (see Bind for why).
func (p *Provider) SupportsFilters(filters []Expr) []Pushdown {
	out := make([]Pushdown, len(filters))
	for i, f := range filters {
		if _, err := p.t.bind(f); err == nil {
			out[i] = Exact
		}
	}
	return out
}

// Bind checks filter against the table and returns nil or the first
// problem, an *ExprError naming the column and literal.
func (p *Provider) Bind(filter Expr) error {
	_, err := p.t.bind(filter)
	return err
}

// Plan returns the plan Scan would use for filter, the TTL condition of a
// stream table included, touching no database; an error is the first
// problem of the filter, an *ExprError naming the column and literal.
func (p *Provider) Plan(filter Expr) (*Plan, error) {
	var f *node
	if filter = p.live(filter); filter != nil {
		var err error
		if f, err = p.t.bind(filter); err != nil {
			return nil, err
		}
	}
	return p.t.plan(p.scope, f), nil
}

// live adds the table's expiry rule to filter: on a stream table with a
// TTL, "event time >= layout.LiveCutoff(db.Now())", so that no scan (plain,
// guarded or union) returns an expired row, even before Expire removed it.
// The event time is the first key column (NewProvider checks it), so on an
// owner-scoped scan the condition narrows the key range rather than
// filtering rows.
func (p *Provider) live(filter Expr) Expr {
	cutoff, ok := p.t.layout.LiveCutoff(p.db.Now())
	if !ok {
		return filter
	}
	live := &Cmp{Column: p.t.cols[p.t.key[0]].Name, Op: OpGe, Value: cutoff}
	if filter == nil {
		return live
	}
	return &And{L: live, R: filter}
}

// Scan starts a scan. The reader must be released; it reads one
// point-in-time view of the database taken now (index entries and their rows
// included), so writes made during the scan are not seen. See the package
// doc for ordering, limits and memory.
func (p *Provider) Scan(ctx context.Context, r Request) (array.RecordReader, error) {
	r, project, f, err := p.prepare(r)
	if err != nil {
		return nil, err
	}
	plan := p.t.plan(p.scope, f)
	filter := plan.residual
	if plan.Access == IndexRange {
		// An index entry is a pointer, not proof: re-check the whole
		// filter on the row so a stale entry can never yield a wrong row.
		filter = f
	}
	decode := make([]bool, len(p.t.cols))
	for _, c := range project {
		decode[c] = true
	}
	filter.columns(decode)
	src, err := p.t.newRowDecoder(decode, project)
	if err != nil {
		return nil, err
	}
	if flushed, err := p.flushed(r); err != nil || flushed {
		if err != nil {
			return nil, err
		}
		return p.scanCold(ctx, r)
	}
	rd, err := newReader(ctx, p, plan, filter, src, project, r)
	if err != nil {
		return nil, err
	}
	// The marker again, now that the reader's iterator is open: a flush
	// raises it before it deletes a hot row, so a marker still 0 here
	// means the iterator sees every row.
	if flushed, err := p.flushed(r); err != nil || flushed {
		rd.Release()
		if err != nil {
			return nil, err
		}
		return p.scanCold(ctx, r)
	}
	return rd, nil
}

// flushed reports whether a scan r must read the table as the union of hot
// and cold rows: a flush has ever moved rows of it (its cold marker, which
// never goes down, is set) and r does not ask for hot rows only.
func (p *Provider) flushed(r Request) (bool, error) {
	if r.HotOnly {
		return false, nil
	}
	seq, err := coldtier.ColdSeq(p.db, &p.t.layout)
	if err != nil {
		return false, fmt.Errorf("scan: %s: %w", p.t.name, err)
	}
	return seq != 0, nil
}

func (p *Provider) projection(cols []string) ([]int, error) {
	if cols == nil {
		all := make([]int, len(p.t.cols))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	out := make([]int, 0, len(cols))
	seen := make(map[int]bool, len(cols))
	for _, name := range cols {
		i, err := p.t.lookup(name, 0)
		if err != nil {
			return nil, fmt.Errorf("scan: %s: projection: %w", p.t.name, err)
		}
		if seen[i] {
			return nil, fmt.Errorf("scan: %s: projection names column %q twice", p.t.name, name)
		}
		seen[i] = true
		out = append(out, i)
	}
	return out, nil
}

// prepare is the start every kind of scan shares: it refuses a negative
// limit or batch size, fills in the default batch size, resolves the
// projection (project: column indexes) and binds the filter, with the
// table's expiry rule added (f nil: no filter).
func (p *Provider) prepare(r Request) (_ Request, project []int, f *node, err error) {
	if r.Limit < 0 {
		return r, nil, nil, fmt.Errorf("scan: %s: negative limit %d; use 0 for no limit", p.t.name, r.Limit)
	}
	if r.BatchSize < 0 {
		return r, nil, nil, fmt.Errorf("scan: %s: negative batch size %d; use 0 for the default %d", p.t.name, r.BatchSize, DefaultBatchSize)
	}
	if r.BatchSize == 0 {
		r.BatchSize = DefaultBatchSize
	}
	if project, err = p.projection(r.Columns); err != nil {
		return r, nil, nil, err
	}
	if filter := p.live(r.Filter); filter != nil {
		if f, err = p.t.bind(filter); err != nil {
			return r, nil, nil, fmt.Errorf("scan: %s: filter %s: %w", p.t.name, r.Filter, err)
		}
	}
	return r, project, f, nil
}
