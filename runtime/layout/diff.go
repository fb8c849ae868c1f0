package layout

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Verdict is how a change between two descriptions of a table affects the
// rows already stored.
type Verdict int

// The verdicts, from harmless to refused.
const (
	// Safe: every stored byte keeps its meaning; the store applies the
	// change on open.
	Safe Verdict = iota
	// Warning: stored bytes stay readable, but something about rows already
	// stored changes (their expiry, readers' expectations, a unique index
	// that may meet duplicates). The store applies it; `tablegen breaking`
	// prints it without failing.
	Warning
	// Refused: stored bytes would be misread. The store refuses to open the
	// table; `tablegen breaking` fails unless the rule is allowed.
	Refused
)

func (v Verdict) String() string {
	switch v {
	case Safe:
		return "safe"
	case Warning:
		return "warning"
	case Refused:
		return "refused"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Action is what the store does to apply a change that is not refused.
type Action int

// The actions.
const (
	// Record: nothing stored changes meaning; recording the new
	// description is the whole upgrade (a rename, a new column, a widened
	// type). Refused changes have this action too: they are never applied.
	Record Action = iota
	// RetireColumn: the column is gone; old rows keep its bytes, which
	// decoders skip, and its tag is remembered as retired (Change.Column).
	RetireColumn
	// RestoreColumn: a retired column came back as itself (Change.Column).
	RestoreColumn
	// AddIndex: a new index (Change.Index), backfilled from the rows.
	AddIndex
	// DropIndex: the index (Change.Index) is gone; its keyspace is deleted.
	DropIndex
	// RebuildIndex: the index's entries are dropped and built anew from
	// the rows: an index whose backfill never finished changed definition
	// (its entries were partial), or an index started or stopped covering
	// (its entries hold, or no longer hold, a copy of the row).
	RebuildIndex
)

var actionNames = [...]string{Record: "record", RetireColumn: "retire column", RestoreColumn: "restore column", AddIndex: "add index", DropIndex: "drop index", RebuildIndex: "rebuild index"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// The rule ids of Diff. The ids of refused changes and warnings are those
// `tablegen breaking` reports and `--allow` names; they are stable, never
// renamed, only added. The ids of safe changes name them in tests and logs.
const (
	ruleTableIDChanged           = "TABLE_ID_CHANGED"
	ruleTableKindChanged         = "TABLE_KIND_CHANGED"
	ruleKeyChanged               = "KEY_CHANGED"
	ruleOwnerTypeChanged         = "OWNER_TYPE_CHANGED"
	ruleColumnTypeIncompatible   = "COLUMN_TYPE_INCOMPATIBLE"
	ruleColumnTypeChanged        = "COLUMN_TYPE_CHANGED"
	ruleColumnNullableToRequired = "COLUMN_NULLABLE_TO_REQUIRED"
	ruleColumnTagReused          = "COLUMN_TAG_REUSED"
	ruleColumnRenamed            = "COLUMN_RENAMED"
	ruleEnumValueRemoved         = "ENUM_VALUE_REMOVED"
	ruleEnumValueRenamed         = "ENUM_VALUE_RENAMED"
	ruleEnumValuesReordered      = "ENUM_VALUES_REORDERED"
	ruleDecimalScaleChanged      = "DECIMAL_SCALE_CHANGED"
	ruleDecimalPrecisionNarrowed = "DECIMAL_PRECISION_NARROWED"
	ruleDecimalPrecisionWidened  = "DECIMAL_PRECISION_WIDENED"
	ruleUniqueIndexAdded         = "UNIQUE_INDEX_ADDED"
	ruleIndexColumnsChanged      = "INDEX_COLUMNS_CHANGED"

	// Safe changes.
	ruleTableRenamed             = "TABLE_RENAMED"
	ruleKeyEncodingKept          = "KEY_ENCODING_KEPT"
	ruleColumnAdded              = "COLUMN_ADDED"
	ruleColumnRemoved            = "COLUMN_REMOVED"
	ruleColumnRestored           = "COLUMN_RESTORED"
	ruleColumnTypeWidened        = "COLUMN_TYPE_WIDENED"
	ruleColumnRequiredToNullable = "COLUMN_REQUIRED_TO_NULLABLE"
	ruleEnumValuesAdded          = "ENUM_VALUES_ADDED"
	ruleEnumValuesDropped        = "ENUM_VALUES_DROPPED"
	ruleIndexAdded               = "INDEX_ADDED"
	ruleIndexRemoved             = "INDEX_REMOVED"
	ruleIndexRenamed             = "INDEX_RENAMED"
	ruleIndexColumnsRenamed      = "INDEX_COLUMNS_RENAMED"
	ruleIndexRebuilt             = "INDEX_REBUILT"
	ruleIndexCoveringChanged     = "INDEX_COVERING_CHANGED"
	ruleTTLChanged               = "TTL_CHANGED"
	ruleMaxRowsPerOwnerChanged   = "MAX_ROWS_PER_OWNER_CHANGED"
)

// Change is one difference between two descriptions of a table, with its
// verdict and, when not refused, the action that applies it.
type Change struct {
	Rule    string
	Verdict Verdict
	// Text is the change in words ("column tag 3 (c) type int64 → string");
	// it never contains a newline.
	Text string
	// Reason says why a refused change or a warning is one; empty for safe
	// changes.
	Reason string
	Action Action
	// Tag is the column tag a column change is about, Index the id of the
	// index an index change is about; 0 otherwise.
	Tag   int32
	Index uint32
	// Column is the column retired or restored.
	Column Column
	// Enum lists, for an enum column whose values changed, what changed.
	Enum EnumEdit
}

// EnumEdit is how the value list of an enum column changed. Values are
// stored as their position, so each old position must keep its name.
type EnumEdit struct {
	Removed []string // "v (i)": position i no longer exists
	Renamed []string // "i old→new": position i has another name
	Moved   []string // "v i→j": value v moved to position j
}

// History is what a stored description knows beyond the table itself.
// The zero value knows nothing.
type History struct {
	// Retired are columns removed earlier. Old rows may still hold values
	// under their tags, so a later column may take a tag back only as the
	// same column (same name and type). A retired tag whose column is not
	// known (reserved) has an empty name.
	Retired []Column `json:"retired,omitempty"`
	// Building lists the indexes whose backfill has not finished: a changed
	// definition of one of them rebuilds it instead of being refused.
	Building []uint32 `json:"building,omitempty"`
}

// Diff lists every difference from old (with its history) to new, one
// independent change each, and classifies it. An empty list means the two
// read stored bytes the same way and have the same fingerprint. Columns
// are matched by tag and indexes by id; the list is in a fixed order:
// table, kind, expiry, key, columns by tag, indexes by id.
func Diff(old, new *Table, h History) []Change {
	d := differ{old: old, new: new, h: h}
	if old.ID != new.ID {
		d.add(Change{Rule: ruleTableIDChanged, Verdict: Refused, Reason: "rows and index entries are keyed by the table id"}, "table id %d → %d", old.ID, new.ID)
	}
	if old.FullName() != new.FullName() {
		d.add(Change{Rule: ruleTableRenamed}, "table renamed %s → %s", old.FullName(), new.FullName())
	}
	if old.Kind != new.Kind {
		v, why := KindChange(old.Kind, new.Kind)
		d.add(Change{Rule: ruleTableKindChanged, Verdict: v, Reason: why}, "kind %s → %s", old.Kind, new.Kind)
	}
	if old.Owner != new.Owner {
		d.add(Change{Rule: ruleOwnerTypeChanged, Verdict: Refused, Reason: "every row is stored under its owner's text form; owners stored as the old type need not be valid text of the new one, so the typed API could not read or name them"},
			"owner type %s → %s", ownerTypeName(old.Owner), ownerTypeName(new.Owner))
	}
	if old.TTL != new.TTL {
		d.add(Change{Rule: ruleTTLChanged}, "ttl %s → %s", old.TTL, new.TTL)
	}
	if old.MaxRowsPerOwner != new.MaxRowsPerOwner {
		d.add(Change{Rule: ruleMaxRowsPerOwnerChanged}, "max rows per owner %d → %d", old.MaxRowsPerOwner, new.MaxRowsPerOwner)
	}
	d.key()
	d.columns()
	d.indexes()
	return d.out
}

// KindChange judges changing a table's kind from old to new. A change of
// owner scoping (user or stream ↔ shared or system) is refused: owner
// scoped keys start with the owner's id, so every stored key would be
// misread. user ↔ stream keeps the key layout but starts (or stops) expiry
// of rows older than the TTL, and shared ↔ system keeps the keys but
// changes who may read and write: both are warnings.
func KindChange(old, new Kind) (Verdict, string) {
	switch {
	case old == new:
		return Safe, ""
	case !old.Valid() || !new.Valid():
		return Refused, "a kind other than system, shared, user and stream has no known key layout"
	case old.OwnerScoped() != new.OwnerScoped():
		return Refused, "user and stream tables prefix every key with the owner's id and shared and system tables do not, so every stored key would be misread"
	case new.Expires():
		return Warning, "stored keys are unchanged, but rows older than the TTL start to expire and are hidden from reads"
	case old.Expires():
		return Warning, "stored keys are unchanged, but rows stop expiring"
	}
	return Warning, "stored keys are unchanged, but who may read and write the rows already stored changes"
}

type differ struct {
	old, new *Table
	h        History
	out      []Change
}

func (d *differ) add(c Change, format string, args ...any) {
	c.Text = fmt.Sprintf(format, args...)
	d.out = append(d.out, c)
}

// sameColumn reports whether column on of the old table and nn of the new
// one are the same stored column: the same tag when both are columns (a
// rename keeps the tag), the same name otherwise.
func (d *differ) sameColumn(on, nn string) bool {
	o, ook := d.old.Column(on)
	n, nok := d.new.Column(nn)
	if ook && nok {
		return o.Tag == n.Tag
	}
	return on == nn
}

func (d *differ) key() {
	old, new := d.old.Key, d.new.Key
	refuse := func(format string, args ...any) {
		d.add(Change{Rule: ruleKeyChanged, Verdict: Refused, Reason: "every stored row key (and every non-unique index entry) would be misread"}, format, args...)
	}
	for i := range max(len(old), len(new)) {
		switch {
		case i >= len(new):
			refuse("key column %d (%s) removed", i+1, describeKeyColumn(old[i]))
		case i >= len(old):
			refuse("key column %d (%s) added", i+1, describeKeyColumn(new[i]))
		case old[i] != new[i]:
			o, n := old[i], new[i]
			text := fmt.Sprintf("key column %d changed %s → %s", i+1, describeKeyColumn(o), describeKeyColumn(n))
			// A renamed column, or a type with the same key encoding, leaves
			// every stored key valid; the column rules judge the values.
			if d.sameColumn(o.Name, n.Name) && KeyClass(o.Type) == KeyClass(n.Type) && o.Desc == n.Desc {
				d.add(Change{Rule: ruleKeyEncodingKept}, "%s", text)
			} else {
				refuse("%s", text)
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

func sortedColumns(cols []Column) []Column {
	s := slices.Clone(cols)
	slices.SortStableFunc(s, func(a, b Column) int { return cmp.Compare(a.Tag, b.Tag) })
	return s
}

func sortedIndexes(ix []Index) []Index {
	s := slices.Clone(ix)
	slices.SortStableFunc(s, func(a, b Index) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

func (d *differ) columns() {
	byTag := make(map[int32]Column, len(d.new.Columns))
	for _, c := range d.new.Columns {
		byTag[c.Tag] = c
	}
	seen := make(map[int32]bool, len(d.old.Columns))
	for _, o := range sortedColumns(d.old.Columns) {
		seen[o.Tag] = true
		n, ok := byTag[o.Tag]
		if !ok {
			d.add(Change{Rule: ruleColumnRemoved, Action: RetireColumn, Tag: o.Tag, Column: o}, "column tag %d (%s %s) removed", o.Tag, o.Name, o.Type)
			continue
		}
		if o.Name != n.Name {
			d.add(Change{Rule: ruleColumnRenamed, Verdict: Warning, Tag: o.Tag, Reason: "Parquet files already flushed still use the old name"},
				"column tag %d renamed %s → %s", o.Tag, o.Name, n.Name)
		}
		if o.Type != n.Type {
			v, why := TypeChange(o.Type, n.Type)
			rule := map[Verdict]string{Safe: ruleColumnTypeWidened, Warning: ruleColumnTypeChanged, Refused: ruleColumnTypeIncompatible}[v]
			d.add(Change{Rule: rule, Verdict: v, Reason: why, Tag: o.Tag}, "column tag %d (%s) type %s → %s", o.Tag, n.Name, o.Type, n.Type)
		}
		if o.Nullable != n.Nullable {
			c := Change{Rule: ruleColumnRequiredToNullable, Tag: o.Tag}
			if o.Nullable {
				c = Change{Rule: ruleColumnNullableToRequired, Verdict: Refused, Tag: o.Tag,
					Reason: "rows stored without a value would read as the zero value, indistinguishable from a real one"}
			}
			d.add(c, "column tag %d (%s) nullable %t → %t", o.Tag, n.Name, o.Nullable, n.Nullable)
		}
		if !slices.Equal(o.Values, n.Values) {
			d.enumValues(o, n)
		}
		if o.Type == "decimal" && n.Type == "decimal" && (o.Precision != n.Precision || o.Scale != n.Scale) {
			d.decimalDigits(o, n)
		}
	}
	for _, n := range sortedColumns(d.new.Columns) {
		if seen[n.Tag] {
			continue
		}
		i := slices.IndexFunc(d.h.Retired, func(r Column) bool { return r.Tag == n.Tag })
		switch {
		case i < 0:
			d.add(Change{Rule: ruleColumnAdded, Tag: n.Tag}, "column tag %d (%s %s) added", n.Tag, n.Name, n.Type)
		case d.h.Retired[i].Name == n.Name && d.h.Retired[i].Type == n.Type:
			d.add(Change{Rule: ruleColumnRestored, Action: RestoreColumn, Tag: n.Tag, Column: n}, "column tag %d (%s %s) restored", n.Tag, n.Name, n.Type)
		default:
			r := d.h.Retired[i]
			was := "another column's values"
			if r.Name != "" {
				was = fmt.Sprintf("values of column %s %s", r.Name, r.Type)
			}
			d.add(Change{Rule: ruleColumnTagReused, Verdict: Refused, Tag: n.Tag, Reason: "old rows may hold values of the retired column under the tag"},
				"column tag %d (%s %s) added, but the tag is retired and old rows may hold %s under it", n.Tag, n.Name, n.Type, was)
		}
	}
}

// decimalDigits judges a change of a decimal column's precision or scale.
// Rows store the unscaled integer, so a new scale multiplies every stored
// value by a power of ten; a smaller precision cannot hold every stored
// value; a larger one (same scale) reads every value unchanged, but
// Parquet files already flushed keep the old DECIMAL(p,s), so readers that
// glob old and new files together see two column types.
func (d *differ) decimalDigits(o, n Column) {
	c := Change{Tag: o.Tag}
	switch {
	case o.Scale != n.Scale:
		c.Rule, c.Verdict, c.Reason = ruleDecimalScaleChanged, Refused, "values are stored as unscaled integers, so every stored value would read multiplied by a power of ten"
	case n.Precision < o.Precision:
		c.Rule, c.Verdict, c.Reason = ruleDecimalPrecisionNarrowed, Refused, "stored values with more digits than the new precision would no longer fit"
	default:
		c.Rule, c.Verdict, c.Reason = ruleDecimalPrecisionWidened, Warning, "Parquet files already flushed keep the old DECIMAL precision"
	}
	d.add(c, "column tag %d (%s) decimal(%d,%d) → decimal(%d,%d)", o.Tag, n.Name, o.Precision, o.Scale, n.Precision, n.Scale)
}

// enumValues judges a change of the value list of column o (now n). An
// enum column's values are judged when it stays an enum; a column that
// stops (or starts) being one is judged by its type change, and the change
// of values is safe in itself.
func (d *differ) enumValues(o, n Column) {
	c := Change{Rule: ruleEnumValuesAdded, Tag: o.Tag}
	switch {
	case o.Type == "enum" && n.Type == "enum":
		c.Enum = enumEdit(o.Values, n.Values)
		why := "enum values are stored as their position"
		switch {
		case len(c.Enum.Removed) > 0:
			c.Rule, c.Verdict, c.Reason = ruleEnumValueRemoved, Refused, why+", so rows holding a removed value would decode to a position with no name"
		case len(c.Enum.Renamed) > 0:
			c.Rule, c.Verdict, c.Reason = ruleEnumValueRenamed, Refused, why+", so stored rows would silently take the new name"
		case len(c.Enum.Moved) > 0:
			c.Rule, c.Verdict, c.Reason = ruleEnumValuesReordered, Refused, why+", so stored rows would read as a different value"
		}
	case len(n.Values) == 0:
		c.Rule = ruleEnumValuesDropped
	}
	d.add(c, "column tag %d (%s) enum values [%s] → [%s]", o.Tag, n.Name, strings.Join(o.Values, " "), strings.Join(n.Values, " "))
}

// enumEdit compares two value lists of an enum column position by position.
func enumEdit(old, new []string) EnumEdit {
	var e EnumEdit
	for i, v := range old {
		j := slices.Index(new, v)
		switch {
		case j == i:
		case j >= 0:
			e.Moved = append(e.Moved, fmt.Sprintf("%s %d→%d", v, i, j))
		case i < len(new) && !slices.Contains(old, new[i]):
			e.Renamed = append(e.Renamed, fmt.Sprintf("%d %s→%s", i, v, new[i]))
		default:
			e.Removed = append(e.Removed, fmt.Sprintf("%s (%d)", v, i))
		}
	}
	return e
}

func (d *differ) indexes() {
	byID := make(map[uint32]Index, len(d.new.Indexes))
	for _, n := range d.new.Indexes {
		byID[n.ID] = n
	}
	seen := make(map[uint32]bool, len(d.old.Indexes))
	for _, o := range sortedIndexes(d.old.Indexes) {
		seen[o.ID] = true
		n, ok := byID[o.ID]
		if !ok {
			d.add(Change{Rule: ruleIndexRemoved, Action: DropIndex, Index: o.ID}, "index %d (%s) removed", o.ID, o.Name)
			continue
		}
		if o.Name != n.Name {
			d.add(Change{Rule: ruleIndexRenamed, Index: o.ID}, "index %d renamed %s → %s", o.ID, o.Name, n.Name)
		}
		// An index whose backfill never finished holds no complete data:
		// a changed definition drops its entries and builds it again.
		building := slices.Contains(d.h.Building, o.ID)
		entries := func(why, format string, args ...any) {
			c := Change{Rule: ruleIndexColumnsChanged, Verdict: Refused, Index: o.ID, Reason: why}
			if building {
				c = Change{Rule: ruleIndexRebuilt, Action: RebuildIndex, Index: o.ID}
			}
			d.add(c, format, args...)
		}
		sameCols := len(o.Columns) == len(n.Columns)
		for i := 0; sameCols && i < len(o.Columns); i++ {
			sameCols = d.sameColumn(o.Columns[i], n.Columns[i])
		}
		switch {
		case !sameCols:
			entries(fmt.Sprintf("changed columns from (%s) to (%s)", strings.Join(o.Columns, ", "), strings.Join(n.Columns, ", ")),
				"index %d (%s) columns [%s] → [%s]", o.ID, n.Name, strings.Join(o.Columns, " "), strings.Join(n.Columns, " "))
		case !slices.Equal(o.Columns, n.Columns):
			d.add(Change{Rule: ruleIndexColumnsRenamed, Index: o.ID}, "index %d (%s) columns [%s] → [%s] (renamed columns)", o.ID, n.Name, strings.Join(o.Columns, " "), strings.Join(n.Columns, " "))
		}
		if sameCols {
			for i, name := range n.Columns {
				oc, ook := d.old.Column(o.Columns[i])
				nc, nok := d.new.Column(name)
				if ook && nok && KeyClass(oc.Type) != KeyClass(nc.Type) {
					entries(fmt.Sprintf("indexes column %s, whose type changed from %s to %s, which changes how its entries are encoded", name, oc.Type, nc.Type),
						"index %d (%s) column %s type %s → %s changes how its entries are encoded", o.ID, n.Name, name, oc.Type, nc.Type)
				}
			}
		}
		if o.Unique != n.Unique {
			why := "is no longer unique"
			if n.Unique {
				why = "became unique"
			}
			entries(why, "index %d (%s) unique %t → %t", o.ID, n.Name, o.Unique, n.Unique)
		}
		if o.Covering != n.Covering {
			// Covering changes what an entry holds, not which rows it
			// names, and every row is there to rebuild the entries from.
			d.add(Change{Rule: ruleIndexCoveringChanged, Action: RebuildIndex, Index: o.ID},
				"index %d (%s) covering %t → %t (its entries are rebuilt when the database opens)", o.ID, n.Name, o.Covering, n.Covering)
		}
	}
	for _, n := range sortedIndexes(d.new.Indexes) {
		if seen[n.ID] {
			continue
		}
		c := Change{Rule: ruleIndexAdded, Action: AddIndex, Index: n.ID}
		if n.Unique {
			c.Rule, c.Verdict = ruleUniqueIndexAdded, Warning
			c.Reason = "rows already stored may hold duplicate values, and then building the index fails when the database opens"
		}
		d.add(c, "index %d (%s) added", n.ID, n.Name)
	}
}

// ownerTypeName names a layout's owner type; "" is string.
func ownerTypeName(t string) string {
	if t == "" {
		return "string"
	}
	return t
}
