package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// ColumnStats summarises one column of a flushed segment so that a union
// scan can skip the segment when a filter excludes it. Min and Max are the
// smallest and largest non-null values in the column's literal form (the
// form filters take, see [Expr]): bool; int64 / uint64 numbers; float64
// (NaN ignored); strings; enum names; timestamps as RFC 3339 strings in UTC;
// durations as Go duration strings; uuids in their text form. They are nil
// when the column has no non-null value, and for bytes and json columns,
// which filters do not order; float64 columns holding ±Inf carry no Min/Max
// either (JSON cannot hold them), nor do string columns whose smallest or
// largest value is not valid UTF-8 (JSON would alter it). A missing Min/Max only costs pruning.
type ColumnStats struct {
	Name string `json:"name"`
	// Tag is the column's layout tag; statistics bind by tag, so a
	// renamed column keeps them (older manifests have none and bind by
	// name).
	Tag   int32 `json:"tag,omitempty"`
	Min   any   `json:"min,omitempty"`
	Max   any   `json:"max,omitempty"`
	Nulls int64 `json:"nulls"`
}

// Stats accumulates [ColumnStats] over the record batches of a full-width
// scan (every column, layout order), as runtime/flush writes them.
type Stats struct {
	t        *table
	min, max []Value
	has      []bool
	nulls    []int64
	noRange  []bool // a value that cannot be represented (±Inf) was seen
	rows     int64
	fast     bool // use addFast where it applies (false only in tests, as the reference)
}

// NewStats returns an empty accumulator for the provider's table.
func (p *Provider) NewStats() *Stats {
	n := len(p.t.cols)
	return &Stats{t: p.t, min: make([]Value, n), max: make([]Value, n), has: make([]bool, n), nulls: make([]int64, n), noRange: make([]bool, n), fast: true}
}

// Add folds one batch in. The batch must have every column in layout order.
func (s *Stats) Add(rec arrow.RecordBatch) error {
	if int(rec.NumCols()) != len(s.t.cols) {
		return fmt.Errorf("scan: %s: stats need every column (%d), the batch has %d", s.t.name, len(s.t.cols), rec.NumCols())
	}
	n := int(rec.NumRows())
	for c := range s.t.cols {
		col := &s.t.cols[c]
		a := rec.Column(c)
		if s.fast && s.addFast(c, col, a) {
			continue
		}
		for i := range n {
			v, err := arrowValue(col, a, i)
			if err != nil {
				return err
			}
			if v.Null {
				s.nulls[c]++
				continue
			}
			if col.typ == tFloat64 && (math.IsNaN(v.F) || math.IsInf(v.F, 0)) {
				s.noRange[c] = s.noRange[c] || math.IsInf(v.F, 0)
				continue
			}
			if !s.has[c] {
				s.has[c] = true
				s.min[c], s.max[c] = own(v), own(v)
				continue
			}
			if cmp, _ := compare(col.typ, v, s.min[c]); cmp < 0 {
				s.min[c] = own(v)
			}
			if cmp, _ := compare(col.typ, v, s.max[c]); cmp > 0 {
				s.max[c] = own(v)
			}
		}
	}
	s.rows += int64(n)
	return nil
}

