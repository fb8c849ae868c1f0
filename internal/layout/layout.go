// Package layout derives a table's runtime description from the validated
// schema model: the binding [store.Layout] (what the stored bytes mean, and
// so what the database's fingerprint check compares) and the [scan.Docs]
// that go into Arrow metadata. It is the one place that maps the model onto
// the runtime, so the generator and tools that read the YAML at run time
// (tablegen inspect) cannot disagree about a layout.
package layout

import (
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// Of returns the layout of t: columns in declaration order, key columns in
// key order with their direction, indexes in id order. A nil table or key
// yields the parts that exist; the schema loader never produces either.
func Of(t *schema.Table) store.Layout {
	if t == nil {
		return store.Layout{}
	}
	l := store.Layout{ID: t.ID, Namespace: t.Namespace, Name: t.Name, Kind: string(t.Kind)}
	if t.Key != nil {
		for i, c := range t.Key.Columns {
			desc := i < len(t.Key.Desc) && t.Key.Desc[i]
			l.Key = append(l.Key, store.KeyColumn{Name: c.Name, Type: string(c.Type), Desc: desc})
		}
	}
	for _, c := range t.Columns {
		var values []string
		if c.Type == schema.TypeEnum {
			values = append([]string(nil), c.Values...)
		}
		l.Columns = append(l.Columns, store.ColumnLayout{Tag: c.Tag, Name: c.Name, Type: string(c.Type), Nullable: c.Nullable, Values: values})
	}
	for _, ix := range t.Indexes {
		x := store.IndexLayout{ID: ix.ID, Name: ix.Name, Unique: ix.Unique}
		for _, c := range ix.Columns {
			x.Columns = append(x.Columns, c.Name)
		}
		l.Indexes = append(l.Indexes, x)
	}
	return l
}

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
