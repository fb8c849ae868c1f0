package compat

import (
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// LockFile is the conventional path of the lock file, relative to the
// directory that holds schemas/. `tablegen generate` writes it and
// `tablegen breaking` reads it.
const LockFile = "schemas/tablegen.lock"

// Lock is the storage-relevant shape of every table: the facts that decide
// how rows, keys and index entries are laid out on disk, plus every id that
// has been retired and may never be used again. It is what the lock file
// records and what breaking-change rules compare; it deliberately omits what
// does not touch storage (docs, Go names, access levels, TTLs).
//
// Pos fields are not written to the lock file: they are where the fact was
// read from (a YAML declaration for a Lock built from a schema, a lock file
// line for a parsed one), so that findings can point at a file:line:col.
type Lock struct {
	Tables        []*Table       // sorted by Name
	RetiredTables []RetiredTable // sorted by ID
}

// Table is one live table of a Lock.
type Table struct {
	Pos            schema.Pos
	ID             uint32
	Name           string // full name, "namespace.table"
	Kind           schema.Kind
	Owner          string // owner type of a user or stream table: "" (string), "uuid" or "int64"
	Key            Key
	Columns        []*Column      // sorted by Tag
	Indexes        []*Index       // sorted by ID
	RetiredTags    []RetiredTag   // sorted by Tag
	RetiredIndexes []RetiredIndex // sorted by ID
}

// Key is a table's primary key layout, in key order.
type Key struct {
	Pos     schema.Pos
	Columns []KeyColumn
}

// KeyColumn is one component of a primary key.
type KeyColumn struct {
	Pos  schema.Pos
	Name string
	Type schema.Type
	Desc bool
}

// Column is one live column: its tag is its identity on the wire.
type Column struct {
	Pos      schema.Pos
	Tag      int32
	Name     string
	Type     schema.Type
	Nullable bool
	Values   []string // enum values; the stored value of Values[i] is i
	// Precision and Scale of a decimal column (its `digits P S` line);
	// stored values are v×10^Scale, so both are part of what they mean.
	Precision, Scale int32
}

// Index is one live secondary index: its id is its identity on disk.
type Index struct {
	Pos     schema.Pos
	ID      uint32
	Name    string
	Columns []string // column names, in index order
	Unique  bool
	// Covering entries carry a copy of the row. It changes what an entry
	// holds, so the store rebuilds the index when it changes; it is written
	// only when true, so the locks of indexes that do not cover read as
	// they did before covering existed.
	Covering bool
}

// RetiredTable is a table id that may never be used again. Name records what
// the id was, so that an error can say so.
type RetiredTable struct {
	Pos  schema.Pos
	ID   uint32
	Name string
}

// RetiredTag is a column tag that may never be used again by a different
// column. Name and Type record the column it was; both are empty when the tag
// was only ever listed under `reserved:`. A column with the same name and
// type may take the tag back (it reads its own old values); see CheckRetired.
type RetiredTag struct {
	Pos  schema.Pos
	Tag  int32
	Name string
	Type schema.Type
}

// RetiredIndex is an index id that may never be used again in its table.
type RetiredIndex struct {
	Pos  schema.Pos
	ID   uint32
	Name string
}

// Build returns the lock of s as `tablegen generate` writes it: the tables of
// s, and the retired ids of prev (nil for none) plus every table, column and
// index of prev that s no longer has. Removing something from a schema thus
// retires its id automatically, and a retired id is never forgotten.
//
// A table's own retirements follow its id, not its name: a renamed table
// keeps them, a table given a new id starts afresh under that id (and the old
// id is retired). Tags listed under `reserved: {tags: …}` are recorded as
// retired too, so that deleting the reservation later does not free them.
//
// Build never fails: call CheckRetired first, and do not write the lock when
// it reports errors, since a schema that reuses a retired id produces a lock
// that still lists the retirement next to the live use.
func Build(s *schema.Schema, prev *Lock) *Lock {
	return build(s, prev, true)
}

// Snapshot returns the lock of s with exactly the retirements recorded in
// committed (nil for none) and the tags reserved in s: unlike Build it
// retires nothing by itself. `tablegen breaking` compares the old lock with
// the Snapshot of the current schemas and the current lock file, so that a
// table, column or index removed without running `tablegen generate` (which
// would have retired its id) is reported.
func Snapshot(s *schema.Schema, committed *Lock) *Lock {
	return build(s, committed, false)
}

func build(s *schema.Schema, prev *Lock, retireRemoved bool) *Lock {
	l := &Lock{}
	live := map[uint32]bool{}
	for _, st := range s.Tables {
		t := tableOf(st)
		live[t.ID] = true
		var p *Table
		if prev != nil {
			p = prev.tableByID(t.ID)
		}
		if p != nil {
			t.RetiredTags = slices.Clone(p.RetiredTags)
			t.RetiredIndexes = slices.Clone(p.RetiredIndexes)
			if retireRemoved {
				for _, c := range p.Columns {
					if t.column(c.Tag) == nil && t.retiredTag(c.Tag) == nil {
						t.RetiredTags = append(t.RetiredTags, RetiredTag{Pos: c.Pos, Tag: c.Tag, Name: c.Name, Type: c.Type})
					}
				}
				for _, x := range p.Indexes {
					if t.index(x.ID) == nil && t.retiredIndex(x.ID) == nil {
						t.RetiredIndexes = append(t.RetiredIndexes, RetiredIndex{Pos: x.Pos, ID: x.ID, Name: x.Name})
					}
				}
			}
			// A column that takes its own retired tag back (same name and
			// type) un-retires it.
			t.RetiredTags = slices.DeleteFunc(t.RetiredTags, func(r RetiredTag) bool {
				c := t.column(r.Tag)
				return c != nil && restores(r, c)
			})
		}
		for _, tag := range st.Reserved.Tags {
			if t.retiredTag(tag) == nil && t.column(tag) == nil {
				t.RetiredTags = append(t.RetiredTags, RetiredTag{Pos: st.Pos, Tag: tag})
			}
		}
		slices.SortFunc(t.RetiredTags, func(a, b RetiredTag) int { return cmpInt(a.Tag, b.Tag) })
		slices.SortFunc(t.RetiredIndexes, func(a, b RetiredIndex) int { return cmpInt(a.ID, b.ID) })
		l.Tables = append(l.Tables, t)
	}
	if prev != nil {
		l.RetiredTables = slices.Clone(prev.RetiredTables)
		if retireRemoved {
			for _, p := range prev.Tables {
				if !live[p.ID] && l.retiredTable(p.ID) == nil {
					l.RetiredTables = append(l.RetiredTables, RetiredTable{Pos: p.Pos, ID: p.ID, Name: p.Name})
				}
			}
		}
	}
	l.sort()
	return l
}

// restores reports whether column c is the very column that retired r: the
// same name and type, so the values stored under the tag are its own.
func restores(r RetiredTag, c *Column) bool {
	return r.Name != "" && r.Name == c.Name && r.Type == c.Type
}

// tableOf converts a validated schema table into its lock form.
func tableOf(st *schema.Table) *Table {
	t := &Table{
		Pos:  st.Pos,
		ID:   st.ID,
		Name: st.FullName(),
		Kind: st.Kind,
	}
	if st.OwnerType != "" && st.OwnerType != schema.TypeString {
		t.Owner = string(st.OwnerType)
	}
	if st.Key != nil {
		t.Key.Pos = st.Key.Pos
		for i, c := range st.Key.Columns {
			if c == nil {
				continue
			}
			kc := KeyColumn{Pos: c.Pos, Name: c.Name, Type: c.Type}
			if i < len(st.Key.Desc) {
				kc.Desc = st.Key.Desc[i]
			}
			t.Key.Columns = append(t.Key.Columns, kc)
		}
	}
	for _, c := range st.Columns {
		if c == nil {
			continue
		}
		col := &Column{Pos: c.Pos, Tag: c.Tag, Name: c.Name, Type: c.Type, Nullable: c.Nullable, Precision: c.Precision, Scale: c.Scale}
		if len(c.Values) > 0 {
			col.Values = slices.Clone(c.Values)
		}
		t.Columns = append(t.Columns, col)
	}
	for _, x := range st.Indexes {
		if x == nil {
			continue
		}
		ix := &Index{Pos: x.Pos, ID: x.ID, Name: x.Name, Unique: x.Unique, Covering: x.Covering}
		for _, c := range x.Columns {
			if c != nil {
				ix.Columns = append(ix.Columns, c.Name)
			}
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return t
}

// sort puts every list of l in its canonical order, the order Marshal writes.
func (l *Lock) sort() {
	slices.SortFunc(l.Tables, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(l.RetiredTables, func(a, b RetiredTable) int { return cmpInt(a.ID, b.ID) })
	for _, t := range l.Tables {
		slices.SortFunc(t.Columns, func(a, b *Column) int { return cmpInt(a.Tag, b.Tag) })
		slices.SortFunc(t.Indexes, func(a, b *Index) int { return cmpInt(a.ID, b.ID) })
		slices.SortFunc(t.RetiredTags, func(a, b RetiredTag) int { return cmpInt(a.Tag, b.Tag) })
		slices.SortFunc(t.RetiredIndexes, func(a, b RetiredIndex) int { return cmpInt(a.ID, b.ID) })
	}
}

func cmpInt[T int32 | uint32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Table returns the live table named name ("namespace.table"), or nil.
func (l *Lock) Table(name string) *Table {
	for _, t := range l.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func (l *Lock) tableByID(id uint32) *Table {
	for _, t := range l.Tables {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (l *Lock) retiredTable(id uint32) *RetiredTable {
	for i := range l.RetiredTables {
		if l.RetiredTables[i].ID == id {
			return &l.RetiredTables[i]
		}
	}
	return nil
}

// nextTableID is the smallest table id above every live and retired one.
func (l *Lock) nextTableID() uint32 {
	var m uint32
	for _, t := range l.Tables {
		m = max(m, t.ID)
	}
	for _, r := range l.RetiredTables {
		m = max(m, r.ID)
	}
	return m + 1
}

func (t *Table) column(tag int32) *Column {
	for _, c := range t.Columns {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

func (t *Table) columnByName(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (t *Table) index(id uint32) *Index {
	for _, x := range t.Indexes {
		if x.ID == id {
			return x
		}
	}
	return nil
}

func (t *Table) retiredTag(tag int32) *RetiredTag {
	for i := range t.RetiredTags {
		if t.RetiredTags[i].Tag == tag {
			return &t.RetiredTags[i]
		}
	}
	return nil
}

func (t *Table) retiredIndex(id uint32) *RetiredIndex {
	for i := range t.RetiredIndexes {
		if t.RetiredIndexes[i].ID == id {
			return &t.RetiredIndexes[i]
		}
	}
	return nil
}