// addFast folds in one column of a batch without going through a Value
// per row, for the array types a flush writes most: integers, timestamps,
// durations, floats, booleans and strings, and bytes and json columns,
// which only count nulls (they carry no range). It reports false for
// the others, which take the general path.
func (s *Stats) addFast(c int, col *column, a arrow.Array) bool {
	if ext, ok := a.(array.ExtensionArray); ok {
		a = ext.Storage()
	}
	if col.typ == tBytes || col.typ == tJSON {
		s.nulls[c] += int64(a.NullN())
		return true
	}
	switch x := a.(type) {
	case *array.Int64:
		if col.typ == tUint64 {
			return false
		}
		s.addInts(c, x, x.Int64Values())
	case *array.Int32:
		s.addInts(c, x, x.Int32Values())
	case *array.Timestamp:
		s.addInts(c, x, x.TimestampValues())
	case *array.Duration:
		s.addInts(c, x, x.DurationValues())
	case *array.Boolean:
		lo, hi, found := int64(1), int64(0), false
		for i := range x.Len() {
			if x.IsValid(i) {
				v := int64(0)
				if x.Value(i) {
					v = 1
				}
				lo, hi, found = min(lo, v), max(hi, v), true
			}
		}
		s.nulls[c] += int64(x.NullN())
		if found {
			s.merge(c, col, Value{I: lo}, Value{I: hi})
		}
	case *array.Float64:
		lo, hi, found := math.Inf(1), math.Inf(-1), false
		for i, v := range x.Float64Values() {
			if x.IsNull(i) || math.IsNaN(v) {
				continue
			}
			if math.IsInf(v, 0) {
				s.noRange[c] = true
				continue
			}
			lo, hi, found = min(lo, v), max(hi, v), true
		}
		s.nulls[c] += int64(x.NullN())
		if found {
			s.merge(c, col, Value{F: lo}, Value{F: hi})
		}
	case *array.String:
		if col.typ != tString {
			return false
		}
		lo, hi := -1, -1
		for i := range x.Len() {
			if x.IsNull(i) {
				continue
			}
			if lo < 0 {
				lo, hi = i, i
				continue
			}
			v := x.Value(i)
			if v < x.Value(lo) {
				lo = i
			}
			if v > x.Value(hi) {
				hi = i
			}
		}
		s.nulls[c] += int64(x.NullN())
		if lo >= 0 {
			s.merge(c, col, Value{B: []byte(x.Value(lo))}, Value{B: []byte(x.Value(hi))})
		}
	default:
		return false
	}
	return true
}

// intRange returns the range of the non-null values of an integer-like
// array.
func intRange[T ~int32 | ~int64](a arrow.Array, vals []T) (lo, hi int64, found bool) {
	for i, v := range vals {
		if a.IsNull(i) {
			continue
		}
		w := int64(v)
		if !found {
			lo, hi, found = w, w, true
			continue
		}
		lo, hi = min(lo, w), max(hi, w)
	}
	return lo, hi, found
}

// addInts folds in an integer-like array's nulls and range.
func (s *Stats) addInts(c int, a arrow.Array, vals any) {
	var lo, hi int64
	var found bool
	switch v := vals.(type) {
	case []int64:
		lo, hi, found = intRange(a, v)
	case []int32:
		lo, hi, found = intRange(a, v)
	case []arrow.Timestamp:
		lo, hi, found = intRange(a, v)
	case []arrow.Duration:
		lo, hi, found = intRange(a, v)
	}
	s.nulls[c] += int64(a.NullN())
	if found {
		s.merge(c, &s.t.cols[c], Value{I: lo}, Value{I: hi})
	}
}

// merge widens column c's range to cover [lo, hi]; both may alias Arrow
// buffers.
func (s *Stats) merge(c int, col *column, lo, hi Value) {
	if !s.has[c] {
		s.has[c] = true
		s.min[c], s.max[c] = own(lo), own(hi)
		return
	}
	if cmp, _ := compare(col.typ, lo, s.min[c]); cmp < 0 {
		s.min[c] = own(lo)
	}
	if cmp, _ := compare(col.typ, hi, s.max[c]); cmp > 0 {
		s.max[c] = own(hi)
	}
}

// own copies the bytes of v, which may alias an Arrow buffer.
func own(v Value) Value {
	v.B = bytes.Clone(v.B)
	return v
}

// Rows is the number of rows added.
func (s *Stats) Rows() int64 { return s.rows }

// Columns returns the statistics of every column, in layout order.
func (s *Stats) Columns() []ColumnStats {
	out := make([]ColumnStats, len(s.t.cols))
	for c := range s.t.cols {
		col := &s.t.cols[c]
		out[c] = ColumnStats{Name: col.Name, Tag: col.Tag, Nulls: s.nulls[c]}
		if s.has[c] && !s.noRange[c] {
			lo, okLo := literalOf(col, s.min[c])
			hi, okHi := literalOf(col, s.max[c])
			if okLo && okHi {
				out[c].Min, out[c].Max = lo, hi
			}
		}
	}
	return out
}

