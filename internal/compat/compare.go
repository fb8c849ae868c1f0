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

func tagReuseMsg(nt *Table, nc *Column, r *RetiredTag, next int32) string {
	if r.Name == "" {
		return fmt.Sprintf("column %s of table %s uses tag %d, which is retired (it was reserved); old rows may hold another column's values under it; pick an unused tag such as %d and keep %d under `reserved: {tags: [...]}`",
			nc.Name, nt.Name, nc.Tag, next, nc.Tag)
	}
	return fmt.Sprintf("column %s of table %s uses tag %d, which is retired (it was column %s, %s); old rows may still hold %s values under tag %d and would decode them as %s; pick an unused tag such as %d and list %d under `reserved: {tags: [...]}`, or restore column %s with type %s",
		nc.Name, nt.Name, nc.Tag, r.Name, r.Type, r.Name, nc.Tag, nc.Name, next, nc.Tag, r.Name, r.Type)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func indexReuseMsg(nt *Table, ni *Index, r *RetiredIndex, next uint32) string {
	was := ""
	if r.Name != "" {
		was = fmt.Sprintf(" (it was index %s)", r.Name)
	}
	return fmt.Sprintf("index %s of table %s uses id %d, which is retired%s; entries of the retired index may remain under that id; pick an unused id such as %d",
		ni.Name, nt.Name, ni.ID, was, next)
}
