package compat

import (
	"fmt"
	"strings"

	"github.com/tablegen/tablegen/runtime/layout"
)

// columnsAndIndexes reports how nt, which continues ot (same id), differs
// from it. What a change does to stored bytes is layout.Diff's verdict, the
// same function the store runs when it opens a database; this file adds the
// positions in the YAML or lock file, the lock file's own rules (tags and
// index ids moved, reused or removed without being retired) and how to fix
// each finding.
func (c *comparer) columnsAndIndexes(ot, nt *Table) {
	ol, nl := ot.layout(), nt.layout()
	retired := make([]layout.Column, 0, len(ot.RetiredTags))
	for _, r := range ot.RetiredTags {
		retired = append(retired, layout.Column{Tag: r.Tag, Name: r.Name, Type: string(r.Type)})
	}
	changes := layout.Diff(&ol, &nl, layout.History{Retired: retired})
	next := nextTag(ot, nt)
	moot := c.lockColumns(ot, nt, next)
	keyDone := false
	indexDone := map[uint32]bool{}
	for _, ch := range changes {
		if ch.Verdict == layout.Safe || (ch.Tag != 0 && moot[ch.Tag]) {
			continue
		}
		nc := nt.column(ch.Tag)
		switch ch.Rule {
		case RuleTableKindChanged:
			c.kind(ot, nt, ch.Verdict)
		case RuleOwnerTypeChanged:
			c.add(nt.Pos, RuleOwnerTypeChanged, Error,
				"table %s changed its owner type from %s to %s; every row is stored under its owner's text, and owners stored as %s need not be valid %s text, so the typed API could not read or name them; restore `owner: {type: %s}` (to change it, create a new table with a new id and copy the rows)",
				nt.Name, ownerWord(ot.Owner), ownerWord(nt.Owner), ownerWord(ot.Owner), ownerWord(nt.Owner), ownerWord(ot.Owner))
		case RuleKeyChanged:
			if !keyDone {
				keyDone = true
				c.add(nt.Key.Pos, RuleKeyChanged, Error,
					"the key of table %s changed from %s to %s; every stored row key (and every non-unique index entry) would be misread; restore the old key (to re-key a table, create a new table with a new id and copy the rows)",
					nt.Name, keyString(ot.Key), keyString(nt.Key))
			}
		case RuleColumnRenamed:
			oc := ot.column(ch.Tag)
			c.add(nc.Pos, RuleColumnRenamed, Warning,
				"column %s of table %s (tag %d) was renamed from %s; stored values carry over, but Parquet files already flushed still call it %s; if %s is a different column rather than a rename, give it an unused tag such as %d",
				nc.Name, nt.Name, nc.Tag, oc.Name, oc.Name, nc.Name, next)
		case RuleColumnTypeIncompatible, RuleColumnTypeChanged:
			oc := ot.column(ch.Tag)
			rule, level := RuleColumnTypeIncompatible, Error
			fix := fmt.Sprintf("restore type %s, or add a new column with an unused tag such as %d", oc.Type, next)
			if ch.Verdict == layout.Warning {
				rule, level = RuleColumnTypeChanged, Warning
				fix = "make sure every stored value is valid for the new type"
			}
			c.add(nc.Pos, rule, level, "column %s of table %s (tag %d) changed type from %s to %s: %s; %s",
				nc.Name, nt.Name, nc.Tag, oc.Type, nc.Type, ch.Reason, fix)
		case RuleColumnNullableToRequired:
			c.add(nc.Pos, RuleColumnNullableToRequired, Error,
				"column %s of table %s (tag %d) is no longer nullable; rows stored without a value would read as the zero value, indistinguishable from a real one; keep `nullable: true` (or set a value in every stored row first, then allow this rule)",
				nc.Name, nt.Name, nc.Tag)
		case RuleEnumValueRemoved, RuleEnumValueRenamed, RuleEnumValuesReordered:
			c.enum(nt, nc, ch.Enum)
		case RuleDecimalScaleChanged, RuleDecimalPrecisionNarrowed, RuleDecimalPrecisionWidened:
			oc := ot.column(ch.Tag)
			level, fix := Error, fmt.Sprintf("restore decimal(%d,%d), or add a new column with an unused tag such as %d", oc.Precision, oc.Scale, next)
			if ch.Verdict == layout.Warning {
				level, fix = Warning, "readers of flushed and new files together must accept both precisions"
			}
			c.add(nc.Pos, ch.Rule, level, "column %s of table %s (tag %d) changed from decimal(%d,%d) to decimal(%d,%d): %s; %s",
				nc.Name, nt.Name, nc.Tag, oc.Precision, oc.Scale, nc.Precision, nc.Scale, ch.Reason, fix)
		case RuleColumnTagReused:
			c.add(nc.Pos, RuleColumnTagReused, Error, "%s", tagReuseMsg(nt, nc, ot.retiredTag(nc.Tag), next))
		case RuleUniqueIndexAdded:
			if ot.retiredIndex(ch.Index) != nil {
				continue // INDEX_ID_REUSED, in lockIndexes
			}
			ni := nt.index(ch.Index)
			c.add(ni.Pos, RuleUniqueIndexAdded, Warning,
				"unique index %s (id %d) was added to existing table %s; rows already stored may hold duplicate values, and then building the index fails when the database opens; check the data for duplicates first",
				ni.Name, ni.ID, nt.Name)
		case RuleIndexColumnsChanged:
			if !indexDone[ch.Index] {
				indexDone[ch.Index] = true
				ni := nt.index(ch.Index)
				c.add(ni.Pos, RuleIndexColumnsChanged, Error,
					"index %s (id %d) of table %s %s; its stored entries are laid out for the old definition and would be misread; give the changed index an unused id such as %d (the old id is then retired and its entries dropped)",
					ni.Name, ni.ID, nt.Name, indexWhy(changes, ch.Index), nextIndexID(ot, nt))
			}
		}
	}
	c.lockIndexes(ot, nt)
}

