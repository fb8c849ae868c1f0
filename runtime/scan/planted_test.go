package scan_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// doc is the row of a user table with a secondary index on tag.
type doc struct{ ID, Tag, Owner string }

func docSpec(id uint32) store.Spec[string, doc] {
	return store.Spec[string, doc]{
		Layout: layout.Table{
			ID: id, Namespace: "test", Name: "docs", Kind: layout.User,
			Key: []layout.KeyColumn{{Name: "id", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "id", Type: "string"},
				{Tag: 2, Name: "tag", Type: "string"},
				{Tag: 3, Name: "owner", Type: "string"},
			},
			Indexes: []layout.Index{{ID: 1, Name: "by_tag", Columns: []string{"tag"}}},
		},
		AppendKey: func(dst []byte, k string) []byte { return keyenc.AppendString(dst, k) },
		DecodeKey: func(b []byte) (string, error) { k, _, err := keyenc.DecodeString(b); return k, err },
		KeyOf:     func(v *doc) string { return v.ID },
		AppendRow: func(dst []byte, v *doc) []byte {
			dst = rowenc.AppendString(dst, 1, v.ID)
			dst = rowenc.AppendString(dst, 2, v.Tag)
			return rowenc.AppendString(dst, 3, v.Owner)
		},
		DecodeRow: func(b []byte, v *doc, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.ID = d.String()
				case 2:
					v.Tag = d.String()
				case 3:
					v.Owner = d.String()
				}
			}
			return d.Err()
		},
		Indexes: []store.IndexSpec[doc]{{ID: 1, Name: "by_tag", AppendValues: func(dst []byte, v *doc) ([]byte, bool) {
			return keyenc.AppendString(dst, v.Tag), true
		}}},
	}
}

// TestGuardedIndexScanStaysInScope plants an index entry in u1's scope
// that points at u2's row (as damage or a hostile write through Pebble
// could): a user-role u1 scanning by the index must get an error naming
// the index, never u2's row.
func TestGuardedIndexScanStaysInScope(t *testing.T) {
	db := openDB(t)
	spec := docSpec(620)
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"u1", "u2"} {
		v := doc{ID: o + "-doc", Tag: "x", Owner: o}
		if err := tbl.WithScope(keyenc.AppendString(nil, o)).Put(&v); err != nil {
			t.Fatal(err)
		}
	}
	// u1's entry now names u2's row.
	u1 := keyenc.AppendString(nil, "u1")
	prefix := append(store.IndexPrefix(spec.Layout.ID, 1), u1...)
	it, err := rawpebble.DB(db).NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	var entry []byte
	for ok := it.SeekGE(prefix); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
		entry = bytes.Clone(it.Key())
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if entry == nil {
		t.Fatal("no index entry for u1")
	}
	ref := keyenc.AppendString(keyenc.AppendString(nil, "u2"), "u2-doc")
	if err := rawpebble.DB(db).Set(entry, ref, nil); err != nil {
		t.Fatal(err)
	}

	p, err := scan.NewProvider(db, &spec.Layout, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := scan.NewGuarded(p, access.Policy{Table: "test.docs", Kind: layout.User})
	if err != nil {
		t.Fatal(err)
	}
	req := scan.ActorRequest{Actor: access.Actor{UserID: "u1", Role: access.RoleUser}, Request: scan.Request{Filter: &scan.Cmp{Column: "tag", Op: scan.OpEq, Value: "x"}}}
	plan, err := g.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Access != scan.IndexRange {
		t.Fatalf("plan %s does not use the index; the test needs an index scan", plan)
	}
	r, err := g.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var got []string
	for r.Next() {
		got = append(got, ownersOf(r.RecordBatch())...)
	}
	var ce *store.CorruptError
	if err := r.Err(); !errors.As(err, &ce) || !strings.Contains(err.Error(), "by_tag") {
		t.Fatalf("scan error = %v, want a CorruptError naming index by_tag", err)
	}
	for _, o := range got {
		if o != "u1" {
			t.Fatalf("u1's scan returned a row of %s", o)
		}
	}
}

func ownersOf(rec arrow.RecordBatch) []string {
	col := rec.Column(rec.Schema().FieldIndices("owner")[0]).(*array.String)
	out := make([]string, col.Len())
	for i := range out {
		out[i] = col.Value(i)
	}
	return out
}
