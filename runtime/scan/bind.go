package scan

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/decimal"
	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/layout"
)

// ExprError is a filter that does not fit the table: an unknown column, a
// literal of the wrong type, an operator the column's type does not support.
// Pos is the 1-based byte offset of the offending token in the text the
// filter was parsed from (0 when the filter was built in Go).
type ExprError struct {
	Pos int
	Msg string
}

func (e *ExprError) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("offset %d: %s", e.Pos, e.Msg)
	}
	return e.Msg
}

// Value is one decoded column value, in the form filters compare and row
// sources hand over. Which field holds the value depends on the column type:
//
//	I: bool (0/1), int32, int64, timestamp (µs since epoch), duration (µs), enum ordinal
//	U: uint64
//	F: float64
//	B: string, bytes, uuid (16 bytes), json
//
// B may alias a row source's buffer; it is valid until the source loads the
// next row.
type Value struct {
	Null bool
	I    int64
	U    uint64
	F    float64
	B    []byte
}

// kind of a bound node.
type nodeKind uint8

const (
	nCmp nodeKind = iota + 1
	nIn
	nIsNull
	nNotNull
	nPrefix
	nAnd
	nOr
	nNot
)

// node is a filter bound to a table: columns resolved to positions,
// literals converted to the column type.
type node struct {
	kind nodeKind
	col  int
	typ  colType
	op   Op
	lit  Value
	lits []Value
	kids []*node
	src  Expr
}

// bind resolves e against t. It never panics on any Expr, including nil
// sub-expressions.
func (t *table) bind(e Expr) (*node, error) {
	switch x := e.(type) {
	case *Cmp:
		c, err := t.lookup(x.Column, x.Pos)
		if err != nil {
			return nil, err
		}
		col := &t.cols[c]
		if x.Op < OpEq || x.Op > OpGe {
			return nil, &ExprError{x.Pos, fmt.Sprintf("unknown comparison operator %v on column %q", x.Op, x.Column)}
		}
		if col.typ == tJSON {
			return nil, &ExprError{x.Pos, fmt.Sprintf("column %q is json: it can only be tested with IS [NOT] NULL", col.Name)}
		}
		v, err := t.literal(col, x.Value, x.ValuePos)
		if err != nil {
			return nil, err
		}
		return &node{kind: nCmp, col: c, typ: col.typ, op: x.Op, lit: v, src: e}, nil
	case *In:
		c, err := t.lookup(x.Column, x.Pos)
		if err != nil {
			return nil, err
		}
		col := &t.cols[c]
		if col.typ == tJSON {
			return nil, &ExprError{x.Pos, fmt.Sprintf("column %q is json: it can only be tested with IS [NOT] NULL", col.Name)}
		}
		n := &node{kind: nIn, col: c, typ: col.typ, src: e}
		for i, lit := range x.Values {
			pos := x.Pos
			if i < len(x.ValuePos) {
				pos = x.ValuePos[i]
			}
			v, err := t.literal(col, lit, pos)
			if err != nil {
				return nil, err
			}
			n.lits = append(n.lits, v)
		}
		return n, nil
	case *IsNull:
		c, err := t.lookup(x.Column, x.Pos)
		if err != nil {
			return nil, err
		}
		k := nIsNull
		if x.Not {
			k = nNotNull
		}
		return &node{kind: k, col: c, typ: t.cols[c].typ, src: e}, nil
	case *Prefix:
		c, err := t.lookup(x.Column, x.Pos)
		if err != nil {
			return nil, err
		}
		col := &t.cols[c]
		if col.typ != tString {
			return nil, &ExprError{x.Pos, fmt.Sprintf("LIKE needs a string column; %q is %s", col.Name, col.describe())}
		}
		return &node{kind: nPrefix, col: c, typ: col.typ, lit: Value{B: []byte(x.Prefix)}, src: e}, nil
	case *And:
		return t.bindPair(nAnd, e, x.L, x.R)
	case *Or:
		return t.bindPair(nOr, e, x.L, x.R)
	case *Not:
		k, err := t.bind(x.X)
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, kids: []*node{k}, src: e}, nil
	case nil:
		return nil, &ExprError{0, "empty filter expression (nil Expr)"}
	}
	return nil, &ExprError{0, fmt.Sprintf("unsupported filter expression %T", e)}
}

