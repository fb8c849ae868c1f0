package scan_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/scan"
)

// FuzzRowDecoder feeds arbitrary bytes to the schema-driven decoder as a
// stored row: it must return an error or decode, never panic, and a row it
// accepts must append to Arrow builders without error.
func FuzzRowDecoder(f *testing.F) {
	rows := sampleRows(3)
	rows[1][cUID] = [16]byte{1, 2, 3}
	rows[1][cMeta] = []byte(`{"a":1}`)
	rows[1][cScore] = 2.5
	for i := range rows {
		f.Add(encodeRow(nil, &rows[i]))
	}
	f.Add([]byte{0x0a, 0x05, 'x'})        // truncated string
	f.Add([]byte{0x18, 0x07})             // enum ordinal out of range
	f.Add([]byte{0x52, 0x02, 0x01, 0x02}) // uuid of 2 bytes
	f.Add([]byte{0x31, 1, 2, 3, 4, 5, 6, 7, 8})
	l := peopleLayout(1)
	schema, err := scan.ArrowSchema(&l, scan.Docs{})
	if err != nil {
		f.Fatal(err)
	}
	decode := make([]bool, nCols)
	project := make([]int, nCols)
	for i := range decode {
		decode[i], project[i] = true, i
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := scan.NewRowDecoder(&l, decode, project)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Load(b); err != nil {
			return
		}
		rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
		defer rb.Release()
		if err := d.Append(rb); err != nil {
			t.Fatalf("row accepted by Load fails to append: %v", err)
		}
		rec := rb.NewRecordBatch()
		defer rec.Release()
		if rec.NumRows() != 1 {
			t.Fatalf("%d rows, want 1", rec.NumRows())
		}
	})
}
