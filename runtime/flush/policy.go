package flush

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// Policy says when a table is due for a flush: when it has more than
// MaxRows hot rows, or when its oldest hot row is older than MaxAge. A zero
// field is not checked; at least one must be set.
//
// A row's age is measured by TimeColumn, a timestamp column of the table
// (for example created_at or the event time of a stream table): the oldest
// hot row is the one with the smallest non-null value, and it is older than
// MaxAge when that value is before Now() - MaxAge. Rows whose TimeColumn is
// NULL have no age. Tables without such a column can only use MaxRows.
//
// Checking a policy reads every hot row of the table (or owner) once,
// decoding at most TimeColumn, and stops as soon as the answer is known; on
// this machine that is about 3 M rows/s.
type Policy struct {
	MaxRows    int64
	MaxAge     time.Duration
	TimeColumn string
}

// Due reports whether p's table (or owner, for a scoped provider) is due
// for a flush under pol, and why, in words for logs. A table declared
// flush: never is never due.
func (e *Executor) Due(ctx context.Context, p *scan.Provider, pol Policy) (bool, string, error) {
	l := p.Layout()
	if l.NeverFlush {
		return false, "declared flush: never", nil
	}
	switch {
	case pol.MaxRows < 0 || pol.MaxAge < 0:
		return false, "", fmt.Errorf("flush: %s: policy MaxRows %d / MaxAge %s is negative; use 0 to turn a limit off", l.FullName(), pol.MaxRows, pol.MaxAge)
	case pol.MaxRows == 0 && pol.MaxAge == 0:
		return false, "", fmt.Errorf("flush: %s: the policy sets neither MaxRows nor MaxAge, so it never flushes; set at least one", l.FullName())
	case pol.MaxAge > 0 && pol.TimeColumn == "":
		return false, "", fmt.Errorf("flush: %s: policy MaxAge needs TimeColumn, the timestamp column that dates a row", l.FullName())
	}
	cols := []string{}
	if pol.MaxAge > 0 {
		i := slices.IndexFunc(l.Columns, func(c layout.Column) bool { return c.Name == pol.TimeColumn })
		if i < 0 || l.Columns[i].Type != "timestamp" {
			return false, "", fmt.Errorf("flush: %s: policy TimeColumn %q is not a timestamp column of the table", l.FullName(), pol.TimeColumn)
		}
		cols = []string{pol.TimeColumn}
	}
	cutoff := arrow.Timestamp(e.o.Now().Add(-pol.MaxAge).UnixMicro())
	type due struct {
		yes bool
		why string
	}
	d, err := held(e, ctx, l.FullName(), func(ctx context.Context) (due, error) {
		yes, why, err := e.due(ctx, p, pol, &l, cols, cutoff)
		return due{yes, why}, err
	})
	return d.yes, d.why, err
}

func (e *Executor) due(ctx context.Context, p *scan.Provider, pol Policy, l *layout.Table, cols []string, cutoff arrow.Timestamp) (bool, string, error) {
	snap, err := e.db.NewSnapshot()
	if err != nil {
		return false, "", err
	}
	defer snap.Close()
	rdr, err := p.ScanSnapshot(ctx, snap, scan.Request{Columns: cols, BatchSize: e.o.BatchSize}, func(_, _ []byte) error { return nil })
	if err != nil {
		return false, "", err
	}
	defer rdr.Release()
	var rows int64
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rows += rec.NumRows()
		if pol.MaxRows > 0 && rows > pol.MaxRows {
			return true, fmt.Sprintf("more than %d hot rows", pol.MaxRows), nil
		}
		if pol.MaxAge > 0 {
			ts, ok := rec.Column(0).(*array.Timestamp)
			if !ok {
				return false, "", fmt.Errorf("flush: %s: column %s is %s, not a timestamp", l.FullName(), pol.TimeColumn, rec.Column(0).DataType())
			}
			for i := range ts.Len() {
				if ts.IsValid(i) && ts.Value(i) < cutoff {
					return true, fmt.Sprintf("a hot row's %s is %s, older than %s", pol.TimeColumn, ts.Value(i).ToTime(arrow.Microsecond).UTC().Format(time.RFC3339), pol.MaxAge), nil
				}
			}
		}
	}
	if err := rdr.Err(); err != nil {
		return false, "", err
	}
	return false, "", nil
}

// FlushIfNeeded flushes p's table (or owner) when pol says it is due, and
// returns nil, nil when it is not.
func (e *Executor) FlushIfNeeded(ctx context.Context, p *scan.Provider, pol Policy) (*Result, error) {
	due, _, err := e.Due(ctx, p, pol)
	if err != nil || !due {
		return nil, err
	}
	return e.Flush(ctx, p)
}

// HotRows counts p's hot rows (one owner's, for a scoped provider) without
// decoding them, for progress bars and policies.
func (e *Executor) HotRows(ctx context.Context, p *scan.Provider) (int64, error) {
	l := p.Layout()
	return held(e, ctx, l.FullName(), func(ctx context.Context) (int64, error) { return e.hotRows(ctx, p) })
}

func (e *Executor) hotRows(ctx context.Context, p *scan.Provider) (int64, error) {
	snap, err := e.db.NewSnapshot()
	if err != nil {
		return 0, err
	}
	defer snap.Close()
	rdr, err := p.ScanSnapshot(ctx, snap, scan.Request{Columns: []string{}, BatchSize: e.o.BatchSize}, func(_, _ []byte) error { return nil })
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	return n, rdr.Err()
}