func (t *table) bindPair(k nodeKind, e, l, r Expr) (*node, error) {
	a, err := t.bind(l)
	if err != nil {
		return nil, err
	}
	b, err := t.bind(r)
	if err != nil {
		return nil, err
	}
	return &node{kind: k, kids: []*node{a, b}, src: e}, nil
}

func (t *table) lookup(name string, pos int) (int, error) {
	if i, ok := t.byName[name]; ok {
		return i, nil
	}
	msg := fmt.Sprintf("unknown column %q", name)
	if s := t.suggest(name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		names := make([]string, len(t.cols))
		for i, c := range t.cols {
			names[i] = c.Name
		}
		msg += fmt.Sprintf(" in %s; columns are %s", t.name, strings.Join(names, ", "))
	}
	return 0, &ExprError{pos, msg}
}

// suggest returns the column name closest to name by edit distance, if it is
// close enough to be a plausible typo (at most a third of the name).
func (t *table) suggest(name string) string {
	best, bestD := "", len(name)/3+1
	for _, c := range t.cols {
		if d := editDistance(name, c.Name); d < bestD {
			best, bestD = c.Name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// literal converts a Go literal to the column's Value (see [Expr] for what
// each type accepts).
func (t *table) literal(col *column, lit any, pos int) (Value, error) {
	bad := func(why string) (Value, error) {
		return Value{}, &ExprError{pos, fmt.Sprintf("literal %s does not fit column %q (%s): %s", formatLiteral(lit), col.Name, col.describe(), why)}
	}
	if lit == nil {
		return Value{}, &ExprError{pos, fmt.Sprintf("NULL cannot be compared with column %q (the result is always unknown); use %s IS NULL or IS NOT NULL", col.Name, col.Name)}
	}
	switch col.typ {
	case tBool:
		if b, ok := lit.(bool); ok {
			if b {
				return Value{I: 1}, nil
			}
			return Value{}, nil
		}
		return bad("want TRUE or FALSE")
	case tInt32, tInt64:
		bits := 64
		if col.typ == tInt32 {
			bits = 32
		}
		n, ok := integer(lit)
		if !ok {
			return bad("want an integer")
		}
		lo, hi := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
		if bits == 32 {
			lo, hi = big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32)
		}
		if n.Cmp(lo) < 0 || n.Cmp(hi) > 0 {
			return bad(fmt.Sprintf("out of range for int%d", bits))
		}
		return Value{I: n.Int64()}, nil
	case tUint64:
		n, ok := integer(lit)
		if !ok {
			return bad("want a non-negative integer")
		}
		if n.Sign() < 0 || !n.IsUint64() {
			return bad("out of range for uint64")
		}
		return Value{U: n.Uint64()}, nil
	case tFloat64:
		switch x := lit.(type) {
		case float64:
			return Value{F: x}, nil
		case Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return bad("not a valid float64")
			}
			return Value{F: f}, nil
		}
		if n, ok := integer(lit); ok {
			f, _ := new(big.Float).SetInt(n).Float64()
			return Value{F: f}, nil
		}
		return bad("want a number")
	case tString:
		if s, ok := lit.(string); ok {
			return Value{B: []byte(s)}, nil
		}
		return bad("want a quoted string")
	case tBytes:
		switch x := lit.(type) {
		case string:
			return Value{B: []byte(x)}, nil
		case []byte:
			return Value{B: append([]byte{}, x...)}, nil
		}
		return bad("want a quoted string or []byte")
	case tTimestamp:
		var ts time.Time
		switch x := lit.(type) {
		case time.Time:
			ts = x
		case string:
			p, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return bad("want an RFC 3339 timestamp such as '2026-01-01T00:00:00Z'")
			}
			ts = p
		default:
			return bad("want an RFC 3339 timestamp such as '2026-01-01T00:00:00Z'")
		}
		if ts.Nanosecond()%1000 != 0 {
			return bad("sub-microsecond precision; the column stores microseconds")
		}
		if ts.Year() < -290000 || ts.Year() > 290000 {
			return bad("out of the int64 microsecond range")
		}
		return Value{I: ts.UnixMicro()}, nil
	case tDuration:
		var d time.Duration
		switch x := lit.(type) {
		case time.Duration:
			d = x
		case string:
			p, err := time.ParseDuration(x)
			if err != nil {
				return bad("want a Go duration such as '1h30m' or '250ms'")
			}
			d = p
		default:
			return bad("want a Go duration such as '1h30m' or '250ms'")
		}
		if d%time.Microsecond != 0 {
			return bad("sub-microsecond precision; the column stores microseconds")
		}
		return Value{I: d.Microseconds()}, nil
	case tUUID:
		switch x := lit.(type) {
		case [16]byte:
			return Value{B: append([]byte{}, x[:]...)}, nil
		case uuid.UUID:
			return Value{B: append([]byte{}, x[:]...)}, nil
		case string:
			u, err := uuid.Parse(x)
			if err != nil {
				return bad("want a UUID such as '123e4567-e89b-12d3-a456-426614174000'")
			}
			return Value{B: append([]byte{}, u[:]...)}, nil
		}
		return bad("want a UUID string")
	case tDecimal:
		var d *apd.Decimal
		switch x := lit.(type) {
		case decimal.Decimal:
			d = &x.Decimal
		case apd.Decimal:
			d = &x
		case *apd.Decimal:
			d = x
		case Number:
			d, _, _ = apd.NewFromString(string(x))
		case string:
			d, _, _ = apd.NewFromString(x)
		default:
			if n, ok := integer(lit); ok {
				d = apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(n), 0)
			}
		}
		if d == nil {
			return bad("want a decimal number such as 12.50 or '12.50'")
		}
		n, err := dec128.FromDecimal(d, col.Precision, col.Scale)
		if err != nil {
			// "V does not fit decimal(p,s): why": the message names both already.
			_, why, _ := strings.Cut(err.Error(), ": ")
			return bad(why)
		}
		return Value{I: n.Hi, U: n.Lo}, nil
	case tEnum:
		s, ok := lit.(string)
		if !ok {
			return bad(fmt.Sprintf("want one of the names %s", strings.Join(col.Values, ", ")))
		}
		for i, v := range col.Values {
			if v == s {
				return Value{I: int64(i)}, nil
			}
		}
		return bad(fmt.Sprintf("not a value of the enum; want one of %s", strings.Join(col.Values, ", ")))
	}
	return bad("the column's type has no literals; use IS [NOT] NULL")
}