// indexWhy says how index id changed its entries, from Diff's changes: a
// change of uniqueness first (a unique entry's key omits the primary key),
// then of its columns or their encoding.
func indexWhy(changes []layout.Change, id uint32) string {
	why := ""
	for _, ch := range changes {
		if ch.Rule != RuleIndexColumnsChanged || ch.Index != id {
			continue
		}
		if ch.Reason == "became unique" || ch.Reason == "is no longer unique" {
			return ch.Reason
		}
		if why == "" {
			why = ch.Reason
		}
	}
	return why
}

// layout maps a lock table onto the description the runtime runs on.
func (t *Table) layout() layout.Table {
	ns, name, _ := strings.Cut(t.Name, ".")
	l := layout.Table{ID: t.ID, Namespace: ns, Name: name, Kind: layout.Kind(t.Kind), Owner: t.Owner}
	for _, k := range t.Key.Columns {
		l.Key = append(l.Key, layout.KeyColumn{Name: k.Name, Type: string(k.Type), Desc: k.Desc})
	}
	for _, c := range t.Columns {
		l.Columns = append(l.Columns, layout.Column{Tag: c.Tag, Name: c.Name, Type: string(c.Type), Nullable: c.Nullable, Values: c.Values, Precision: c.Precision, Scale: c.Scale})
	}
	for _, x := range t.Indexes {
		l.Indexes = append(l.Indexes, layout.Index{ID: x.ID, Name: x.Name, Columns: x.Columns, Unique: x.Unique, Covering: x.Covering})
	}
	return l
}

