package compat

import (
	"cmp"
	"slices"

	"github.com/tablegen/tablegen/internal/schema"
)

// CheckRetired reports every place where s uses an id that l (the lock file
// as committed) has retired: a table id, a column tag, or an index id. Each
// error is at the declaration in the YAML, says what the id used to be, and
// how to fix it. `tablegen generate` runs it before Build, and must not write
// the lock when it reports anything.
//
// One reuse is allowed: a column that takes its own retired tag back, with the
// same name and type, restores the column (it reads its own old values), and
// Build then un-retires the tag. Table and index ids are never restored: the
// runtime may already have dropped or left stale data under them.
func CheckRetired(s *schema.Schema, l *Lock) schema.ErrorList {
	if l == nil {
		return nil
	}
	var errs schema.ErrorList
	add := func(pos schema.Pos, msg string) {
		errs = append(errs, &schema.Error{Pos: pos, Msg: msg})
	}
	nextTable := l.nextTableID()
	for _, st := range s.Tables {
		nextTable = max(nextTable, st.ID+1)
	}
	for _, st := range s.Tables {
		t := tableOf(st)
		if r := l.retiredTable(t.ID); r != nil {
			add(st.Pos, tableReuseMsg(t, r, nextTable))
		}
		lt := l.tableByID(t.ID)
		if lt == nil {
			continue
		}
		next := nextTag(lt, t)
		for _, c := range t.Columns {
			if r := lt.retiredTag(c.Tag); r != nil && !restores(*r, c) {
				add(c.Pos, tagReuseMsg(t, c, r, next))
			}
		}
		nextIndex := nextIndexID(lt, t)
		for _, x := range t.Indexes {
			if r := lt.retiredIndex(x.ID); r != nil {
				add(x.Pos, indexReuseMsg(t, x, r, nextIndex))
			}
		}
	}
	slices.SortStableFunc(errs, func(a, b *schema.Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return errs
}
