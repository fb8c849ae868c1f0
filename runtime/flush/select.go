package flush

import (
	"container/heap"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowid"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// Select chooses which hot rows a flush moves; every field set narrows
// the choice (they are ANDed) and the zero value selects every row. Rows
// it does not select stay hot, and since flushed rows stay rows of the
// table, the choice changes what reads cost, never what they return.
type Select struct {
	// OlderThan, when positive, selects rows dated before Now() -
	// OlderThan (Options.Now). A row is dated by TimeColumn; without one,
	// by the time embedded in its row id (runtime/rowid), which needs a
	// key of one int64 or uint64 column holding rowid ids: tables keyed
	// otherwise, or by plain counters, must name a TimeColumn. Rows whose
	// TimeColumn is NULL have no date and are not selected.
	OlderThan time.Duration
	// TimeColumn is the timestamp column that dates a row, for OlderThan
	// and KeepNewest.
	TimeColumn string
	// KeepNewest, when positive, keeps the newest KeepNewest hot rows of
	// each owner (of the whole table, for system and shared tables) and
	// selects the others. Newest is by TimeColumn when set (NULL is the
	// oldest; ties go by key order), else by key order: the rows with the
	// last keys, or the first when the key's leading column is declared
	// desc (newest first). The count is over the owner's hot rows
	// before the other fields narrow the choice. It costs a second pass
	// over each owner's rows (keys and TimeColumn only) before the one
	// that writes, and the kept keys of one owner, KeepNewest of them, are
	// held in memory while it is flushed.
	KeepNewest int
	// Where selects rows with any filter the provider accepts (nil: no
	// condition), e.g. a key range `row_id >= 1000 AND row_id < 2000`.
	Where scan.Expr
}

// plan is a Select checked against a table: the one filter the scan
// applies, and what KeepNewest orders by.
type plan struct {
	filter     scan.Expr
	keepNewest int
	timeColumn string // "" with keepNewest: by key order
	lastFirst  bool   // in key order, the newest rows come first (a desc key)
}

// plan checks s against table l at now and builds its filter.
func (s Select) plan(l *layout.Table, now time.Time) (plan, error) {
	name := l.FullName()
	switch {
	case s.OlderThan < 0:
		return plan{}, fmt.Errorf("flush: %s: OlderThan %s is negative; use 0 to select rows of any age", name, s.OlderThan)
	case s.KeepNewest < 0:
		return plan{}, fmt.Errorf("flush: %s: KeepNewest %d is negative; use 0 to keep no row hot", name, s.KeepNewest)
	case s.TimeColumn != "" && s.OlderThan == 0 && s.KeepNewest == 0:
		return plan{}, fmt.Errorf("flush: %s: TimeColumn %q dates rows for OlderThan and KeepNewest; set one of them or drop TimeColumn", name, s.TimeColumn)
	}
	if s.TimeColumn != "" {
		if c, ok := l.Column(s.TimeColumn); !ok || c.Type != "timestamp" {
			return plan{}, fmt.Errorf("flush: %s: TimeColumn %q is not a timestamp column of the table", name, s.TimeColumn)
		}
	}
	p := plan{filter: s.Where, keepNewest: s.KeepNewest, timeColumn: s.TimeColumn}
	if s.KeepNewest > 0 && len(l.Key) > 0 {
		p.lastFirst = l.Key[0].Desc
	}
	if s.OlderThan > 0 {
		cutoff := now.Add(-s.OlderThan)
		var old scan.Expr
		if s.TimeColumn != "" {
			old = &scan.Cmp{Column: s.TimeColumn, Op: scan.OpLt, Value: cutoff.UTC().Truncate(time.Microsecond)}
		} else {
			col, err := rowIDColumn(l)
			if err != nil {
				return plan{}, err
			}
			old = &scan.Cmp{Column: col, Op: scan.OpLt, Value: uint64(rowid.First(cutoff))}
		}
		if p.filter == nil {
			p.filter = old
		} else {
			p.filter = &scan.And{L: old, R: p.filter}
		}
	}
	return p, nil
}

// rowIDColumn is the key column whose runtime/rowid ids date l's rows:
// the key's only column, of type int64 or uint64.
func rowIDColumn(l *layout.Table) (string, error) {
	if len(l.Key) == 1 && (l.Key[0].Type == "int64" || l.Key[0].Type == "uint64") {
		return l.Key[0].Name, nil
	}
	cols := make([]string, len(l.Key))
	for i, k := range l.Key {
		cols[i] = k.Name + " " + k.Type
		if k.Desc {
			cols[i] += " desc"
		}
	}
	return "", fmt.Errorf("flush: %s: OlderThan without TimeColumn dates rows by their row id, but the key (%s) is not one int64 or uint64 row id column; name the timestamp column that dates a row (tablegen flush -time-column)", l.FullName(), strings.Join(cols, ", "))
}

// keep returns the Pebble keys of the newest pl.keepNewest live rows of
// p's scope in snap (nil when KeepNewest is unset).
func keep(ctx context.Context, snap *store.Snapshot, p *scan.Provider, pl plan, batch int) (map[string]struct{}, error) {
	n := pl.keepNewest
	if n == 0 {
		return nil, nil
	}
	cols := []string{}
	if pl.timeColumn != "" {
		cols = []string{pl.timeColumn}
	}
	var keys []string // of the current batch, in row order
	rdr, err := p.ScanSnapshot(ctx, snap, scan.Request{Columns: cols, BatchSize: batch}, func(key, _ []byte) error {
		keys = append(keys, string(key))
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	h := &newest{}
	pos := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		var ts *array.Timestamp
		if pl.timeColumn != "" {
			var ok bool
			if ts, ok = rec.Column(0).(*array.Timestamp); !ok {
				l := p.Layout()
				return nil, fmt.Errorf("flush: %s: column %s is %s, not a timestamp", l.FullName(), pl.timeColumn, rec.Column(0).DataType())
			}
		}
		for i, k := range keys {
			r := ranked{key: k, pos: pos}
			if pl.lastFirst {
				r.pos = -pos
			}
			pos++
			if ts != nil {
				r.dated = ts.IsValid(i)
				if r.dated {
					r.at = ts.Value(i)
				}
			}
			if h.Len() < n {
				heap.Push(h, r)
			} else if h.less(h.rows[0], r) {
				h.rows[0] = r
				heap.Fix(h, 0)
			}
		}
		keys = keys[:0]
	}
	if err := rdr.Err(); err != nil {
		return nil, err
	}
	set := make(map[string]struct{}, h.Len())
	for _, r := range h.rows {
		set[r.key] = struct{}{}
	}
	return set, nil
}

// ranked is one row in the newest-first order of KeepNewest: by date
// (undated oldest), then by position in key order.
type ranked struct {
	key   string
	dated bool
	at    arrow.Timestamp
	pos   int
}

// newest is a min-heap of the newest rows seen so far: its root is the
// oldest of them, the one a newer row replaces.
type newest struct{ rows []ranked }

func (h *newest) less(a, b ranked) bool {
	switch {
	case a.dated != b.dated:
		return !a.dated
	case a.at != b.at:
		return a.at < b.at
	}
	return a.pos < b.pos
}

func (h *newest) Len() int           { return len(h.rows) }
func (h *newest) Less(i, j int) bool { return h.less(h.rows[i], h.rows[j]) }
func (h *newest) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *newest) Push(x any)         { h.rows = append(h.rows, x.(ranked)) }
func (h *newest) Pop() any {
	r := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return r
}
