package scan

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/layout"
)

// TestMayMatchSound checks segment pruning against the naive reference,
// evaluating the filter on every row: whenever some row of a segment
// satisfies a filter, mayMatch must not rule the segment out. The
// statistics go the whole way a manifest takes them: Arrow batch → Stats →
// JSON → bindStats.
func TestMayMatchSound(t *testing.T) {
	l := &layout.Table{ID: 1, Namespace: "t", Name: "t", Kind: "shared",
		Key: []layout.KeyColumn{{Name: "i", Type: "int64"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "i", Type: "int64"},
			{Tag: 2, Name: "s", Type: "string", Nullable: true},
			{Tag: 3, Name: "f", Type: "float64"},
			{Tag: 4, Name: "e", Type: "enum", Values: []string{"a", "b", "c"}},
			{Tag: 5, Name: "ts", Type: "timestamp", Nullable: true},
		}}
	tb, err := newTable(l)
	if err != nil {
		t.Fatal(err)
	}
	schema := tb.arrowSchema(Docs{})
	strs := []string{"", "a", "ab", "abc", "b", "ba", "\xff"}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "rows")
		all, project := make([]bool, len(tb.cols)), make([]int, len(tb.cols))
		for c := range all {
			all[c], project[c] = true, c
		}
		src, err := tb.newRowDecoder(all, project)
		if err != nil {
			t.Fatal(err)
		}
		if err := src.setOutput(memory.DefaultAllocator, schema, 0); err != nil {
			t.Fatal(err)
		}
		rows := make([][]Value, n)
		for r := range rows {
			row := []Value{
				{I: rapid.Int64Range(-5, 5).Draw(t, "i")},
				{B: []byte(rapid.SampledFrom(strs).Draw(t, "s")), Null: rapid.IntRange(0, 3).Draw(t, "snull") == 0},
				{F: rapid.SampledFrom([]float64{-1, 0, 0.5, 2}).Draw(t, "f")},
				{I: int64(rapid.IntRange(0, 2).Draw(t, "e"))},
				{I: rapid.Int64Range(-3, 3).Draw(t, "ts"), Null: rapid.Bool().Draw(t, "tsnull")},
			}
			if err := src.appendFrom(func(c int) (Value, error) { return row[c], nil }); err != nil {
				t.Fatal(err)
			}
			rows[r] = row
		}
		rec := src.batch()
		defer rec.Release()
		st := &Stats{t: tb, min: make([]Value, 5), max: make([]Value, 5), has: make([]bool, 5), nulls: make([]int64, 5), noRange: make([]bool, 5)}
		if err := st.Add(rec); err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(st.Columns())
		if err != nil {
			t.Fatal(err)
		}
		var cs []ColumnStats
		dec := json.NewDecoder(bytesReader(data))
		dec.UseNumber()
		if err := dec.Decode(&cs); err != nil {
			t.Fatal(err)
		}
		seg := tb.bindStats(int64(n), cs)
		expr := genExpr(t, strs, 3)
		f, err := tb.bind(expr)
		if err != nil {
			t.Fatal(err)
		}
		matches := false
		for _, row := range rows {
			if f.eval(rowValues(row)) == tTrue {
				matches = true
			}
		}
		if matches && !f.mayMatch(seg) {
			t.Fatalf("filter %s matches a row but the segment (stats %s) is pruned", expr, data)
		}
	})
}

type rowValues []Value

func (r rowValues) Value(c int) Value { return r[c] }

func genExpr(t *rapid.T, strs []string, depth int) Expr {
	kinds := 6
	if depth > 0 {
		kinds = 9
	}
	ops := []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe}
	switch rapid.IntRange(0, kinds-1).Draw(t, "kind") {
	case 0:
		return &Cmp{Column: "i", Op: rapid.SampledFrom(ops).Draw(t, "op"), Value: rapid.Int64Range(-6, 6).Draw(t, "lit")}
	case 1:
		return &Cmp{Column: rapid.SampledFrom([]string{"s"}).Draw(t, "col"), Op: rapid.SampledFrom(ops).Draw(t, "op"), Value: rapid.SampledFrom(strs).Draw(t, "lit")}
	case 2:
		return &Cmp{Column: "f", Op: rapid.SampledFrom(ops).Draw(t, "op"), Value: rapid.SampledFrom([]float64{-2, 0, 0.5, 1, 3}).Draw(t, "lit")}
	case 3:
		return &In{Column: "e", Values: []any{rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "lit")}}
	case 4:
		return &IsNull{Column: rapid.SampledFrom([]string{"s", "ts"}).Draw(t, "col"), Not: rapid.Bool().Draw(t, "not")}
	case 5:
		return &Prefix{Column: "s", Prefix: rapid.SampledFrom(strs).Draw(t, "prefix")}
	case 6:
		return &And{L: genExpr(t, strs, depth-1), R: genExpr(t, strs, depth-1)}
	case 7:
		return &Or{L: genExpr(t, strs, depth-1), R: genExpr(t, strs, depth-1)}
	}
	return &Not{X: genExpr(t, strs, depth-1)}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
