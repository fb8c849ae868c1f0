package scan

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// Access is how a plan reaches the rows.
type Access uint8

// The access paths, from cheapest to most expensive per matching row.
const (
	// FullScan reads every row of the table (or of the owner's scope).
	FullScan Access = iota + 1
	// KeyRange reads the rows whose primary key lies in [Start, End).
	KeyRange
	// IndexRange reads the index entries in [Start, End) and looks each row
	// up by primary key in the same snapshot.
	IndexRange
)

func (a Access) String() string {
	switch a {
	case FullScan:
		return "full scan"
	case KeyRange:
		return "key range"
	case IndexRange:
		return "index range"
	}
	return fmt.Sprintf("Access(%d)", uint8(a))
}

// Plan is what a scan will do for a filter: the Pebble key range it reads,
// through which index, and which part of the filter it still evaluates on
// each decoded row. Predicates a key range guarantees (equality on leading
// key columns, one range on the next) are not evaluated again; an index scan
// re-checks the whole filter on each row it resolves, because an index entry
// is only a pointer until its row confirms it. IN lists, OR, NOT, !=, LIKE
// and IS NULL are never turned into ranges: they stay in the residual.
type Plan struct {
	Access Access
	Index  string // index name for IndexRange
	// Start and End bound the Pebble keys read, [Start, End): full keys
	// including the keyspace byte, table (and index) id and scope.
	Start, End []byte
	// Used are the predicates the range implements, in key column order.
	Used []Expr
	// Residual is the rest of the filter, evaluated per row; nil if none.
	Residual Expr
	// Empty is set when the bounds contradict each other: no row is read.
	Empty bool

	index    *index
	residual *node
}

// String renders the plan for humans and golden tests.
func (p *Plan) String() string {
	var b strings.Builder
	b.WriteString(p.Access.String())
	if p.Index != "" {
		b.WriteString(" " + p.Index)
	}
	if p.Empty {
		b.WriteString(" (empty: the bounds contradict each other)")
	}
	b.WriteByte('\n')
	for _, u := range p.Used {
		fmt.Fprintf(&b, "  use:      %s\n", u)
	}
	fmt.Fprintf(&b, "  start:    %s\n", hexKey(p.Start))
	fmt.Fprintf(&b, "  end:      %s\n", hexKey(p.End))
	if p.Residual != nil {
		fmt.Fprintf(&b, "  residual: %s\n", p.Residual)
	}
	return b.String()
}

func hexKey(k []byte) string {
	if k == nil {
		return "∞"
	}
	return hex.EncodeToString(k)
}

// path is a candidate access path: the primary key or one index.
type path struct {
	access Access
	index  *index
	cols   []int
	desc   []bool
	header []byte
}

type candidate struct {
	path   path
	score  int
	used   []*node
	start  []byte
	end    []byte
	usedBy map[*node]bool
}

func (t *table) plan(scope []byte, f *node) *Plan {
	conj := conjuncts(f, nil)
	header := append(store.RowPrefix(t.layout.ID), scope...)
	full := &Plan{Access: FullScan, Start: header, End: keyenc.PrefixEnd(header), residual: f}
	if f != nil {
		full.Residual = f.src
	}
	if t.isUser() && scope == nil {
		return full
	}
	paths := []path{{access: KeyRange, cols: t.key, desc: t.keyDesc, header: header}}
	for i := range t.indexes {
		ix := &t.indexes[i]
		paths = append(paths, path{
			access: IndexRange, index: ix, cols: ix.cols, desc: make([]bool, len(ix.cols)),
			header: append(store.IndexPrefix(t.layout.ID, ix.ID), scope...),
		})
	}
	var best *candidate
	for _, p := range paths {
		c := t.match(p, conj)
		if c.score > 0 && (best == nil || c.score > best.score) {
			best = c
		}
	}
	if best == nil {
		return full
	}
	plan := &Plan{Access: best.path.access, Start: best.start, End: best.end, index: best.path.index}
	if best.path.index != nil {
		plan.Index = best.path.index.Name
	}
	for _, u := range best.used {
		plan.Used = append(plan.Used, u.src)
	}
	var rest []*node
	for _, c := range conj {
		if !best.usedBy[c] {
			rest = append(rest, c)
		}
	}
	plan.residual = andAll(rest)
	if plan.residual != nil {
		plan.Residual = plan.residual.src
	}
	if plan.End != nil && bytes.Compare(plan.Start, plan.End) >= 0 {
		plan.Empty = true
	}
	return plan
}

