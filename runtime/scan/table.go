package scan

import (
	"fmt"

	"github.com/tablegen/tablegen/runtime/layout"
)

// colType is a column type of the table language, resolved once from the
// layout's string so the per-row paths switch on a small integer.
type colType uint8

const (
	tBool colType = iota + 1
	tInt32
	tInt64
	tUint64
	tFloat64
	tString
	tBytes
	tTimestamp
	tDuration
	tUUID
	tEnum
	tJSON
	tDecimal // Value.I and Value.U hold the unscaled integer's high and low 64 bits
)

var typeNames = map[string]colType{
	"bool": tBool, "int32": tInt32, "int64": tInt64, "uint64": tUint64,
	"float64": tFloat64, "string": tString, "bytes": tBytes,
	"timestamp": tTimestamp, "duration": tDuration, "uuid": tUUID,
	"enum": tEnum, "json": tJSON, "decimal": tDecimal,
}

func (t colType) String() string {
	for name, v := range typeNames {
		if v == t {
			return name
		}
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// keyEncodable reports whether keyenc has an encoding for the type, i.e.
// whether the type may appear in a primary key or an index.
func (t colType) keyEncodable() bool { return t != tFloat64 && t != tJSON }

// column is one column of a layout with its type resolved.
type column struct {
	layout.Column
	typ colType
}

// index is one secondary index with its columns resolved to positions.
type index struct {
	layout.Index
	cols []int // positions in table.cols
}

// table is a [layout.Table] checked and resolved for scanning: names map to
// positions, types to colType, key and index columns to column positions.
type table struct {
	layout  layout.Table
	name    string // namespace.name, for errors
	cols    []column
	byName  map[string]int
	byTag   map[int32]int
	key     []int  // positions of the key columns, in key order
	keyDesc []bool // per key column
	indexes []index
}

// newTable checks that l describes something this package can scan: known
// types, unique column names and tags, key and index columns that exist and
// have key encodings.
func newTable(l *layout.Table) (*table, error) {
	t := &table{
		layout: *l,
		name:   l.FullName(),
		byName: make(map[string]int, len(l.Columns)),
		byTag:  make(map[int32]int, len(l.Columns)),
	}
	for i, c := range l.Columns {
		typ, ok := typeNames[c.Type]
		if !ok {
			return nil, fmt.Errorf("scan: table %s: column %q has unknown type %q; use one of bool, int32, int64, uint64, float64, string, bytes, timestamp, duration, uuid, enum, json, decimal", t.name, c.Name, c.Type)
		}
		if typ == tDecimal && (c.Precision < 1 || c.Precision > layout.MaxDecimalPrecision || c.Scale < 0 || c.Scale > c.Precision) {
			return nil, fmt.Errorf("scan: table %s: decimal column %q has precision %d and scale %d; want 1 <= precision <= %d and 0 <= scale <= precision", t.name, c.Name, c.Precision, c.Scale, layout.MaxDecimalPrecision)
		}
		if _, dup := t.byName[c.Name]; dup {
			return nil, fmt.Errorf("scan: table %s: column %q is declared twice; column names must be unique", t.name, c.Name)
		}
		if _, dup := t.byTag[c.Tag]; dup {
			return nil, fmt.Errorf("scan: table %s: column %q reuses tag %d; tags must be unique", t.name, c.Name, c.Tag)
		}
		if typ == tEnum && len(c.Values) == 0 {
			return nil, fmt.Errorf("scan: table %s: enum column %q has no values; declare them in the layout", t.name, c.Name)
		}
		t.byName[c.Name] = i
		t.byTag[c.Tag] = i
		t.cols = append(t.cols, column{Column: c, typ: typ})
	}
	for _, k := range l.Key {
		i, ok := t.byName[k.Name]
		if !ok {
			return nil, fmt.Errorf("scan: table %s: key column %q is not a column of the table; add it to the columns", t.name, k.Name)
		}
		if !t.cols[i].typ.keyEncodable() || k.Type != t.cols[i].Type {
			return nil, fmt.Errorf("scan: table %s: key column %q has type %q (column type %q); keys must use a key-encodable type declared the same on both", t.name, k.Name, k.Type, t.cols[i].Type)
		}
		t.key = append(t.key, i)
		t.keyDesc = append(t.keyDesc, k.Desc)
	}
	for _, ix := range l.Indexes {
		x := index{Index: ix}
		for _, name := range ix.Columns {
			i, ok := t.byName[name]
			if !ok {
				return nil, fmt.Errorf("scan: table %s: index %s names unknown column %q", t.name, ix.Name, name)
			}
			if !t.cols[i].typ.keyEncodable() {
				return nil, fmt.Errorf("scan: table %s: index %s column %q has type %s, which has no key encoding", t.name, ix.Name, name, t.cols[i].Type)
			}
			x.cols = append(x.cols, i)
		}
		t.indexes = append(t.indexes, x)
	}
	return t, nil
}

// isUser reports whether keys carry an owner scope before the key tuple:
// user and stream tables are both partitioned by owner.
func (t *table) isUser() bool { return t.layout.Kind.OwnerScoped() }
