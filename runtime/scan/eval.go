package scan

import (
	"bytes"
	"cmp"
)

// truth is a value of SQL's three-valued logic.
type truth uint8

const (
	tFalse truth = iota
	tUnknown
	tTrue
)

// valuer gives a filter the current row's column values.
type valuer interface {
	Value(col int) Value
}

// eval evaluates the bound filter on one row (see the package doc for the
// NULL rules). A nil filter matches every row.
func (n *node) eval(r valuer) truth {
	if n == nil {
		return tTrue
	}
	switch n.kind {
	case nAnd:
		a := n.kids[0].eval(r)
		if a == tFalse {
			return tFalse
		}
		return min(a, n.kids[1].eval(r))
	case nOr:
		a := n.kids[0].eval(r)
		if a == tTrue {
			return tTrue
		}
		return max(a, n.kids[1].eval(r))
	case nNot:
		return tTrue - n.kids[0].eval(r)
	}
	v := r.Value(n.col)
	switch n.kind {
	case nIsNull:
		return boolTruth(v.Null)
	case nNotNull:
		return boolTruth(!v.Null)
	}
	if v.Null {
		return tUnknown
	}
	switch n.kind {
	case nCmp:
		c, ordered := compare(n.typ, v, n.lit)
		if !ordered {
			return boolTruth(n.op == OpNe)
		}
		switch n.op {
		case OpEq:
			return boolTruth(c == 0)
		case OpNe:
			return boolTruth(c != 0)
		case OpLt:
			return boolTruth(c < 0)
		case OpLe:
			return boolTruth(c <= 0)
		case OpGt:
			return boolTruth(c > 0)
		case OpGe:
			return boolTruth(c >= 0)
		}
	case nIn:
		for _, l := range n.lits {
			if c, ok := compare(n.typ, v, l); ok && c == 0 {
				return tTrue
			}
		}
		return tFalse
	case nPrefix:
		return boolTruth(bytes.HasPrefix(v.B, n.lit.B))
	}
	return tUnknown
}

func boolTruth(b bool) truth {
	if b {
		return tTrue
	}
	return tFalse
}

// compare orders two non-null values of one column type. ordered is false
// when they are unordered (a float64 NaN on either side).
func compare(t colType, a, b Value) (c int, ordered bool) {
	switch t {
	case tUint64:
		return cmp.Compare(a.U, b.U), true
	case tFloat64:
		if a.F != a.F || b.F != b.F {
			return 0, false
		}
		return cmp.Compare(a.F, b.F), true
	case tString, tBytes, tUUID, tJSON:
		return bytes.Compare(a.B, b.B), true
	case tDecimal:
		if c := cmp.Compare(a.I, b.I); c != 0 {
			return c, true
		}
		return cmp.Compare(a.U, b.U), true
	}
	return cmp.Compare(a.I, b.I), true
}