// match finds how much of path p the conjuncts pin down: equalities on its
// leading columns, then at most one lower and one upper bound on the next.
// Score: 2 per equality, 1 for a range, so an index whose leading columns
// are all fixed beats a key range on fewer columns, and ties go to the
// primary key (no second lookup per row).
func (t *table) match(p path, conj []*node) *candidate {
	c := &candidate{path: p, usedBy: map[*node]bool{}}
	prefix := append([]byte(nil), p.header...)
	var i int
	for i = 0; i < len(p.cols); i++ {
		eq := find(conj, c.usedBy, func(n *node) bool { return n.kind == nCmp && n.col == p.cols[i] && n.op == OpEq })
		if eq == nil {
			break
		}
		prefix = appendKey(prefix, eq.typ, eq.lit, p.desc[i])
		c.used = append(c.used, eq)
		c.usedBy[eq] = true
		c.score += 2
	}
	c.start, c.end = prefix, keyenc.PrefixEnd(prefix)
	if i == len(p.cols) {
		return c
	}
	col, desc := p.cols[i], p.desc[i]
	lower := find(conj, c.usedBy, func(n *node) bool {
		return n.kind == nCmp && n.col == col && (n.op == OpGt || n.op == OpGe)
	})
	upper := find(conj, c.usedBy, func(n *node) bool {
		return n.kind == nCmp && n.col == col && (n.op == OpLt || n.op == OpLe)
	})
	for _, n := range []*node{lower, upper} {
		if n == nil {
			continue
		}
		c.used = append(c.used, n)
		c.usedBy[n] = true
		e := appendKey(append([]byte(nil), prefix...), n.typ, n.lit, desc)
		after := keyenc.PrefixEnd(e) // first key past every key whose column equals the literal
		// On a descending column larger values sort first, so > and <
		// bound the opposite ends.
		op := n.op
		if desc {
			op = map[Op]Op{OpGt: OpLt, OpGe: OpLe, OpLt: OpGt, OpLe: OpGe}[op]
		}
		switch op {
		case OpGt:
			c.start = after
		case OpGe:
			c.start = e
		case OpLt:
			c.end = e
		case OpLe:
			c.end = after
		}
	}
	if lower != nil || upper != nil {
		c.score++
	}
	return c
}

func find(conj []*node, used map[*node]bool, ok func(*node) bool) *node {
	for _, n := range conj {
		if !used[n] && ok(n) {
			return n
		}
	}
	return nil
}

// conjuncts flattens the top-level ANDs of f.
func conjuncts(f *node, dst []*node) []*node {
	if f == nil {
		return dst
	}
	if f.kind == nAnd {
		return conjuncts(f.kids[1], conjuncts(f.kids[0], dst))
	}
	return append(dst, f)
}

func andAll(ns []*node) *node {
	if len(ns) == 0 {
		return nil
	}
	acc := ns[0]
	for _, n := range ns[1:] {
		acc = &node{kind: nAnd, kids: []*node{acc, n}, src: &And{L: acc.src, R: n.src}}
	}
	return acc
}

// appendKey encodes one bound literal with the key encoding of its type.
func appendKey(dst []byte, t colType, v Value, desc bool) []byte {
	switch t {
	case tBool:
		if desc {
			return keyenc.AppendBoolDesc(dst, v.I != 0)
		}
		return keyenc.AppendBool(dst, v.I != 0)
	case tInt32:
		if desc {
			return keyenc.AppendInt32Desc(dst, int32(v.I))
		}
		return keyenc.AppendInt32(dst, int32(v.I))
	case tInt64:
		if desc {
			return keyenc.AppendInt64Desc(dst, v.I)
		}
		return keyenc.AppendInt64(dst, v.I)
	case tUint64:
		if desc {
			return keyenc.AppendUint64Desc(dst, v.U)
		}
		return keyenc.AppendUint64(dst, v.U)
	case tString:
		if desc {
			return keyenc.AppendStringDesc(dst, string(v.B))
		}
		return keyenc.AppendString(dst, string(v.B))
	case tBytes:
		if desc {
			return keyenc.AppendBytesDesc(dst, v.B)
		}
		return keyenc.AppendBytes(dst, v.B)
	case tTimestamp:
		ts := time.UnixMicro(v.I).UTC()
		if desc {
			return keyenc.AppendTimestampDesc(dst, ts)
		}
		return keyenc.AppendTimestamp(dst, ts)
	case tDuration:
		d := time.Duration(v.I) * time.Microsecond
		if desc {
			return keyenc.AppendDurationDesc(dst, d)
		}
		return keyenc.AppendDuration(dst, d)
	case tUUID:
		var u [16]byte
		copy(u[:], v.B)
		if desc {
			return keyenc.AppendUUIDDesc(dst, u)
		}
		return keyenc.AppendUUID(dst, u)
	case tEnum:
		if desc {
			return keyenc.AppendEnumDesc(dst, int32(v.I))
		}
		return keyenc.AppendEnum(dst, int32(v.I))
	case tDecimal:
		// The key is the unscaled integer whatever the column's scale, so
		// encode it as decimal(38,0), which holds every stored one.
		d := dec128.Num{Hi: v.I, Lo: v.U}.Decimal(0)
		if desc {
			return keyenc.AppendDecimalDesc(dst, d, dec128.MaxPrecision, 0)
		}
		return keyenc.AppendDecimal(dst, d, dec128.MaxPrecision, 0)
	}
	return dst
}
