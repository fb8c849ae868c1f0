package schema

import "github.com/tablegen/tablegen/runtime/layout"

// Layout returns the runtime description of t: what its stored bytes mean,
// and so what the database's fingerprint check and upgrade-on-open compare.
// It is the one mapping from the schema model onto the runtime, used by the
// generator (the layout literal), `tablegen inspect` and `tablegen flush`,
// so they cannot disagree about a layout. Columns are in declaration order,
// key columns in key order with their direction, indexes in id order. A nil
// table or key yields the parts that exist; the loader never produces either.
func (t *Table) Layout() layout.Table {
	if t == nil {
		return layout.Table{}
	}
	l := layout.Table{ID: t.ID, Namespace: t.Namespace, Name: t.Name, Kind: layout.Kind(t.Kind), NeverFlush: t.NeverFlush}
	if l.Kind.Expires() {
		l.TTL, l.MaxRowsPerOwner = t.TTL, t.MaxRowsPerOwner
	}
	if t.OwnerType != TypeString {
		l.Owner = string(t.OwnerType) // "" for string, so existing layouts keep their fingerprint
	}
	if t.Key != nil {
		for i, c := range t.Key.Columns {
			desc := i < len(t.Key.Desc) && t.Key.Desc[i]
			l.Key = append(l.Key, layout.KeyColumn{Name: c.Name, Type: string(c.Type), Desc: desc})
		}
	}
	for _, c := range t.Columns {
		var values []string
		if c.Type == TypeEnum {
			values = append([]string(nil), c.Values...)
		}
		l.Columns = append(l.Columns, layout.Column{Tag: c.Tag, Name: c.Name, Type: string(c.Type), Nullable: c.Nullable, Values: values, Precision: c.Precision, Scale: c.Scale})
	}
	for _, ix := range t.Indexes {
		x := layout.Index{ID: ix.ID, Name: ix.Name, Unique: ix.Unique, Covering: ix.Covering}
		for _, c := range ix.Columns {
			x.Columns = append(x.Columns, c.Name)
		}
		l.Indexes = append(l.Indexes, x)
	}
	return l
}
