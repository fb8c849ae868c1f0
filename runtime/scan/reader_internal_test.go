package scan

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestLimitStopsIteration checks that meeting the limit closes the Pebble
// iterator and snapshot at once, before the caller asks for more.
func TestLimitStopsIteration(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := layout.Table{ID: 9, Namespace: "t", Name: "n", Kind: "system",
		Key:     []layout.KeyColumn{{Name: "id", Type: "uint64"}},
		Columns: []layout.Column{{Tag: 1, Name: "id", Type: "uint64"}}}
	p, err := NewProvider(db, &l, Options{}) // records the layout, as before a table's first row
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		key := binary.BigEndian.AppendUint64(store.RowPrefix(9), uint64(i))
		if err := rawpebble.DB(db).Set(key, rowenc.AppendUint64(nil, 1, uint64(i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	rr, err := p.Scan(context.Background(), Request{Limit: 5, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	r := rr.(*reader)
	if !r.Next() || r.RecordBatch().NumRows() != 5 {
		t.Fatal("want one batch of 5 rows")
	}
	if r.it != nil || r.snap != nil {
		t.Fatal("iterator still open after the limit was met")
	}
	if r.Next() {
		t.Fatal("a second batch after the limit")
	}
}