// literalOf renders a value in the literal form binding accepts, or false
// for types without one.
func literalOf(c *column, v Value) (any, bool) {
	switch c.typ {
	case tBool:
		return v.I != 0, true
	case tInt32, tInt64:
		return v.I, true
	case tUint64:
		return v.U, true
	case tFloat64:
		return v.F, true
	case tString:
		// JSON would replace invalid UTF-8, and the bound again would
		// be wrong: no range then.
		if !utf8.Valid(v.B) {
			return nil, false
		}
		return string(v.B), true
	case tEnum:
		if v.I < 0 || v.I >= int64(len(c.Values)) {
			return nil, false
		}
		return c.Values[v.I], true
	case tTimestamp:
		return time.UnixMicro(v.I).UTC().Format(time.RFC3339Nano), true
	case tDuration:
		if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
			return nil, false
		}
		return (time.Duration(v.I) * time.Microsecond).String(), true
	case tUUID:
		u, err := uuid.FromBytes(v.B)
		if err != nil {
			return nil, false
		}
		return u.String(), true
	case tDecimal:
		d := dec128.Num{Hi: v.I, Lo: v.U}.Decimal(c.Scale)
		return d.String(), true
	}
	return nil, false
}

// segStats is a segment's statistics bound to the table: per column, the
// range of its non-null values (when known) and its null count.
type segStats struct {
	rows     int64
	min, max []Value
	known    []bool // min and max are set
	nulls    []int64
	hasNulls []bool // the null count is known
}

// bindStats converts a manifest's column statistics into values of the
// columns' types. A statistic that does not bind (a column renamed or
// retyped since, a value out of range) is simply unknown: it can only cost
// pruning, never a row.
func (t *table) bindStats(rows int64, cs []ColumnStats) *segStats {
	n := len(t.cols)
	s := &segStats{rows: rows, min: make([]Value, n), max: make([]Value, n), known: make([]bool, n), nulls: make([]int64, n), hasNulls: make([]bool, n)}
	for _, c := range cs {
		i, ok := t.byTag[c.Tag]
		if c.Tag == 0 {
			i, ok = t.byName[c.Name]
		}
		if !ok {
			continue
		}
		col := &t.cols[i]
		s.nulls[i], s.hasNulls[i] = c.Nulls, true
		if c.Min == nil || c.Max == nil || col.typ == tBytes || col.typ == tJSON {
			continue
		}
		lo, err1 := t.literal(col, jsonLiteral(c.Min), 0)
		hi, err2 := t.literal(col, jsonLiteral(c.Max), 0)
		if err1 == nil && err2 == nil {
			s.min[i], s.max[i], s.known[i] = lo, hi, true
		}
	}
	return s
}

// jsonLiteral turns a value decoded from JSON into a literal binding takes:
// numbers (json.Number or float64 from encoding/json) become Number so
// int64 values keep every digit.
func jsonLiteral(v any) any {
	switch x := v.(type) {
	case json.Number:
		return Number(x.String())
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return Number(fmt.Sprintf("%.0f", x))
		}
		return x
	case int64, uint64, int, bool, string:
		return x
	}
	return v
}