// kind reports a changed kind with Diff's verdict: refused when it adds or
// drops the owner scope of the keys (user and stream tables), a warning
// otherwise.
func (c *comparer) kind(ot, nt *Table, v layout.Verdict) {
	if v == layout.Refused {
		scoped := nt.Kind
		if !layout.Kind(scoped).OwnerScoped() {
			scoped = ot.Kind
		}
		c.add(nt.Pos, RuleTableKindChanged, Error,
			"table %s changed kind from %s to %s; %s tables prefix every key with the owner's id, so every stored key would be misread; restore `kind: %s` (to change it, create a new table with a new id and copy the rows)",
			nt.Name, ot.Kind, nt.Kind, scoped, ot.Kind)
		return
	}
	c.add(nt.Pos, RuleTableKindChanged, Warning,
		"table %s changed kind from %s to %s; stored keys are unchanged, but what the kind implies for rows already stored (expiry, access) changes; make sure that is intended",
		nt.Name, ot.Kind, nt.Kind)
}

// lockColumns applies the lock file's column rules: a column moved to
// another tag, a tag that now holds a column another tag still has, a
// column removed without its tag being retired. It returns the tags whose
// other findings would only repeat one it reported.
func (c *comparer) lockColumns(ot, nt *Table, next int32) map[int32]bool {
	moot := map[int32]bool{}
	for _, nc := range nt.Columns {
		if oc := ot.columnByName(nc.Name); oc != nil && oc.Tag != nc.Tag {
			c.add(nc.Pos, RuleColumnTagChanged, Error,
				"column %s of table %s moved from tag %d to tag %d; its stored values are under tag %d and would no longer be read; restore `tag: %d`",
				nc.Name, nt.Name, oc.Tag, nc.Tag, oc.Tag, oc.Tag)
		}
		oc := ot.column(nc.Tag)
		if oc == nil || oc.Name == nc.Name {
			continue
		}
		if moved := nt.columnByName(oc.Name); moved != nil {
			c.add(nc.Pos, RuleColumnTagReused, Error,
				"column %s of table %s uses tag %d, which held column %s (now tag %d); stored %s values would be read as %s; pick an unused tag such as %d",
				nc.Name, nt.Name, nc.Tag, oc.Name, moved.Tag, oc.Name, nc.Name, next)
			moot[nc.Tag] = true
		}
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
	return moot
}

// enum reports the edits Diff found in the value list of enum column nc: a
// value is stored as its position in the old declaration, so each old
// position must keep its name.
func (c *comparer) enum(nt *Table, nc *Column, e layout.EnumEdit) {
	what := fmt.Sprintf("enum column %s of table %s (tag %d)", nc.Name, nt.Name, nc.Tag)
	if n := len(e.Removed); n > 0 {
		c.add(nc.Pos, RuleEnumValueRemoved, Error,
			"%s lost %s %s; enum values are stored as their position, so rows holding %s would decode to a position with no name; keep %s (new values go at the end)",
			what, plural(n, "value", "values"), strings.Join(e.Removed, ", "), plural(n, "it", "one"), plural(n, "the value", "the values"))
	}
	if n := len(e.Renamed); n > 0 {
		c.add(nc.Pos, RuleEnumValueRenamed, Error,
			"%s renamed %s %s; enum values are stored as their position, so stored rows would silently take the new name; restore the old name and add the new one at the end",
			what, plural(n, "value", "values"), strings.Join(e.Renamed, ", "))
	}
	if len(e.Moved) > 0 {
		c.add(nc.Pos, RuleEnumValuesReordered, Error,
			"%s reordered its values (%s); enum values are stored as their position, so stored rows would read as a different value; restore the old order and add new values at the end",
			what, strings.Join(e.Moved, ", "))
	}
}

// lockIndexes applies the lock file's index rules: an index id that was
// retired, an index removed without its id being retired.
func (c *comparer) lockIndexes(ot, nt *Table) {
	next := nextIndexID(ot, nt)
	for _, ni := range nt.Indexes {
		if ot.index(ni.ID) == nil {
			if r := ot.retiredIndex(ni.ID); r != nil {
				c.add(ni.Pos, RuleIndexIDReused, Error, "%s", indexReuseMsg(nt, ni, r, next))
			}
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

// ownerWord names a lock table's owner type; "" is string.
func ownerWord(t string) string {
	if t == "" {
		return "string"
	}
	return t
}
