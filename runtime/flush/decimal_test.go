package flush_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/cockroachdb/apd/v3"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// price is the row of a hand-written table with decimal columns: amount
// decimal(12,2), a nullable discount decimal(5,4), written and read through
// the runtime's decimal codec as generated code does.
type price struct {
	Seq      int64
	Amount   apd.Decimal
	Discount *apd.Decimal
}

var priceLayout = layout.Table{
	ID: 931, Namespace: "test", Name: "prices", Kind: layout.Shared,
	Key: []layout.KeyColumn{{Name: "seq", Type: "int64"}},
	Columns: []layout.Column{
		{Tag: 1, Name: "seq", Type: "int64"},
		{Tag: 2, Name: "amount", Type: "decimal", Precision: 12, Scale: 2},
		{Tag: 3, Name: "discount", Type: "decimal", Nullable: true, Precision: 5, Scale: 4},
	},
}

func priceSpec() store.Spec[int64, price] {
	return store.Spec[int64, price]{
		Layout:    priceLayout,
		AppendKey: func(dst []byte, k int64) []byte { return keyenc.AppendInt64(dst, k) },
		DecodeKey: func(b []byte) (int64, error) { k, _, err := keyenc.DecodeInt64(b); return k, err },
		KeyOf:     func(v *price) int64 { return v.Seq },
		AppendRow: func(dst []byte, v *price) []byte {
			dst = rowenc.AppendInt64(dst, 1, v.Seq)
			if !v.Amount.IsZero() {
				dst = rowenc.AppendDecimal(dst, 2, v.Amount, 12, 2)
			}
			if v.Discount != nil {
				dst = rowenc.AppendDecimal(dst, 3, *v.Discount, 5, 4)
			}
			return dst
		},
		DecodeRow: func(b []byte, v *price, _ *rowenc.Arena) error {
			*v = price{}
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.Seq = d.Int64()
				case 2:
					v.Amount = d.Decimal(2)
				case 3:
					x := d.Decimal(4)
					v.Discount = &x
				}
			}
			return d.Err()
		},
	}
}

func dec(t testing.TB, s string) apd.Decimal {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return *d
}

func decp(t testing.TB, s string) *apd.Decimal { d := dec(t, s); return &d }

