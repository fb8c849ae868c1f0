package scan

import "github.com/tablegen/tablegen/runtime/layout"

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
