package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Layout describes what a table's bytes mean on disk: its id, key columns,
// column tags and types, and indexes. [NewTable] records it in the metadata
// keyspace the first time a table is registered and compares it on every
// later open, so a build whose generated code reads the bytes differently
// fails loudly instead of misreading rows.
type Layout struct {
	ID        uint32         `json:"id"`
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Kind      string         `json:"kind"` // system | shared | user | stream
	Key       []KeyColumn    `json:"key,omitempty"`
	Columns   []ColumnLayout `json:"columns,omitempty"`
	Indexes   []IndexLayout  `json:"indexes,omitempty"`
}

// KeyColumn is one column of the primary key, in key order.
type KeyColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Desc bool   `json:"desc,omitempty"` // encoded descending ("newest first")
}

// ColumnLayout is one column of the row; Tag is its protobuf field number.
type ColumnLayout struct {
	Tag      int32    `json:"tag"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Nullable bool     `json:"nullable,omitempty"`
	Values   []string `json:"values,omitempty"` // enum values; the stored value is the index
}

// IndexLayout is one secondary index.
type IndexLayout struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Columns []string `json:"columns,omitempty"`
	Unique  bool     `json:"unique,omitempty"`
}

// FullName is "namespace.name", the name errors use.
func (l *Layout) FullName() string { return l.Namespace + "." + l.Name }

// canonical returns a copy with columns sorted by tag and indexes by id:
// declaration order does not change what the bytes mean, so it must not
// change the fingerprint either.
func (l *Layout) canonical() Layout {
	c := *l
	c.Key = slices.Clone(l.Key)
	c.Columns = slices.Clone(l.Columns)
	c.Indexes = slices.Clone(l.Indexes)
	slices.SortStableFunc(c.Columns, func(a, b ColumnLayout) int { return cmp.Compare(a.Tag, b.Tag) })
	slices.SortStableFunc(c.Indexes, func(a, b IndexLayout) int { return cmp.Compare(a.ID, b.ID) })
	return c
}

func (l *Layout) canonicalJSON() []byte {
	// Marshal of a struct of strings, ints, bools and slices of them cannot fail.
	b, _ := json.Marshal(l.canonical())
	return b
}

// Fingerprint is the hex SHA-256 of the layout's canonical JSON (columns in
// tag order, indexes in id order). Equal fingerprints mean the same bytes are
// read the same way.
func (l *Layout) Fingerprint() string {
	sum := sha256.Sum256(l.canonicalJSON())
	return hex.EncodeToString(sum[:])
}

// layoutRecord is the JSON stored under a table's metadata key: the layout
// the table's bytes were last written with, plus the history an upgrade on
// open needs (see upgrade.go).
type layoutRecord struct {
	Fingerprint string `json:"fingerprint"` // of Layout
	Layout      Layout `json:"layout"`
	// Retired are columns removed from the layout. Old rows may still hold
	// values under their tags, so a later column may take a tag back only as
	// the same column (same name and type).
	Retired []ColumnLayout `json:"retired,omitempty"`
	// Building lists the ids of indexes in Layout whose backfill has not
	// finished: their entries exist for the rows up to and including After
	// (scope + key tuple) only. NewTable finishes them before it returns.
	Building []uint32 `json:"building,omitempty"`
	After    []byte   `json:"after,omitempty"`
}

// The rule ids NewTable refuses an upgrade with. They are internal/compat's
// rule ids (the runtime cannot import the compiler), so the error a program
// reports names the same rule `tablegen breaking` does; TestRuleIDsMatchCompat
// keeps the two lists in step.
const (
	ruleTableIDChanged           = "TABLE_ID_CHANGED"
	ruleTableKindChanged         = "TABLE_KIND_CHANGED"
	ruleKeyChanged               = "KEY_CHANGED"
	ruleColumnTypeIncompatible   = "COLUMN_TYPE_INCOMPATIBLE"
	ruleColumnNullableToRequired = "COLUMN_NULLABLE_TO_REQUIRED"
	ruleColumnTagReused          = "COLUMN_TAG_REUSED"
	ruleEnumValueRemoved         = "ENUM_VALUE_REMOVED"
	ruleEnumValueRenamed         = "ENUM_VALUE_RENAMED"
	ruleEnumValuesReordered      = "ENUM_VALUES_REORDERED"
	ruleIndexColumnsChanged      = "INDEX_COLUMNS_CHANGED"
)

// action is what opening a database does about one safe change.
type action int

const (
	// actRecord: nothing stored changes meaning; recording the new layout
	// is the whole upgrade (a rename, a new column, a widened type).
	actRecord action = iota
	// actRetireColumn: the column is gone; old rows keep its bytes, which
	// decoders skip, and its tag is remembered as retired.
	actRetireColumn
	// actRestoreColumn: a retired column came back as itself.
	actRestoreColumn
	// actAddIndex: a new index, backfilled from the rows.
	actAddIndex
	// actDropIndex: the index is gone; its keyspace is range-deleted.
	actDropIndex
	// actRebuildIndex: an index whose backfill never finished changed
	// definition; its partial entries are dropped and it is built anew.
	actRebuildIndex
)

// change is one difference between the layout recorded in a database and
// the one a build declares, with its verdict: a refused change carries the
// internal/compat rule it breaks, a safe one the action that applies it.
type change struct {
	text   string
	rule   string // "" when safe
	act    action
	index  uint32       // actAddIndex, actDropIndex, actRebuildIndex
	column ColumnLayout // actRetireColumn, actRestoreColumn
}

// history is what a record knows beyond its layout: retired columns and
// unfinished indexes. The zero value knows nothing.
type history struct {
	retired  []ColumnLayout
	building []uint32
}

// layoutChanges lists, in words, every difference between the layout
// recorded in the database and the one the program declares. An empty list
// means they are the same.
func layoutChanges(stored, current *Layout) []string {
	var out []string
	for _, c := range diffLayouts(stored, history{}, current) {
		out = append(out, c.text)
	}
	return out
}

// diffLayouts lists every difference from stored (with its history) to
// current, one independent change each, and classifies it.
func diffLayouts(stored *Layout, h history, current *Layout) []change {
	d := differ{stored: stored, current: current, h: h}
	if stored.ID != current.ID {
		d.refuse(ruleTableIDChanged, "table id %d → %d", stored.ID, current.ID)
	}
	if stored.FullName() != current.FullName() {
		d.safe(change{act: actRecord}, "table renamed %s → %s", stored.FullName(), current.FullName())
	}
	if stored.Kind != current.Kind {
		if (stored.Kind == "user") != (current.Kind == "user") {
			d.refuse(ruleTableKindChanged, "kind %s → %s", stored.Kind, current.Kind)
		} else {
			d.safe(change{act: actRecord}, "kind %s → %s", stored.Kind, current.Kind)
		}
	}
	d.key()
	d.columns()
	d.indexes()
	return d.out
}

type differ struct {
	stored, current *Layout
	h               history
	out             []change
}

func (d *differ) refuse(rule, format string, args ...any) {
	d.out = append(d.out, change{text: fmt.Sprintf(format, args...), rule: rule})
}

func (d *differ) safe(c change, format string, args ...any) {
	c.text = fmt.Sprintf(format, args...)
	d.out = append(d.out, c)
}

// sameColumn reports whether column sn of the stored layout and cn of the
// current one are the same stored column: the same tag when both are
// columns (a rename keeps the tag), the same name otherwise.
func (d *differ) sameColumn(sn, cn string) bool {
	s, sok := columnByName(d.stored, sn)
	c, cok := columnByName(d.current, cn)
	if sok && cok {
		return s.Tag == c.Tag
	}
	return sn == cn
}

func columnByName(l *Layout, name string) (ColumnLayout, bool) {
	for _, c := range l.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return ColumnLayout{}, false
}

func (d *differ) key() {
	stored, current := d.stored.Key, d.current.Key
	for i := range max(len(stored), len(current)) {
		switch {
		case i >= len(current):
			d.refuse(ruleKeyChanged, "key column %d (%s) removed", i+1, describeKeyColumn(stored[i]))
		case i >= len(stored):
			d.refuse(ruleKeyChanged, "key column %d (%s) added", i+1, describeKeyColumn(current[i]))
		case stored[i] != current[i]:
			s, c := stored[i], current[i]
			text := fmt.Sprintf("key column %d changed %s → %s", i+1, describeKeyColumn(s), describeKeyColumn(c))
			// A renamed column, or a type with the same key encoding, leaves
			// every stored key valid; the column rules judge the values.
			if d.sameColumn(s.Name, c.Name) && keyClass(s.Type) == keyClass(c.Type) && s.Desc == c.Desc {
				d.safe(change{act: actRecord}, "%s", text)
			} else {
				d.refuse(ruleKeyChanged, "%s", text)
			}
		}
	}
}

func describeKeyColumn(k KeyColumn) string {
	s := k.Name + " " + k.Type
	if k.Desc {
		s += " desc"
	}
	return s
}

// keyClass groups the types runtime/keyenc encodes to the same bytes: strings,
// bytes and json; enums and int32; timestamps, durations and int64. It is
// internal/compat's sameKeyEncoding.
func keyClass(t string) string {
	switch t {
	case "bytes", "json":
		return "string"
	case "enum":
		return "int32"
	case "timestamp", "duration":
		return "int64"
	}
	return t
}

func (d *differ) columns() {
	byTag := make(map[int32]ColumnLayout, len(d.current.Columns))
	for _, c := range d.current.Columns {
		byTag[c.Tag] = c
	}
	seen := make(map[int32]bool, len(d.stored.Columns))
	for _, s := range sortedColumns(d.stored.Columns) {
		seen[s.Tag] = true
		c, ok := byTag[s.Tag]
		if !ok {
			d.safe(change{act: actRetireColumn, column: s}, "column tag %d (%s %s) removed", s.Tag, s.Name, s.Type)
			continue
		}
		if s.Name != c.Name {
			d.safe(change{act: actRecord}, "column tag %d renamed %s → %s", s.Tag, s.Name, c.Name)
		}
		if s.Type != c.Type {
			text := fmt.Sprintf("column tag %d (%s) type %s → %s", s.Tag, c.Name, s.Type, c.Type)
			if columnTypeSafe(s.Type, c.Type) {
				d.safe(change{act: actRecord}, "%s", text)
			} else {
				d.refuse(ruleColumnTypeIncompatible, "%s", text)
			}
		}
		if s.Nullable != c.Nullable {
			text := fmt.Sprintf("column tag %d (%s) nullable %t → %t", s.Tag, c.Name, s.Nullable, c.Nullable)
			if s.Nullable {
				d.refuse(ruleColumnNullableToRequired, "%s", text)
			} else {
				d.safe(change{act: actRecord}, "%s", text)
			}
		}
		if !slices.Equal(s.Values, c.Values) {
			text := fmt.Sprintf("column tag %d (%s) enum values [%s] → [%s]", s.Tag, c.Name, strings.Join(s.Values, " "), strings.Join(c.Values, " "))
			if rule := enumRule(s, c); rule != "" {
				d.refuse(rule, "%s", text)
			} else {
				d.safe(change{act: actRecord}, "%s", text)
			}
		}
	}
	for _, c := range sortedColumns(d.current.Columns) {
		if seen[c.Tag] {
			continue
		}
		i := slices.IndexFunc(d.h.retired, func(r ColumnLayout) bool { return r.Tag == c.Tag })
		switch {
		case i < 0:
			d.safe(change{act: actRecord}, "column tag %d (%s %s) added", c.Tag, c.Name, c.Type)
		case d.h.retired[i].Name == c.Name && d.h.retired[i].Type == c.Type:
			d.safe(change{act: actRestoreColumn, column: c}, "column tag %d (%s %s) restored", c.Tag, c.Name, c.Type)
		default:
			r := d.h.retired[i]
			d.refuse(ruleColumnTagReused, "column tag %d (%s %s) added, but the tag is retired and old rows may hold values of column %s %s under it",
				c.Tag, c.Name, c.Type, r.Name, r.Type)
		}
	}
}

// enumRule applies internal/compat's enum rules to a column that is an enum
// before and after: values are stored as their position, so appending is
// safe and every other edit is refused. Other type changes are judged by
// columnTypeSafe alone.
func enumRule(s, c ColumnLayout) string {
	if s.Type != "enum" || c.Type != "enum" {
		return ""
	}
	var removed, renamed, moved bool
	for i, v := range s.Values {
		j := slices.Index(c.Values, v)
		switch {
		case j == i:
		case j >= 0:
			moved = true
		case i < len(c.Values) && !slices.Contains(s.Values, c.Values[i]):
			renamed = true
		default:
			removed = true
		}
	}
	switch {
	case removed:
		return ruleEnumValueRemoved
	case renamed:
		return ruleEnumValueRenamed
	case moved:
		return ruleEnumValuesReordered
	}
	return ""
}

// columnTypeSafe reports whether values stored under a tag as type from
// still decode, with their meaning, as type to. It is internal/compat's
// column type compatibility table (see internal/compat/doc.go;
// TestColumnTypesAgreeWithCompat checks the two agree): its safe pairs are
// safe, and so are its warnings (bytes → string, string/bytes → json),
// whose stored values decode but may not be valid UTF-8 or JSON; a warning
// does not fail `tablegen breaking` either. Everything else is refused.
func columnTypeSafe(from, to string) bool {
	if from == to {
		return true
	}
	switch from + "→" + to {
	case "int32→int64",
		"bool→int32", "bool→int64", "bool→uint64",
		"enum→int32", "enum→int64", "enum→uint64",
		"string→bytes", "json→bytes", "json→string", "uuid→bytes",
		"bytes→string", "string→json", "bytes→json":
		return true
	}
	return false
}

func sortedColumns(cols []ColumnLayout) []ColumnLayout {
	s := slices.Clone(cols)
	slices.SortStableFunc(s, func(a, b ColumnLayout) int { return cmp.Compare(a.Tag, b.Tag) })
	return s
}

func sortedIndexes(ix []IndexLayout) []IndexLayout {
	s := slices.Clone(ix)
	slices.SortStableFunc(s, func(a, b IndexLayout) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

func (d *differ) indexes() {
	byID := make(map[uint32]IndexLayout, len(d.current.Indexes))
	for _, c := range d.current.Indexes {
		byID[c.ID] = c
	}
	seen := make(map[uint32]bool, len(d.stored.Indexes))
	for _, s := range sortedIndexes(d.stored.Indexes) {
		seen[s.ID] = true
		c, ok := byID[s.ID]
		if !ok {
			d.safe(change{act: actDropIndex, index: s.ID}, "index %d (%s) removed", s.ID, s.Name)
			continue
		}
		if s.Name != c.Name {
			d.safe(change{act: actRecord}, "index %d renamed %s → %s", s.ID, s.Name, c.Name)
		}
		// An index whose backfill never finished holds no complete data:
		// a changed definition drops its entries and builds it again.
		building := slices.Contains(d.h.building, s.ID)
		entries := func(format string, args ...any) {
			if building {
				d.safe(change{act: actRebuildIndex, index: s.ID}, format, args...)
			} else {
				d.refuse(ruleIndexColumnsChanged, format, args...)
			}
		}
		sameCols := len(s.Columns) == len(c.Columns)
		for i := 0; sameCols && i < len(s.Columns); i++ {
			sameCols = d.sameColumn(s.Columns[i], c.Columns[i])
		}
		switch {
		case !sameCols:
			entries("index %d (%s) columns [%s] → [%s]", s.ID, c.Name, strings.Join(s.Columns, " "), strings.Join(c.Columns, " "))
		case !slices.Equal(s.Columns, c.Columns):
			d.safe(change{act: actRecord}, "index %d (%s) columns [%s] → [%s] (renamed columns)", s.ID, c.Name, strings.Join(s.Columns, " "), strings.Join(c.Columns, " "))
		}
		if sameCols {
			for i, name := range c.Columns {
				sc, sok := columnByName(d.stored, s.Columns[i])
				cc, cok := columnByName(d.current, name)
				if sok && cok && keyClass(sc.Type) != keyClass(cc.Type) {
					entries("index %d (%s) column %s type %s → %s changes how its entries are encoded", s.ID, c.Name, name, sc.Type, cc.Type)
				}
			}
		}
		if s.Unique != c.Unique {
			entries("index %d (%s) unique %t → %t", s.ID, c.Name, s.Unique, c.Unique)
		}
	}
	for _, c := range sortedIndexes(d.current.Indexes) {
		if !seen[c.ID] {
			d.safe(change{act: actAddIndex, index: c.ID}, "index %d (%s) added", c.ID, c.Name)
		}
	}
}

// jsonRecord encodes the record of a table first registered with layout
// canon (already canonical): no history yet.
func jsonRecord(canon *Layout) ([]byte, error) {
	return json.Marshal(layoutRecord{Fingerprint: canon.Fingerprint(), Layout: *canon})
}

// marshal encodes r with its fingerprint recomputed from its layout.
func (r *layoutRecord) marshal() ([]byte, error) {
	r.Layout = r.Layout.canonical()
	r.Fingerprint = r.Layout.Fingerprint()
	return json.Marshal(r)
}

// parseRecord decodes a stored record. It checks the JSON only; check
// says whether the record is intact.
func parseRecord(b []byte) (*layoutRecord, error) {
	var rec layoutRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	if rec.Fingerprint == "" {
		return nil, fmt.Errorf("record has no fingerprint")
	}
	return &rec, nil
}

// check reports damage to a record read from the metadata key of table id:
// a layout that no longer hashes to the recorded fingerprint, or the layout
// of another table. The fingerprint doubles as a checksum of the stored
// layout, so damage is not mistaken for a changed declaration (an intact
// record that differs from the build's layout), which would be diffed and
// reported as a *LayoutMismatchError asking for a migration.
func (r *layoutRecord) check(id uint32) error {
	if got := r.Layout.Fingerprint(); got != r.Fingerprint {
		return fmt.Errorf("has fingerprint %s, but its layout hashes to %s", r.Fingerprint, got)
	}
	if r.Layout.ID != id {
		return fmt.Errorf("holds the layout of table id %d", r.Layout.ID)
	}
	return nil
}
