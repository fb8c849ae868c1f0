package compat

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// Finding is one breaking (or risky) difference between two versions of the
// schemas. Pos is in the new schema, or in the old one (a YAML file, or the
// old lock file) when what it reports was removed.
type Finding struct {
	Pos     schema.Pos
	Rule    string // one of the Rule* constants, stable across releases
	Level   Level
	Message string // what breaks and how to fix it; never contains a newline
}

// String formats f the way compilers format diagnostics, so that editors and
// CI annotations can jump to it:
//
//	file:line:col: RULE_ID: message
//	file:line:col: warning: RULE_ID: message
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Pos.File)
	if f.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Pos.Line)
		if f.Pos.Column > 0 {
			fmt.Fprintf(&b, ":%d", f.Pos.Column)
		}
	}
	b.WriteString(": ")
	if f.Level == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(f.Rule)
	b.WriteString(": ")
	b.WriteString(f.Message)
	return b.String()
}

// Compare returns every breaking difference from old to new, sorted by
// position, then rule. old is typically the lock committed at the base
// revision (or Build of the schemas there); new is Snapshot of the current
// schemas and the current lock file, so that its retired ids are the ones a
// `tablegen generate` run recorded. The rules are listed in the package
// documentation.
//
// Tables are matched by full name, then, for the rest, by id (a renamed table
// keeps its id and its data). Columns are matched by tag, indexes by id.
func Compare(old, new *Lock) []Finding {
	c := &comparer{old: old, new: new}
	for _, nt := range new.Tables {
		c.table(nt)
	}
	for _, ot := range old.Tables {
		if new.Table(ot.Name) != nil {
			continue
		}
		if nt := new.tableByID(ot.ID); nt != nil && old.Table(nt.Name) == nil {
			continue // renamed
		}
		if new.retiredTable(ot.ID) == nil {
			c.add(ot.Pos, RuleTableRemovedNotRetired, Error,
				"table %s (id %d) was removed but the lock file does not retire id %d, so a later table could take the id and read the old rows as its own; run `tablegen generate` to retire it and commit %s",
				ot.Name, ot.ID, ot.ID, LockFile)
		}
	}
	slices.SortFunc(c.out, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return c.out
}

type comparer struct {
	old, new *Lock
	out      []Finding
}

func (c *comparer) add(pos schema.Pos, rule string, level Level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.NewReplacer("\r", " ", "\n", "; ").Replace(msg)
	c.out = append(c.out, Finding{Pos: pos, Rule: rule, Level: level, Message: msg})
}

func (c *comparer) nextTableID() uint32 { return max(c.old.nextTableID(), c.new.nextTableID()) }

// table compares one new table with the old table it continues, if any.
func (c *comparer) table(nt *Table) {
	if ot := c.old.Table(nt.Name); ot != nil {
		if ot.ID != nt.ID {
			c.add(nt.Pos, RuleTableIDChanged, Error,
				"table %s changed id from %d to %d; rows and index entries are keyed by the table id, so every row stored under %d would be lost to it; restore `id: %d` (to move data, create a new table and copy the rows)",
				nt.Name, ot.ID, nt.ID, ot.ID, ot.ID)
			return
		}
		c.columnsAndIndexes(ot, nt)
		return
	}
	if ot := c.old.tableByID(nt.ID); ot != nil {
		if c.new.Table(ot.Name) != nil {
			c.add(nt.Pos, RuleTableIDReused, Error,
				"table %s uses id %d, which belonged to table %s, so it would read that table's stored rows as its own; pick an unused id such as %d",
				nt.Name, nt.ID, ot.Name, c.nextTableID())
			return
		}
		c.columnsAndIndexes(ot, nt) // a rename: same id, same data
		return
	}
	if r := c.old.retiredTable(nt.ID); r != nil {
		c.add(nt.Pos, RuleTableIDReused, Error, "%s", tableReuseMsg(nt, r, c.nextTableID()))
	}
}

func tableReuseMsg(nt *Table, r *RetiredTable, next uint32) string {
	was := ""
	if r.Name != "" {
		was = fmt.Sprintf(" (it was table %s)", r.Name)
	}
	return fmt.Sprintf("table %s uses id %d, which is retired%s; rows of the retired table may remain under that id and would be read as this table's; pick an unused id such as %d",
		nt.Name, nt.ID, was, next)
}

func (c *comparer) columnsAndIndexes(ot, nt *Table) {
	c.kind(ot, nt)
	c.key(ot, nt)
	c.columns(ot, nt)
	c.indexes(ot, nt)
}

func (c *comparer) kind(ot, nt *Table) {
	if ot.Kind == nt.Kind {
		return
	}
	if (ot.Kind == schema.KindUser) != (nt.Kind == schema.KindUser) {
		c.add(nt.Pos, RuleTableKindChanged, Error,
			"table %s changed kind from %s to %s; user tables prefix every key with the owner's id, so every stored key would be misread; restore `kind: %s` (to change it, create a new table with a new id and copy the rows)",
			nt.Name, ot.Kind, nt.Kind, ot.Kind)
		return
	}
	c.add(nt.Pos, RuleTableKindChanged, Warning,
		"table %s changed kind from %s to %s; stored keys are unchanged, but what the kind implies for rows already stored (expiry, access) changes; make sure that is intended",
		nt.Name, ot.Kind, nt.Kind)
}

func (c *comparer) key(ot, nt *Table) {
	same := len(ot.Key.Columns) == len(nt.Key.Columns)
	for i := 0; same && i < len(ot.Key.Columns); i++ {
		o, n := ot.Key.Columns[i], nt.Key.Columns[i]
		same = sameColumn(ot, o.Name, nt, n.Name) && sameKeyEncoding(o.Type, n.Type) && o.Desc == n.Desc
	}
	if same {
		return
	}
	c.add(nt.Key.Pos, RuleKeyChanged, Error,
		"the key of table %s changed from %s to %s; every stored row key (and every non-unique index entry) would be misread; restore the old key (to re-key a table, create a new table with a new id and copy the rows)",
		nt.Name, keyString(ot.Key), keyString(nt.Key))
}

// sameColumn reports whether column on of ot and column nn of nt are the same
// stored column: the same tag when both are known (a rename keeps the tag),
// the same name otherwise.
func sameColumn(ot *Table, on string, nt *Table, nn string) bool {
	oc, nc := ot.columnByName(on), nt.columnByName(nn)
	if oc != nil && nc != nil {
		return oc.Tag == nc.Tag
	}
	return on == nn
}

// sameKeyEncoding reports whether runtime/keyenc encodes values of types a
// and b to the same bytes, so that stored keys and index entries stay valid:
// strings and bytes share an encoding, enums are encoded as int32, and
// timestamps and durations as int64 microseconds. Whether the values keep
// their meaning is the column rules' business (COLUMN_TYPE_*), since every
// key and indexed column is also a column.
func sameKeyEncoding(a, b schema.Type) bool {
	return keyClass(a) == keyClass(b)
}

func keyClass(t schema.Type) schema.Type {
	switch t {
	case schema.TypeBytes, schema.TypeJSON:
		return schema.TypeString
	case schema.TypeEnum:
		return schema.TypeInt32
	case schema.TypeTimestamp, schema.TypeDuration:
		return schema.TypeInt64
	}
	return t
}

func keyString(k Key) string {
	parts := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		parts[i] = c.Name + " " + string(c.Type)
		if c.Desc {
			parts[i] += " desc"
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func nextTag(tables ...*Table) int32 {
	var m int32
	for _, t := range tables {
		for _, c := range t.Columns {
			m = max(m, c.Tag)
		}
		for _, r := range t.RetiredTags {
			m = max(m, r.Tag)
		}
	}
	return m + 1
}

func nextIndexID(tables ...*Table) uint32 {
	var m uint32
	for _, t := range tables {
		for _, x := range t.Indexes {
			m = max(m, x.ID)
		}
		for _, r := range t.RetiredIndexes {
			m = max(m, r.ID)
		}
	}
	return m + 1
}

func (c *comparer) columns(ot, nt *Table) {
	next := nextTag(ot, nt)
	for _, nc := range nt.Columns {
		if oc := ot.columnByName(nc.Name); oc != nil && oc.Tag != nc.Tag {
			c.add(nc.Pos, RuleColumnTagChanged, Error,
				"column %s of table %s moved from tag %d to tag %d; its stored values are under tag %d and would no longer be read; restore `tag: %d`",
				nc.Name, nt.Name, oc.Tag, nc.Tag, oc.Tag, oc.Tag)
		}
		oc := ot.column(nc.Tag)
		if oc == nil {
			if r := ot.retiredTag(nc.Tag); r != nil && !restores(*r, nc) {
				c.add(nc.Pos, RuleColumnTagReused, Error, "%s", tagReuseMsg(nt, nc, r, next))
			}
			continue
		}
		if oc.Name != nc.Name {
			if moved := nt.columnByName(oc.Name); moved != nil {
				c.add(nc.Pos, RuleColumnTagReused, Error,
					"column %s of table %s uses tag %d, which held column %s (now tag %d); stored %s values would be read as %s; pick an unused tag such as %d",
					nc.Name, nt.Name, nc.Tag, oc.Name, moved.Tag, oc.Name, nc.Name, next)
				continue
			}
			c.add(nc.Pos, RuleColumnRenamed, Warning,
				"column %s of table %s (tag %d) was renamed from %s; stored values carry over, but Parquet files already flushed still call it %s; if %s is a different column rather than a rename, give it an unused tag such as %d",
				nc.Name, nt.Name, nc.Tag, oc.Name, oc.Name, nc.Name, next)
		}
		c.column(nt, oc, nc, next)
	}
	for _, oc := range ot.Columns {
		if nt.column(oc.Tag) != nil || nt.retiredTag(oc.Tag) != nil {
			continue
		}
		if moved := nt.columnByName(oc.Name); moved != nil {
			continue // reported as COLUMN_TAG_CHANGED
		}
		c.add(oc.Pos, RuleColumnRemovedNotRetired, Error,
			"column %s (tag %d) of table %s was removed but the lock file does not retire tag %d, so a later column could take the tag and misread the stored values; run `tablegen generate` to retire it (and list %d under `reserved: {tags: [...]}` to document it)",
			oc.Name, oc.Tag, ot.Name, oc.Tag, oc.Tag)
	}
}

func tagReuseMsg(nt *Table, nc *Column, r *RetiredTag, next int32) string {
	if r.Name == "" {
		return fmt.Sprintf("column %s of table %s uses tag %d, which is retired (it was reserved); old rows may hold another column's values under it; pick an unused tag such as %d and keep %d under `reserved: {tags: [...]}`",
			nc.Name, nt.Name, nc.Tag, next, nc.Tag)
	}
	return fmt.Sprintf("column %s of table %s uses tag %d, which is retired (it was column %s, %s); old rows may still hold %s values under tag %d and would decode them as %s; pick an unused tag such as %d and list %d under `reserved: {tags: [...]}`, or restore column %s with type %s",
		nc.Name, nt.Name, nc.Tag, r.Name, r.Type, r.Name, nc.Tag, nc.Name, next, nc.Tag, r.Name, r.Type)
}

// column compares two versions of the column stored under one tag.
func (c *comparer) column(nt *Table, oc, nc *Column, next int32) {
	if safe, level, why := typeChange(oc.Type, nc.Type); !safe {
		rule := RuleColumnTypeIncompatible
		fix := fmt.Sprintf("restore type %s, or add a new column with an unused tag such as %d", oc.Type, next)
		if level == Warning {
			rule = RuleColumnTypeChanged
			fix = "make sure every stored value is valid for the new type"
		}
		c.add(nc.Pos, rule, level, "column %s of table %s (tag %d) changed type from %s to %s: %s; %s",
			nc.Name, nt.Name, nc.Tag, oc.Type, nc.Type, why, fix)
	}
	if oc.Nullable && !nc.Nullable {
		c.add(nc.Pos, RuleColumnNullableToRequired, Error,
			"column %s of table %s (tag %d) is no longer nullable; rows stored without a value would read as the zero value, indistinguishable from a real one; keep `nullable: true` (or set a value in every stored row first, then allow this rule)",
			nc.Name, nt.Name, nc.Tag)
	}
	if oc.Type == schema.TypeEnum && nc.Type == schema.TypeEnum {
		c.enum(nt, oc, nc)
	}
}

// enum applies the enum rules: a value is stored as its position in the old
// declaration, so each old position must keep its name.
func (c *comparer) enum(nt *Table, oc, nc *Column) {
	var moved, renamed, removed []string
	for i, v := range oc.Values {
		j := slices.Index(nc.Values, v)
		switch {
		case j == i:
		case j >= 0:
			moved = append(moved, fmt.Sprintf("%s %d→%d", v, i, j))
		case i < len(nc.Values) && !slices.Contains(oc.Values, nc.Values[i]):
			renamed = append(renamed, fmt.Sprintf("%d %s→%s", i, v, nc.Values[i]))
		default:
			removed = append(removed, fmt.Sprintf("%s (%d)", v, i))
		}
	}
	what := fmt.Sprintf("enum column %s of table %s (tag %d)", nc.Name, nt.Name, nc.Tag)
	if len(removed) > 0 {
		c.add(nc.Pos, RuleEnumValueRemoved, Error,
			"%s lost %s %s; enum values are stored as their position, so rows holding %s would decode to a position with no name; keep %s (new values go at the end)",
			what, plural(len(removed), "value", "values"), strings.Join(removed, ", "),
			plural(len(removed), "it", "one"), plural(len(removed), "the value", "the values"))
	}
	if len(renamed) > 0 {
		c.add(nc.Pos, RuleEnumValueRenamed, Error,
			"%s renamed %s %s; enum values are stored as their position, so stored rows would silently take the new name; restore the old name and add the new one at the end",
			what, plural(len(renamed), "value", "values"), strings.Join(renamed, ", "))
	}
	if len(moved) > 0 {
		c.add(nc.Pos, RuleEnumValuesReordered, Error,
			"%s reordered its values (%s); enum values are stored as their position, so stored rows would read as a different value; restore the old order and add new values at the end",
			what, strings.Join(moved, ", "))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (c *comparer) indexes(ot, nt *Table) {
	next := nextIndexID(ot, nt)
	for _, ni := range nt.Indexes {
		oi := ot.index(ni.ID)
		if oi == nil {
			if r := ot.retiredIndex(ni.ID); r != nil {
				c.add(ni.Pos, RuleIndexIDReused, Error, "%s", indexReuseMsg(nt, ni, r, next))
				continue
			}
			if ni.Unique {
				c.add(ni.Pos, RuleUniqueIndexAdded, Warning,
					"unique index %s (id %d) was added to existing table %s; rows already stored may hold duplicate values, and then building the index fails when the database opens; check the data for duplicates first",
					ni.Name, ni.ID, nt.Name)
			}
			continue
		}
		if why := indexChange(ot, oi, nt, ni); why != "" {
			c.add(ni.Pos, RuleIndexColumnsChanged, Error,
				"index %s (id %d) of table %s %s; its stored entries are laid out for the old definition and would be misread; give the changed index an unused id such as %d (the old id is then retired and its entries dropped)",
				ni.Name, ni.ID, nt.Name, why, next)
		}
	}
	for _, oi := range ot.Indexes {
		if nt.index(oi.ID) == nil && nt.retiredIndex(oi.ID) == nil {
			c.add(oi.Pos, RuleIndexRemovedNotRetired, Error,
				"index %s (id %d) of table %s was removed but the lock file does not retire id %d, so a later index could take the id over stale entries; run `tablegen generate` to retire it",
				oi.Name, oi.ID, ot.Name, oi.ID)
		}
	}
}

func indexReuseMsg(nt *Table, ni *Index, r *RetiredIndex, next uint32) string {
	was := ""
	if r.Name != "" {
		was = fmt.Sprintf(" (it was index %s)", r.Name)
	}
	return fmt.Sprintf("index %s of table %s uses id %d, which is retired%s; entries of the retired index may remain under that id; pick an unused id such as %d",
		ni.Name, nt.Name, ni.ID, was, next)
}

// indexChange says how index ni differs from oi in a way that changes its
// stored entries, or "" when it does not: the indexed columns (by tag, so a
// renamed column is the same), their types (the key encoding), their order,
// and uniqueness (a unique entry's key omits the primary key).
func indexChange(ot *Table, oi *Index, nt *Table, ni *Index) string {
	if oi.Unique != ni.Unique {
		if ni.Unique {
			return "became unique"
		}
		return "is no longer unique"
	}
	sameCols := len(oi.Columns) == len(ni.Columns)
	for i := 0; sameCols && i < len(oi.Columns); i++ {
		sameCols = sameColumn(ot, oi.Columns[i], nt, ni.Columns[i])
	}
	if !sameCols {
		return fmt.Sprintf("changed columns from (%s) to (%s)", strings.Join(oi.Columns, ", "), strings.Join(ni.Columns, ", "))
	}
	for i, name := range ni.Columns {
		oc, nc := ot.columnByName(oi.Columns[i]), nt.columnByName(name)
		if oc != nil && nc != nil && !sameKeyEncoding(oc.Type, nc.Type) {
			return fmt.Sprintf("indexes column %s, whose type changed from %s to %s, which changes how its entries are encoded", name, oc.Type, nc.Type)
		}
	}
	return ""
}