// mayMatch reports whether some row of a segment with statistics s could
// satisfy n. It is conservative: false only when no row can.
func (n *node) mayMatch(s *segStats) bool {
	if n == nil {
		return true
	}
	switch n.kind {
	case nAnd:
		return n.kids[0].mayMatch(s) && n.kids[1].mayMatch(s)
	case nOr:
		return n.kids[0].mayMatch(s) || n.kids[1].mayMatch(s)
	case nNot:
		return true
	case nIsNull:
		return !s.hasNulls[n.col] || s.nulls[n.col] > 0
	case nNotNull:
		return !s.hasNulls[n.col] || s.nulls[n.col] < s.rows
	}
	if s.hasNulls[n.col] && s.nulls[n.col] >= s.rows {
		return false // every value is NULL: comparisons are UNKNOWN
	}
	if !s.known[n.col] {
		return true
	}
	lo, hi := s.min[n.col], s.max[n.col]
	within := func(v Value) bool {
		a, ok1 := compare(n.typ, lo, v)
		b, ok2 := compare(n.typ, v, hi)
		return !ok1 || !ok2 || (a <= 0 && b <= 0)
	}
	switch n.kind {
	case nCmp:
		var c int
		var ok bool
		switch n.op {
		case OpEq:
			return within(n.lit)
		case OpLt:
			c, ok = compare(n.typ, lo, n.lit)
			return !ok || c < 0
		case OpLe:
			c, ok = compare(n.typ, lo, n.lit)
			return !ok || c <= 0
		case OpGt:
			c, ok = compare(n.typ, hi, n.lit)
			return !ok || c > 0
		case OpGe:
			c, ok = compare(n.typ, hi, n.lit)
			return !ok || c >= 0
		}
		return true
	case nIn:
		return slices.ContainsFunc(n.lits, within)
	case nPrefix:
		if bytes.Compare(hi.B, n.lit.B) < 0 && !bytes.HasPrefix(hi.B, n.lit.B) {
			return false // every value sorts before the prefix
		}
		if end := keyenc.PrefixEnd(n.lit.B); end != nil && bytes.Compare(lo.B, end) >= 0 {
			return false // every value sorts after every string with the prefix
		}
		return true
	}
	return true
}

// arrowValue reads row i of an Arrow array of column c as a Value. It
// accepts the types this package builds and the ones a Parquet reader hands
// back for them (extension types or their storage); B aliases the array.
func arrowValue(c *column, a arrow.Array, i int) (Value, error) {
	if a.IsNull(i) {
		return Value{Null: true}, nil
	}
	switch x := a.(type) {
	case *array.Boolean:
		if x.Value(i) {
			return Value{I: 1}, nil
		}
		return Value{}, nil
	case *array.Int32:
		return Value{I: int64(x.Value(i))}, nil
	case *array.Int64:
		if c.typ == tUint64 {
			return Value{U: uint64(x.Value(i))}, nil
		}
		return Value{I: x.Value(i)}, nil
	case *array.Uint64:
		return Value{U: x.Value(i)}, nil
	case *array.Float64:
		return Value{F: x.Value(i)}, nil
	case *array.Timestamp:
		return Value{I: int64(x.Value(i))}, nil
	case *array.Duration:
		return Value{I: int64(x.Value(i))}, nil
	case *array.Binary:
		return Value{B: x.Value(i)}, nil
	case *array.FixedSizeBinary:
		return Value{B: x.Value(i)}, nil
	case *array.String:
		off := x.ValueOffsets()
		b := x.ValueBytes()
		v := Value{B: b[off[i]-off[0] : off[i+1]-off[0]]}
		if c.typ == tEnum {
			return enumValue(c, v.B)
		}
		return v, nil
	case *array.Decimal128:
		dt, _ := x.DataType().(*arrow.Decimal128Type)
		n := dec128.Num{Hi: x.Value(i).HighBits(), Lo: x.Value(i).LowBits()}
		if c.typ != tDecimal || dt == nil || dt.Scale != c.Scale || !n.Fits(c.Precision) {
			return Value{}, fmt.Errorf("column %s (%s decimal(%d,%d)): Parquet value %s of type %s does not fit the column: %w", c.Name, c.Type, c.Precision, c.Scale, x.ValueStr(i), x.DataType(), rowenc.ErrCorrupt)
		}
		return Value{I: n.Hi, U: n.Lo}, nil
	case array.ExtensionArray:
		return arrowValue(c, x.Storage(), i)
	}
	return Value{}, fmt.Errorf("column %s (%s): unexpected Arrow array %s: %w", c.Name, c.Type, a.DataType(), rowenc.ErrCorrupt)
}

func enumValue(c *column, name []byte) (Value, error) {
	for j, v := range c.Values {
		if v == string(name) {
			return Value{I: int64(j)}, nil
		}
	}
	return Value{}, fmt.Errorf("enum column %s: value %q is not one of %v: %w", c.Name, name, c.Values, rowenc.ErrCorrupt)
}
