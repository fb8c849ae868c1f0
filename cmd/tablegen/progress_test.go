package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/schollz/progressbar/v3"
)

// TestCountingReader: the row counter passes every batch through unchanged
// and counts its rows; without a terminal no counter is added at all.
func TestCountingReader(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var batches []arrow.RecordBatch
	for _, n := range []int{3, 0, 5} {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := range n {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
		}
		batches = append(batches, b.NewRecordBatch())
		b.Release()
	}
	newReader := func() array.RecordReader {
		r, err := array.NewRecordReader(schema, batches)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var stdout, stderr bytes.Buffer
	if r := newReader(); withRowCounter(r, &stdout, &stderr, "x") != r {
		t.Fatal("withRowCounter wrapped a reader although stderr is not a terminal")
	}
	var shown bytes.Buffer
	c := &countingReader{RecordReader: newReader(), bar: progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(&shown), progressbar.OptionShowCount(), progressbar.OptionThrottle(0))}
	var rows []int64
	for c.Next() {
		rows = append(rows, c.RecordBatch().NumRows())
	}
	if len(rows) != 3 || rows[0] != 3 || rows[1] != 0 || rows[2] != 5 {
		t.Fatalf("batches through the counter: %v; want [3 0 5]", rows)
	}
	if !strings.Contains(shown.String(), "8") {
		t.Fatalf("the counter never showed 8 rows: %q", shown.String())
	}
}
