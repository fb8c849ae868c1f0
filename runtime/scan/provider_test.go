package scan_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/scan"
)

var colNames = func() []string {
	l := peopleLayout(1)
	out := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		out[i] = c.Name
	}
	return out
}()

// Small domains so that random filters hit rows and keys collide.
var (
	tenants = []string{"", "a", "ab", "a\x00", "b"}
	emails  = []string{"", "a", "al@x", "alice@x", "bob@y", "b"}
	epoch   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func genTime() *rapid.Generator[time.Time] {
	return rapid.Custom(func(t *rapid.T) time.Time {
		if rapid.Bool().Draw(t, "epoch0") {
			return time.UnixMicro(0).UTC()
		}
		return epoch.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, "days")) * 24 * time.Hour).
			Add(time.Duration(rapid.Int64Range(-2, 2).Draw(t, "us")) * time.Microsecond)
	})
}

func genUUID() *rapid.Generator[[16]byte] {
	return rapid.Custom(func(t *rapid.T) [16]byte {
		var u [16]byte
		u[0] = byte(rapid.IntRange(0, 5).Draw(t, "u0"))
		u[15] = byte(rapid.IntRange(0, 255).Draw(t, "u15"))
		return u
	})
}

func orNull[T any](t *rapid.T, g *rapid.Generator[T], label string) any {
	if rapid.IntRange(0, 3).Draw(t, label+"Null") == 0 {
		return nil
	}
	return g.Draw(t, label)
}

func genRow() *rapid.Generator[row] {
	return rapid.Custom(func(t *rapid.T) row {
		var r row
		r[cTenant] = rapid.SampledFrom(tenants).Draw(t, "tenant")
		r[cSeq] = rapid.OneOf(rapid.Int64Range(-3, 3), rapid.Int64()).Draw(t, "seq")
		r[cRole] = int32(rapid.IntRange(0, len(roles)-1).Draw(t, "role"))
		r[cEmail] = orNull(t, rapid.SampledFrom(emails), "email")
		r[cAge] = orNull(t, rapid.OneOf(rapid.Int32Range(-2, 2), rapid.Int32()), "age")
		r[cScore] = orNull(t, rapid.OneOf(rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1.5, -2, math.NaN(), math.Inf(1)}), rapid.Float64()), "score")
		r[cActive] = rapid.Bool().Draw(t, "active")
		r[cCreated] = genTime().Draw(t, "created")
		r[cTTL] = orNull(t, rapid.SampledFrom([]time.Duration{0, time.Second, -time.Minute, 90 * time.Minute}), "ttl")
		r[cUID] = orNull(t, genUUID(), "uid")
		r[cPayload] = orNull(t, rapid.SliceOfN(rapid.Byte(), 0, 4), "payload")
		if r[cPayload] != nil && r[cPayload].([]byte) == nil {
			r[cPayload] = []byte{}
		}
		r[cMeta] = orNull(t, rapid.SampledFrom([]string{`{}`, `{"a":1}`, `[1,2]`}), "meta")
		if s, ok := r[cMeta].(string); ok {
			r[cMeta] = []byte(s)
		}
		r[cCounter] = rapid.OneOf(rapid.Uint64Range(0, 3), rapid.Uint64()).Draw(t, "counter")
		return r
	})
}

