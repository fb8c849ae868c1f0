package load_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/load"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// decimalLayout keys rows by a decimal and indexes another one.
var decimalLayout = layout.Table{
	ID: 41, Namespace: "test", Name: "prices", Kind: layout.Shared,
	Key: []layout.KeyColumn{{Name: "code", Type: "decimal"}},
	Columns: []layout.Column{
		{Tag: 1, Name: "code", Type: "decimal", Precision: 6, Scale: 0},
		{Tag: 2, Name: "amount", Type: "decimal", Precision: 12, Scale: 2},
		{Tag: 3, Name: "discount", Type: "decimal", Nullable: true, Precision: 5, Scale: 4},
	},
	Indexes: []layout.Index{{ID: 1, Name: "by_amount", Columns: []string{"amount"}}},
}

// decimalRows scans the table with the schema-driven provider, in key
// order, as "code amount discount".
func decimalRows(t *testing.T, db *store.DB, filter scan.Expr) []string {
	t.Helper()
	p, err := scan.NewProvider(db, &decimalLayout, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Scan(context.Background(), scan.Request{Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		for i := range int(rec.NumRows()) {
			var parts []string
			for j := range 3 {
				a := rec.Column(j).(*array.Decimal128)
				if a.IsNull(i) {
					parts = append(parts, "null")
					continue
				}
				parts = append(parts, a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
			}
			out = append(out, strings.Join(parts, " "))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoadDecimals: NDJSON numbers and strings, CSV text and Parquet
// decimal128 fields load into decimal columns exactly (keys in numeric
// order, index entries right), and a value needing rounding or more digits
// is refused naming the line, the column and the value.
func TestLoadDecimals(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ld, err := load.New(db, decimalLayout)
	if err != nil {
		t.Fatal(err)
	}
	in := `{"code":10,"amount":12.5,"discount":"0.25"}
{"code":"-3","amount":"-9999999999.99","discount":null}
{"code":2,"amount":0}
`
	if _, err := ld.NDJSON("in.ndjson", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if _, err := ld.CSV("in.csv", strings.NewReader("code,amount,discount\n7,1E+2,\n")); err != nil {
		t.Fatal(err)
	}

	mem := memory.NewGoAllocator()
	sch := arrow.NewSchema([]arrow.Field{
		{Name: "code", Type: &arrow.Decimal128Type{Precision: 6, Scale: 0}},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 20, Scale: 3}},
	}, nil)
	b := array.NewRecordBuilder(mem, sch)
	defer b.Release()
	b.Field(0).(*array.Decimal128Builder).Append(decimal128.FromI64(5))
	b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(-1230)) // -1.230
	rec := b.NewRecordBatch()
	rr, err := array.NewRecordReader(sch, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ld.Records("in.parquet", rr); err != nil {
		t.Fatal(err)
	}
	rr.Release()
	rec.Release()

	want := []string{"-3 -9999999999.99 null", "2 0.00 null", "5 -1.23 null", "7 100.00 null", "10 12.50 0.2500"}
	if got := decimalRows(t, db, nil); !slices.Equal(got, want) {
		t.Fatalf("loaded rows:\n got %q\nwant %q", got, want)
	}
	if got := decimalRows(t, db, &scan.Cmp{Column: "amount", Op: scan.OpLt, Value: "0.01"}); !slices.Equal(got, []string{want[0], want[2], want[1]}) { // by_amount order
		t.Fatalf("rows with amount < 0.01: %q", got)
	}

	for _, c := range []struct{ line, want string }{
		{`{"code":1,"amount":1.234}`, `in.ndjson:1:amount: 1.234 does not fit decimal(12,2): more than 2 digits after the point`},
		{`{"code":1,"amount":"12345678901"}`, `in.ndjson:1:amount: 12345678901 does not fit decimal(12,2): more than 10 digits before the point`},
		{`{"code":1.5,"amount":1}`, `in.ndjson:1:code: 1.5 does not fit decimal(6,0)`},
		{`{"code":1,"amount":"twelve"}`, `in.ndjson:1:amount: "twelve" is not a decimal number`},
	} {
		if _, err := ld.NDJSON("in.ndjson", strings.NewReader(c.line+"\n")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.line, err, c.want)
		}
	}
	if got := decimalRows(t, db, nil); !slices.Equal(got, want) {
		t.Fatalf("refused loads wrote rows: %q", got)
	}
}
