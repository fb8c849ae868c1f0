package scan

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Expr is a filter over one table's columns. It is a closed set of small
// structs ([Cmp], [In], [IsNull], [Prefix], [And], [Or], [Not]) rather than
// an interpreter-friendly opaque tree so that callers (generated code, the
// --where parser, a query engine adapter) build it with plain literals, and
// the planner can recognise key and index predicates by pattern.
//
// Literals are Go values; binding converts them to the column's type:
//
//	bool        bool
//	int32/int64 any Go integer, or Number; range-checked
//	uint64      any Go integer ≥ 0, or Number
//	float64     float64, any Go integer, or Number
//	string      string
//	bytes       []byte or string
//	timestamp   time.Time or an RFC 3339 string; microsecond precision
//	duration    time.Duration or a Go duration string ("1h30m"); microseconds
//	uuid        [16]byte, uuid.UUID or its text form
//	enum        the value's name as a string
//	json        no literals: only IS [NOT] NULL
//
// Pos fields are optional 1-based byte offsets into the text the expression
// was parsed from; errors report them so a parser can point at the token.
type Expr interface {
	String() string
	isExpr()
}

// Op is a comparison operator.
type Op uint8

// The comparison operators.
const (
	OpEq Op = iota + 1
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
)

func (o Op) String() string {
	switch o {
	case OpEq:
		return "="
	case OpNe:
		return "!="
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Number is a numeric literal kept as its source text, so that binding can
// parse it exactly for the column's type (an int64 never goes through a
// float64) and report overflow instead of rounding.
type Number string

// Cmp is `Column Op Value`.
type Cmp struct {
	Column   string
	Op       Op
	Value    any
	Pos      int // of the column name
	ValuePos int // of the literal
}

// In is `Column IN (Values...)`; an empty list matches no row.
type In struct {
	Column   string
	Values   []any
	Pos      int
	ValuePos []int // per value; may be nil
}

// IsNull is `Column IS NULL`, or `Column IS NOT NULL` when Not is set.
type IsNull struct {
	Column string
	Not    bool
	Pos    int
}

// Prefix is a string prefix test, what SQL writes as `Column LIKE 'abc%'`.
type Prefix struct {
	Column   string
	Prefix   string
	Pos      int
	ValuePos int
}

// And is true when both sides are.
type And struct{ L, R Expr }

// Or is true when either side is.
type Or struct{ L, R Expr }

// Not negates X (NOT UNKNOWN stays UNKNOWN).
type Not struct{ X Expr }

func (*Cmp) isExpr()    {}
func (*In) isExpr()     {}
func (*IsNull) isExpr() {}
func (*Prefix) isExpr() {}
func (*And) isExpr()    {}
func (*Or) isExpr()     {}
func (*Not) isExpr()    {}

func (e *Cmp) String() string {
	return ident(e.Column) + " " + e.Op.String() + " " + formatLiteral(e.Value)
}

func (e *In) String() string {
	parts := make([]string, len(e.Values))
	for i, v := range e.Values {
		parts[i] = formatLiteral(v)
	}
	return ident(e.Column) + " IN (" + strings.Join(parts, ", ") + ")"
}

func (e *IsNull) String() string {
	if e.Not {
		return ident(e.Column) + " IS NOT NULL"
	}
	return ident(e.Column) + " IS NULL"
}

func (e *Prefix) String() string {
	var b strings.Builder
	for _, r := range e.Prefix {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return ident(e.Column) + " LIKE " + quote(b.String()+"%")
}

func (e *And) String() string { return paren(e.L, true) + " AND " + paren(e.R, true) }
func (e *Or) String() string  { return e.L.String() + " OR " + e.R.String() }
func (e *Not) String() string { return "NOT " + paren(e.X, false) }

// paren wraps a sub-expression in parentheses when printing it bare would
// change its meaning (an OR inside AND, any AND/OR inside NOT), so String
// round-trips through the --where parser.
func paren(e Expr, inAnd bool) string {
	switch e.(type) {
	case *Or:
		return "(" + e.String() + ")"
	case *And:
		if !inAnd {
			return "(" + e.String() + ")"
		}
	}
	return e.String()
}

// formatLiteral renders a literal the way the --where language writes it, for
// String and for error messages.
func formatLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case Number:
		return string(x)
	case string:
		return quote(x)
	case []byte:
		return quote(string(x))
	case time.Time:
		return quote(x.UTC().Format(time.RFC3339Nano))
	case time.Duration:
		return quote(x.String())
	case [16]byte:
		return quote(uuid.UUID(x).String())
	case uuid.UUID:
		return quote(x.String())
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	}
	return fmt.Sprintf("<%T %s>", v, hex.EncodeToString([]byte(fmt.Sprint(v))))
}

// keywords of the --where language; a column named like one is quoted.
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true,
	"NULL": true, "LIKE": true, "TRUE": true, "FALSE": true,
}

// ident renders a column name, double-quoted unless it is a plain
// identifier that is not a keyword.
func ident(name string) string {
	plain := name != "" && !keywords[strings.ToUpper(name)]
	for i, r := range name {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			plain = false
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
