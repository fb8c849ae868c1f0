package flush_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// item is the row of the hand-written test table: an owner-scoped table
// keyed by seq, with a text column, so the flush package tests itself
// without the shipped example schemas.
type item struct {
	Seq  int64
	Text string
}

// itemLayout is the test table's layout; name and textName let tests
// rename the table and the text column (same id, same tag).
func itemLayout(id uint32, name, textName string) layout.Table {
	return layout.Table{
		ID: id, Namespace: "test", Name: name, Kind: layout.User,
		Key: []layout.KeyColumn{{Name: "seq", Type: "int64"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "seq", Type: "int64"},
			{Tag: 2, Name: textName, Type: "string"},
		},
	}
}

func itemSpec(l layout.Table) store.Spec[int64, item] {
	return store.Spec[int64, item]{
		Layout:    l,
		AppendKey: func(dst []byte, k int64) []byte { return keyenc.AppendInt64(dst, k) },
		DecodeKey: func(b []byte) (int64, error) { k, _, err := keyenc.DecodeInt64(b); return k, err },
		KeyOf:     func(v *item) int64 { return v.Seq },
		AppendRow: func(dst []byte, v *item) []byte {
			return rowenc.AppendString(rowenc.AppendInt64(dst, 1, v.Seq), 2, v.Text)
		},
		DecodeRow: func(b []byte, v *item, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.Seq = d.Int64()
				case 2:
					v.Text = d.String()
				}
			}
			return d.Err()
		},
	}
}

// putItems writes n rows body-0 … body-(n-1) for each owner.
func putItems(t testing.TB, db *store.DB, l layout.Table, owners []string, n int) {
	t.Helper()
	tbl, err := store.NewTable(db, itemSpec(l))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		scope, err := store.OwnerScope(o)
		if err != nil {
			t.Fatal(err)
		}
		w := tbl.WithScope(scope)
		for i := range n {
			if err := w.Put(&item{Seq: int64(i), Text: fmt.Sprintf("body-%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func itemProvider(t testing.TB, db *store.DB, l layout.Table) *scan.Provider {
	t.Helper()
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// texts drains r and returns column col (a string column) of every row.
func texts(t testing.TB, r array.RecordReader, col string) ([]string, error) {
	t.Helper()
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		idx := rec.Schema().FieldIndices(col)
		if len(idx) != 1 {
			t.Fatalf("no column %s in %s", col, rec.Schema())
		}
		a := rec.Column(idx[0]).(*array.String)
		for i := range a.Len() {
			if a.IsNull(i) {
				out = append(out, "<null>")
				continue
			}
			out = append(out, a.Value(i))
		}
	}
	return out, r.Err()
}

func scanTexts(t testing.TB, e interface {
	Scan(context.Context, *scan.Provider, scan.Request, *scan.UnionStats) (array.RecordReader, error)
}, p *scan.Provider, req scan.Request, col string) []string {
	t.Helper()
	r, err := e.Scan(context.Background(), p, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := texts(t, r, col)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
