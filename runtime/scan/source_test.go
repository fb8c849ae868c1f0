package scan_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// FuzzRowDecoder feeds arbitrary bytes to the schema-driven decoder as a
// stored row, on both of its paths: Load + Append (a filtered scan) and
// appendRow (the one-pass walk of an unfiltered scan, which hands rows it
// cannot take to Load). Neither may panic, both must accept and refuse the
// same rows, and the batches they build must be equal, with every buffer
// of a refused row given back. It does so for two projections: every
// column, and the last two (score and counter), for which appendRow skips the
// fields before them on its fast path for unneeded fields.
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
	// A ten-byte varint (a negative age), a length running past the row.
	f.Add([]byte{0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x68, 0x07})
	f.Add([]byte{0x0a, 0x40, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 0x68, 0x07})
	l := peopleLayout(1)
	full, err := scan.ArrowSchema(&l, scan.Docs{})
	if err != nil {
		f.Fatal(err)
	}
	all := make([]int, nCols)
	for i := range all {
		all[i] = i
	}
	projections := [][]int{all, {cScore, cCounter}}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, project := range projections {
			decodeBoth(t, &l, full, project, b)
		}
	})
}

// decodeBoth is one FuzzRowDecoder check of row b under projection project.
func decodeBoth(t *testing.T, l *layout.Table, full *arrow.Schema, project []int, b []byte) {
	decode := make([]bool, nCols)
	fields := make([]arrow.Field, len(project))
	for i, p := range project {
		decode[p], fields[i] = true, full.Field(p)
	}
	md := full.Metadata()
	schema := arrow.NewSchema(fields, &md)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var ds [2]interface {
		SetOutput(memory.Allocator, *arrow.Schema) error
		Load([]byte) error
		Append() error
		AppendRow([]byte) error
		Batch() arrow.RecordBatch
		Release()
	}
	for i := range ds {
		d, err := scan.NewRowDecoder(l, decode, project)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetOutput(mem, schema); err != nil {
			t.Fatal(err)
		}
		defer d.Release()
		ds[i] = d
	}
	ref, direct := ds[0], ds[1]
	errRef := ref.Load(b)
	if errRef == nil {
		if errRef = ref.Append(); errRef != nil {
			t.Fatalf("projection %v: row accepted by Load fails to append: %v", project, errRef)
		}
	}
	errDirect := direct.AppendRow(b)
	if (errRef == nil) != (errDirect == nil) {
		t.Fatalf("projection %v: Load+Append error %v, appendRow error %v", project, errRef, errDirect)
	}
	a, d := ref.Batch(), direct.Batch()
	defer a.Release()
	defer d.Release()
	if want := map[bool]int64{true: 1, false: 0}[errRef == nil]; a.NumRows() != want || d.NumRows() != want {
		t.Fatalf("projection %v: batches of %d and %d rows, want %d", project, a.NumRows(), d.NumRows(), want)
	}
	// Exact equality, except that a NaN equals a NaN.
	if !array.RecordApproxEqual(a, d, array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
		t.Fatalf("projection %v: batches differ:\nLoad+Append: %v\nappendRow: %v", project, a, d)
	}
}