// literalFor draws a literal for column c, usually a value that occurs in
// rows so that comparisons hit.
func literalFor(t *rapid.T, c int, rows []row, label string) any {
	if len(rows) > 0 && rapid.Bool().Draw(t, label+"FromRow") {
		if v := rows[rapid.IntRange(0, len(rows)-1).Draw(t, label+"Row")][c]; v != nil {
			if c == cRole {
				return roles[v.(int32)]
			}
			return v
		}
	}
	switch c {
	case cTenant:
		return rapid.SampledFrom(tenants).Draw(t, label)
	case cSeq:
		return rapid.Int64Range(-4, 4).Draw(t, label)
	case cRole:
		return rapid.SampledFrom(roles).Draw(t, label)
	case cEmail:
		return rapid.SampledFrom(emails).Draw(t, label)
	case cAge:
		return rapid.Int32Range(-3, 3).Draw(t, label)
	case cScore:
		return rapid.SampledFrom([]float64{0, 1.5, -2, math.NaN()}).Draw(t, label)
	case cActive:
		return rapid.Bool().Draw(t, label)
	case cCreated:
		return genTime().Draw(t, label)
	case cTTL:
		return rapid.SampledFrom([]time.Duration{0, time.Second, time.Hour}).Draw(t, label)
	case cUID:
		return genUUID().Draw(t, label)
	case cPayload:
		return rapid.SliceOfN(rapid.Byte(), 0, 3).Draw(t, label)
	case cCounter:
		return rapid.Uint64Range(0, 4).Draw(t, label)
	}
	return nil
}

var ops = []scan.Op{scan.OpEq, scan.OpNe, scan.OpLt, scan.OpLe, scan.OpGt, scan.OpGe}

func genExpr(t *rapid.T, rows []row, depth int) scan.Expr {
	kind := rapid.IntRange(0, 9).Draw(t, "kind")
	if depth >= 3 {
		kind = rapid.IntRange(0, 4).Draw(t, "leaf")
	}
	comparable := func() int {
		for {
			if c := rapid.IntRange(0, nCols-1).Draw(t, "col"); c != cMeta {
				return c
			}
		}
	}
	switch kind {
	case 0, 1:
		c := comparable()
		return &scan.Cmp{Column: colNames[c], Op: rapid.SampledFrom(ops).Draw(t, "op"), Value: literalFor(t, c, rows, "lit")}
	case 2:
		c := comparable()
		in := &scan.In{Column: colNames[c]}
		for range rapid.IntRange(0, 3).Draw(t, "nIn") {
			in.Values = append(in.Values, literalFor(t, c, rows, "inLit"))
		}
		return in
	case 3:
		return &scan.IsNull{Column: colNames[rapid.IntRange(0, nCols-1).Draw(t, "col")], Not: rapid.Bool().Draw(t, "not")}
	case 4:
		c := rapid.SampledFrom([]int{cTenant, cEmail}).Draw(t, "col")
		s, _ := literalFor(t, c, rows, "prefix").(string)
		return &scan.Prefix{Column: colNames[c], Prefix: s[:rapid.IntRange(0, len(s)).Draw(t, "cut")]}
	case 5:
		// Shapes the planner serves from the key or an index.
		var e scan.Expr
		switch rapid.IntRange(0, 2).Draw(t, "shape") {
		case 0:
			e = &scan.Cmp{Column: "tenant", Op: scan.OpEq, Value: literalFor(t, cTenant, rows, "k0")}
			if rapid.Bool().Draw(t, "k1") {
				e = &scan.And{L: e, R: &scan.Cmp{Column: "seq", Op: rapid.SampledFrom(ops[2:]).Draw(t, "op"), Value: literalFor(t, cSeq, rows, "k1lit")}}
			}
		case 1:
			e = &scan.Cmp{Column: "role", Op: scan.OpEq, Value: literalFor(t, cRole, rows, "i0")}
			if rapid.Bool().Draw(t, "i1") {
				e = &scan.And{L: e, R: &scan.Cmp{Column: "created_at", Op: rapid.SampledFrom(ops[2:]).Draw(t, "op"), Value: literalFor(t, cCreated, rows, "i1lit")}}
			}
		default:
			e = &scan.Cmp{Column: "uid", Op: scan.OpEq, Value: literalFor(t, cUID, rows, "u0")}
		}
		if rapid.Bool().Draw(t, "more") {
			e = &scan.And{L: e, R: genExpr(t, rows, depth+1)}
		}
		return e
	case 6, 7:
		return &scan.And{L: genExpr(t, rows, depth+1), R: genExpr(t, rows, depth+1)}
	case 8:
		return &scan.Or{L: genExpr(t, rows, depth+1), R: genExpr(t, rows, depth+1)}
	}
	return &scan.Not{X: genExpr(t, rows, depth+1)}
}