// integer converts Go integers and integral Numbers to a big.Int, so range
// checks are exact for every width.
func integer(lit any) (*big.Int, bool) {
	switch x := lit.(type) {
	case Number:
		n, ok := new(big.Int).SetString(string(x), 10)
		return n, ok
	case int:
		return big.NewInt(int64(x)), true
	case int8:
		return big.NewInt(int64(x)), true
	case int16:
		return big.NewInt(int64(x)), true
	case int32:
		return big.NewInt(int64(x)), true
	case int64:
		return big.NewInt(x), true
	case uint:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint8:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint16:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint32:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint64:
		return new(big.Int).SetUint64(x), true
	}
	return nil, false
}

// columns adds the positions of every column n reads to set.
func (n *node) columns(set []bool) {
	if n == nil {
		return
	}
	if n.kind != nAnd && n.kind != nOr && n.kind != nNot {
		set[n.col] = true
	}
	for _, k := range n.kids {
		k.columns(set)
	}
}

// Check binds filter to the table described by l without scanning: it
// returns nil, or the first problem as an *ExprError (unknown column, wrong
// literal type, unsupported operator) so tools can validate user input
// before opening a database.
func Check(l *layout.Table, filter Expr) error {
	t, err := newTable(l)
	if err != nil {
		return err
	}
	_, err = t.bind(filter)
	return err
}