// decimalTexts drains r and renders each row's amount and discount with
// their column's scale, "null" for null.
func decimalTexts(t testing.TB, r array.RecordReader) []string {
	t.Helper()
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		var cols [2]*array.Decimal128
		for j, name := range []string{"amount", "discount"} {
			idx := rec.Schema().FieldIndices(name)
			if len(idx) != 1 {
				t.Fatalf("no column %s in %s", name, rec.Schema())
			}
			a, ok := rec.Column(idx[0]).(*array.Decimal128)
			if !ok {
				t.Fatalf("column %s is %s, want decimal128", name, rec.Column(idx[0]).DataType())
			}
			cols[j] = a
		}
		for i := range int(rec.NumRows()) {
			var parts []string
			for _, a := range cols {
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

// TestDecimalEndToEnd: decimals that fit their column are stored and read
// back with the column's scale, one that does not is refused at Put naming
// column and value; the provider scans decimal128(p,s); a flush writes
// Parquet DECIMAL(p,s) columns, union reads and Get of flushed rows return
// the same values, and DuckDB (when Node.js is there) reads the files'
// decimals as DECIMAL(12,2) with the right values.
func TestDecimalEndToEnd(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	tbl, err := store.NewTable(db, priceSpec())
	if err != nil {
		t.Fatal(err)
	}
	rows := []price{
		{Seq: 1, Amount: dec(t, "12.34"), Discount: decp(t, "0.1234")},
		{Seq: 2, Amount: dec(t, "-9999999999.99")},
		{Seq: 3, Amount: dec(t, "0"), Discount: decp(t, "0")},
		{Seq: 4, Amount: dec(t, "9999999999.990"), Discount: decp(t, "-0.5")},
	}
	for i := range rows {
		if err := tbl.Put(&rows[i]); err != nil {
			t.Fatalf("put %d: %v", rows[i].Seq, err)
		}
	}
	want := []string{"12.34 0.1234", "-9999999999.99 null", "0.00 0.0000", "9999999999.99 -0.5000"}

	for _, bad := range []struct {
		row  price
		text string
	}{
		{price{Seq: 9, Amount: dec(t, "1.234")}, "value 1.234 does not fit decimal(12,2): more than 2 digits after the point"},
		{price{Seq: 9, Amount: dec(t, "10000000000")}, "value 10000000000 does not fit decimal(12,2): more than 10 digits before the point"},
		{price{Seq: 9, Discount: decp(t, "NaN")}, "NaN does not fit decimal(5,4)"},
	} {
		err := tbl.Put(&bad.row)
		var ive *store.InvalidValueError
		if !errors.As(err, &ive) || !strings.Contains(err.Error(), bad.text) || !strings.Contains(err.Error(), "column ") {
			t.Fatalf("Put of %s: %v, want an InvalidValueError saying %q", bad.text, err, bad.text)
		}
	}
	if ok, err := tbl.Has(9); err != nil || ok {
		t.Fatalf("a refused Put wrote row 9 (has %v, %v)", ok, err)
	}

	p := itemProvider(t, db, priceLayout)
	for name, typ := range map[string]string{"amount": "decimal(12, 2)", "discount": "decimal(5, 4)"} {
		f, _ := p.Schema().FieldsByName(name)
		if len(f) != 1 || f[0].Type.String() != typ {
			t.Fatalf("provider field %s: %v, want %s", name, f, typ)
		}
	}
	r, err := p.Scan(context.Background(), scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if got := decimalTexts(t, r); !slices.Equal(got, want) {
		t.Fatalf("provider scan:\n got %q\nwant %q", got, want)
	}
	r, err = p.Scan(context.Background(), scan.Request{Filter: &scan.Cmp{Column: "amount", Op: scan.OpGt, Value: scan.Number("0")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := decimalTexts(t, r); !slices.Equal(got, []string{want[0], want[3]}) {
		t.Fatalf("scan where amount > 0: %q", got)
	}

	root := t.TempDir()
	e := newExecutor(t, db, root, nil)
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	var files []string
	if err := filepath.WalkDir(e.TableDir(&priceLayout), func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".parquet") {
			files = append(files, path)
		}
		return err
	}); err != nil || len(files) != 1 {
		t.Fatalf("flushed files %v (%v), want one", files, err)
	}
	rec := readParquet(t, files[0])
	defer rec.Release()
	for name, typ := range map[string]string{"amount": "decimal(12, 2)", "discount": "decimal(5, 4)"} {
		if f, _ := rec.Schema().FieldsByName(name); len(f) != 1 || f[0].Type.String() != typ {
			t.Fatalf("Parquet column %s reads as %v, want %s (Parquet DECIMAL)", name, f, typ)
		}
	}
	ur, err := e.Scan(context.Background(), p, scan.Request{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := decimalTexts(t, ur); !slices.Equal(got, want) {
		t.Fatalf("union scan after the flush:\n got %q\nwant %q", got, want)
	}
	for _, c := range []struct {
		filter scan.Expr
		want   []string
	}{
		{&scan.Cmp{Column: "amount", Op: scan.OpGt, Value: scan.Number("0")}, []string{want[0], want[3]}},
		{&scan.Cmp{Column: "amount", Op: scan.OpGt, Value: "9999999999.99"}, nil}, // above the segment's max: pruned
		{&scan.Cmp{Column: "discount", Op: scan.OpLt, Value: "0"}, []string{want[3]}},
	} {
		ur, err := e.Scan(context.Background(), p, scan.Request{Filter: c.filter}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := decimalTexts(t, ur); !slices.Equal(got, c.want) {
			t.Fatalf("union scan where %s: %q, want %q", c.filter, got, c.want)
		}
	}
	got, err := tbl.Get(4)
	if err != nil || got.Amount.String() != "9999999999.99" || got.Discount == nil || got.Discount.String() != "-0.5000" {
		t.Fatalf("Get of a flushed row: %+v, %v", got, err)
	}

	node, err1 := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err1 != nil || err2 != nil {
		t.Skip("needs Node.js and npm to run DuckDB (@duckdb/node-api); install nodejs and npm")
	}
	mods := duckdbModules(t, npm)
	script := filepath.Join(filepath.Dir(mods), "tablegen-decimal-"+filepath.Base(t.TempDir())+".mjs")
	defer os.Remove(script)
	if err := os.WriteFile(script, []byte(`
import { DuckDBInstance } from '@duckdb/node-api';
const [file] = process.argv.slice(2);
const c = await (await DuckDBInstance.create(':memory:')).connect();
const r = await c.runAndReadAll("SELECT typeof(amount) AS ta, typeof(discount) AS td, amount::VARCHAR AS a, discount::VARCHAR AS d, (amount * 2)::VARCHAR AS twice FROM read_parquet('" + file + "') ORDER BY seq");
console.log(JSON.stringify(r.getRowObjectsJson()));
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, files[0])
	cmd.Dir = filepath.Dir(mods)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("DuckDB read: %v\n%s", err, out)
	}
	var res []struct {
		TA, TD, A, Twice string
		D                *string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("DuckDB output %q: %v", out, err)
	}
	var gotDuck []string
	for _, r := range res {
		if r.TA != "DECIMAL(12,2)" || r.TD != "DECIMAL(5,4)" {
			t.Fatalf("DuckDB types %s, %s; want DECIMAL(12,2), DECIMAL(5,4)", r.TA, r.TD)
		}
		d := "null"
		if r.D != nil {
			d = *r.D
		}
		gotDuck = append(gotDuck, r.A+" "+d)
	}
	if !slices.Equal(gotDuck, want) {
		t.Fatalf("DuckDB read:\n got %q\nwant %q (%s)", gotDuck, want, out)
	}
	t.Logf("DuckDB read %s", out)
	if res[0].Twice != "24.68" {
		t.Errorf("DuckDB computes 12.34 * 2 = %s, want 24.68", res[0].Twice)
	}
}