// --- the naive reference: Go values, SQL three-valued logic -------------

type tv int // -1 false, 0 unknown, 1 true

func refCompare(a, b any) (int, bool) {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string)), true
	case int64:
		return cmp.Compare(x, b.(int64)), true
	case int32:
		return cmp.Compare(x, b.(int32)), true
	case uint64:
		return cmp.Compare(x, b.(uint64)), true
	case float64:
		y := b.(float64)
		if math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		return cmp.Compare(x, y), true
	case bool:
		bi := func(v bool) int {
			if v {
				return 1
			}
			return 0
		}
		return cmp.Compare(bi(x), bi(b.(bool))), true
	case time.Time:
		return x.Compare(b.(time.Time)), true
	case time.Duration:
		return cmp.Compare(x, b.(time.Duration)), true
	case [16]byte:
		y := b.([16]byte)
		return bytes.Compare(x[:], y[:]), true
	case []byte:
		return bytes.Compare(x, b.([]byte)), true
	}
	panic(fmt.Sprintf("refCompare %T", a))
}

func refLiteral(c int, v any) any {
	if c == cRole {
		return int32(slices.Index(roles, v.(string)))
	}
	return v
}

func refEval(e scan.Expr, r *row) tv {
	idx := func(name string) int { return slices.Index(colNames, name) }
	switch x := e.(type) {
	case *scan.Cmp:
		v := r[idx(x.Column)]
		if v == nil {
			return 0
		}
		c, ok := refCompare(v, refLiteral(idx(x.Column), x.Value))
		var res bool
		switch x.Op {
		case scan.OpEq:
			res = ok && c == 0
		case scan.OpNe:
			res = !ok || c != 0
		case scan.OpLt:
			res = ok && c < 0
		case scan.OpLe:
			res = ok && c <= 0
		case scan.OpGt:
			res = ok && c > 0
		case scan.OpGe:
			res = ok && c >= 0
		}
		return toTV(res)
	case *scan.In:
		v := r[idx(x.Column)]
		if v == nil {
			return 0
		}
		for _, l := range x.Values {
			if c, ok := refCompare(v, refLiteral(idx(x.Column), l)); ok && c == 0 {
				return 1
			}
		}
		return -1
	case *scan.IsNull:
		return toTV((r[idx(x.Column)] == nil) != x.Not)
	case *scan.Prefix:
		v := r[idx(x.Column)]
		if v == nil {
			return 0
		}
		return toTV(strings.HasPrefix(v.(string), x.Prefix))
	case *scan.And:
		return min(refEval(x.L, r), refEval(x.R, r))
	case *scan.Or:
		return max(refEval(x.L, r), refEval(x.R, r))
	case *scan.Not:
		return -refEval(x.X, r)
	}
	panic(fmt.Sprintf("refEval %T", e))
}

func toTV(b bool) tv {
	if b {
		return 1
	}
	return -1
}

// --- reading provider output back into Go values ------------------------

func cell(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.String:
		return x.Value(i)
	case *array.Int64:
		return x.Value(i)
	case *array.Int32:
		return x.Value(i)
	case *array.Uint64:
		return x.Value(i)
	case *array.Float64:
		return x.Value(i)
	case *array.Boolean:
		return x.Value(i)
	case *array.Timestamp:
		return time.UnixMicro(int64(x.Value(i))).UTC()
	case *array.Duration:
		return time.Duration(x.Value(i)) * time.Microsecond
	case array.ExtensionArray: // arrow.uuid, arrow.json
		switch st := x.Storage().(type) {
		case *array.FixedSizeBinary:
			return [16]byte(st.Value(i))
		case *array.String:
			return []byte(st.Value(i))
		}
	case *array.Binary:
		return append([]byte{}, x.Value(i)...)
	}
	return fmt.Sprintf("unexpected array %T", a)
}

