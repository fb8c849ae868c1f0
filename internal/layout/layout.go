// Package layout derives from the validated schema model what the runtime
// needs beside a table's layout (which [schema.Table.Layout] maps): the
// [scan.Docs] that go into Arrow metadata.
package layout

import (
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/scan"
)

// Docs returns the table and column docs of t for [scan.ArrowSchema]. Docs
// are kept out of the layout because editing a doc must not change the
// fingerprint of the stored bytes.
func Docs(t *schema.Table) scan.Docs {
	if t == nil {
		return scan.Docs{}
	}
	d := scan.Docs{Table: t.Doc, Columns: make(map[string]string, len(t.Columns))}
	for _, c := range t.Columns {
		if c.Doc != "" {
			d.Columns[c.Name] = c.Doc
		}
	}
	return d
}
