package scan

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/layout"
)

// PlanFor returns the plan a scan of table l would use for filter with
// owner scope scope, touching no database, so plans are testable.
func PlanFor(l *layout.Table, scope []byte, filter Expr) (*Plan, error) {
	t, err := newTable(l)
	if err != nil {
		return nil, err
	}
	var f *node
	if filter != nil {
		if f, err = t.bind(filter); err != nil {
			return nil, err
		}
	}
	return t.plan(scope, f), nil
}

// NewRowDecoder returns the schema-driven row decoder of a table layout
// (decode[i]: layout column i is needed; project: the projected columns in
// output order).
func NewRowDecoder(l *layout.Table, decode []bool, project []int) (*rowDecoder, error) {
	t, err := newTable(l)
	if err != nil {
		return nil, err
	}
	return t.newRowDecoder(decode, project)
}

// The batch-building methods of a row decoder, for the package's external
// tests (the fuzz target).
func (d *rowDecoder) SetOutput(mem memory.Allocator, schema *arrow.Schema) error {
	return d.setOutput(mem, schema, 0)
}
func (d *rowDecoder) AppendRow(value []byte) error { return d.appendRow(value) }
func (d *rowDecoder) Batch() arrow.RecordBatch     { return d.batch() }
func (d *rowDecoder) Release()                     { d.release() }