func readAll(t testing.TB, rdr array.RecordReader, cols []int) [][]any {
	t.Helper()
	var out [][]any
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := range int(rec.NumRows()) {
			r := make([]any, len(cols))
			for j, c := range cols {
				v := cell(rec.Column(j), i)
				if c == cRole && v != nil {
					v = int32(slices.Index(roles, v.(string)))
				}
				r[j] = v
			}
			out = append(out, r)
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var tableIDs atomic.Uint32

// TestProviderMatchesReference is the differential property test: for
// random rows, projections, filters and limits, the provider returns
// exactly what a full decode + Go filter + limit + projection returns, in
// the order its plan promises.
func TestProviderMatchesReference(t *testing.T) {
	db := openDB(t)
	rapid.Check(t, func(rt *rapid.T) {
		id := tableIDs.Add(1)
		rows := load(t, db, id, rapid.SliceOfN(genRow(), 0, 40).Draw(rt, "rows"))
		l := peopleLayout(id)
		p, err := scan.NewProvider(db, &l, scan.Options{})
		if err != nil {
			rt.Fatal(err)
		}
		var filter scan.Expr
		if rapid.IntRange(0, 4).Draw(rt, "hasFilter") > 0 {
			filter = genExpr(rt, rows, 0)
		}
		var cols []int
		var names []string
		if rapid.Bool().Draw(rt, "project") {
			cols = rapid.SliceOfNDistinct(rapid.IntRange(0, nCols-1), 0, nCols, rapid.ID[int]).Draw(rt, "cols")
			names = make([]string, len(cols))
			for i, c := range cols {
				names[i] = colNames[c]
			}
		} else {
			for c := range nCols {
				cols = append(cols, c)
			}
		}
		limit := rapid.IntRange(0, 12).Draw(rt, "limit")
		batch := rapid.IntRange(0, 5).Draw(rt, "batch")

		plan, err := p.Plan(filter)
		if err != nil {
			rt.Fatalf("plan %v: %v", filter, err)
		}
		// Reference: filter, order as the plan promises, limit, project.
		var want []row
		for _, r := range rows {
			if filter == nil || refEval(filter, &r) == 1 {
				want = append(want, r)
			}
		}
		if plan.Access == scan.IndexRange {
			slices.SortStableFunc(want, func(a, b row) int {
				if plan.Index == "by_role" {
					return bytes.Compare(byRoleValues(nil, &a), byRoleValues(nil, &b))
				}
				ua, ub := a[cUID].([16]byte), b[cUID].([16]byte)
				return bytes.Compare(ua[:], ub[:])
			})
		}
		if limit > 0 && len(want) > limit {
			want = want[:limit]
		}

		rdr, err := p.Scan(context.Background(), scan.Request{Columns: names, Filter: filter, Limit: limit, BatchSize: batch})
		if err != nil {
			rt.Fatalf("scan %v: %v", filter, err)
		}
		defer rdr.Release()
		if rdr.Schema().NumFields() != len(cols) {
			rt.Fatalf("schema has %d fields, want %d", rdr.Schema().NumFields(), len(cols))
		}
		got := readAll(t, rdr, cols)
		if len(got) != len(want) {
			rt.Fatalf("filter %v limit %d (plan %s): got %d rows, want %d", filter, limit, plan, len(got), len(want))
		}
		for i := range want {
			for j, c := range cols {
				if !sameValue(got[i][j], want[i][c]) {
					rt.Fatalf("filter %v (plan %s): row %d column %s = %s, want %s", filter, plan, i, colNames[c], formatCell(got[i][j]), formatCell(want[i][c]))
				}
			}
		}
	})
}
