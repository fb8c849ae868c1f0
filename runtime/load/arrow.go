package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/layout"
)

// Records loads the rows of rr: Arrow records whose fields name the
// table's columns (and, for user and stream tables, the owner), as a
// Parquet file read with pqarrow yields them. Name is the file name
// errors begin with; a row's position is its 1-based number in the whole
// stream ("events.parquet:1207:email: not valid UTF-8"). The files
// tablegen flush writes load back as they are: uuids as 16-byte fixed-size
// binary, json columns as strings, durations as int64 microseconds.
//
// A field must be a column of the table (or the owner); a column with no
// field is null, which a non-nullable column refuses. Values are checked
// exactly as NDJSON and CSV values are: an int64 field loads into an int32
// column only when it is in range, a timestamp must be whole microseconds.
// It returns the number of rows written: all of them, or none with the
// error.
func (ld *Loader) Records(name string, rr array.RecordReader) (int, error) {
	b := ld.newBatch()
	vals := make([]value, len(ld.layout.Columns))
	set := make([]bool, len(ld.layout.Columns))
	var cols []int // per field of the current schema: column index, -1 = owner
	var schema *arrow.Schema
	row := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		if schema == nil || !schema.Equal(rec.Schema()) {
			schema = rec.Schema()
			var err error
			if cols, err = ld.fieldColumns(name, schema); err != nil {
				return 0, err
			}
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row++
			pos := fmt.Sprintf("%s:%d", name, row)
			clear(vals)
			clear(set)
			owner := ""
			for f, a := range rec.Columns() {
				if cols[f] < 0 {
					if a.IsNull(i) {
						return 0, fmt.Errorf("%s:%s: null; every row of %s names its owner", pos, OwnerField, ld.layout.FullName())
					}
					v, err := arrowCell(&layout.Column{Name: OwnerField, Type: "string"}, a, i)
					if err != nil {
						return 0, fmt.Errorf("%s:%s: %v", pos, OwnerField, err)
					}
					owner = v.(string)
					continue
				}
				c := &ld.layout.Columns[cols[f]]
				set[cols[f]] = true
				if a.IsNull(i) {
					continue // null; add refuses it in a non-nullable column
				}
				v, err := arrowCell(c, a, i)
				if err != nil {
					return 0, fmt.Errorf("%s:%s: %v", pos, c.Name, err)
				}
				vals[cols[f]] = v
			}
			if err := b.add(pos, owner, vals, set); err != nil {
				return 0, err
			}
			ld.progress(b.n)
		}
	}
	if err := rr.Err(); err != nil {
		return 0, fmt.Errorf("%s: read: %w", name, err)
	}
	return b.commit()
}

// fieldColumns maps the fields of s to column indexes (-1 for the owner),
// refusing unknown and repeated fields.
func (ld *Loader) fieldColumns(name string, s *arrow.Schema) ([]int, error) {
	cols := make([]int, s.NumFields())
	seen := map[string]bool{}
	for f, fld := range s.Fields() {
		if seen[fld.Name] {
			return nil, fmt.Errorf("%s:%s: the file has two fields of this name", name, fld.Name)
		}
		seen[fld.Name] = true
		if fld.Name == OwnerField && ld.owned {
			cols[f] = -1
			continue
		}
		i, ok := ld.byName[fld.Name]
		if !ok {
			if fld.Name == OwnerField {
				return nil, fmt.Errorf("%s:%s: %s is a %s table, its rows have no owner; drop the field", name, fld.Name, ld.layout.FullName(), ld.layout.Kind)
			}
			return nil, fmt.Errorf("%s:%s: %s has no such column", name, fld.Name, ld.layout.FullName())
		}
		cols[f] = i
	}
	return cols, nil
}

// arrowCell converts row i of a (not null there) to col's type, checking
// what parseText checks. Extension arrays are read through their storage,
// dictionary arrays through their dictionary; text in a string array takes
// the text forms of parseText, so a uuid, timestamp or enum may come as
// text too.
func arrowCell(col *layout.Column, a arrow.Array, i int) (value, error) {
	if ext, ok := a.(array.ExtensionArray); ok {
		a = ext.Storage()
	}
	if d, ok := a.(*array.Dictionary); ok {
		i = d.GetValueIndex(i)
		a = d.Dictionary()
		if a.IsNull(i) {
			return nil, errors.New("the dictionary entry is null")
		}
	}
	switch x := a.(type) {
	case *array.String:
		return textCell(col, x.Value(i))
	case *array.LargeString:
		return textCell(col, x.Value(i))
	case *array.Boolean:
		if col.Type != "bool" {
			return nil, typeError(col, a)
		}
		return x.Value(i), nil
	case *array.Binary:
		return bytesCell(col, x.Value(i), a)
	case *array.LargeBinary:
		return bytesCell(col, x.Value(i), a)
	case *array.FixedSizeBinary:
		return bytesCell(col, x.Value(i), a)
	case *array.Timestamp:
		if col.Type != "timestamp" {
			return nil, typeError(col, a)
		}
		us, ok := toMicros(int64(x.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
		if !ok {
			return nil, fmt.Errorf("%d is not a whole number of microseconds in range", x.Value(i))
		}
		return time.UnixMicro(us).UTC(), nil
	case *array.Duration:
		if col.Type != "duration" {
			return nil, typeError(col, a)
		}
		us, ok := toMicros(int64(x.Value(i)), a.DataType().(*arrow.DurationType).Unit)
		if !ok || us > math.MaxInt64/1000 || us < math.MinInt64/1000 {
			return nil, fmt.Errorf("%d is not a whole number of microseconds in range", x.Value(i))
		}
		return time.Duration(us) * time.Microsecond, nil
	case *array.Decimal128:
		if col.Type != "decimal" {
			return nil, typeError(col, a)
		}
		n := dec128.Num{Hi: x.Value(i).HighBits(), Lo: x.Value(i).LowBits()}
		d := n.Decimal(a.DataType().(*arrow.Decimal128Type).Scale)
		return decimalValue(col, &d)
	case *array.Float32:
		return floatCell(col, float64(x.Value(i)), a)
	case *array.Float64:
		return floatCell(col, x.Value(i), a)
	}
	if n, ok := signed(a, i); ok {
		return intCell(col, n, a)
	}
	if n, ok := unsigned(a, i); ok {
		if n > math.MaxInt64 {
			if col.Type == "uint64" {
				return n, nil
			}
			return nil, fmt.Errorf("%d is out of range for %s", n, col.Type)
		}
		return intCell(col, int64(n), a)
	}
	return nil, typeError(col, a)
}

func typeError(col *layout.Column, a arrow.Array) error {
	return fmt.Errorf("a %s field cannot hold a %s column", a.DataType(), col.Type)
}

// textCell reads text: a string, enum, json or uuid column, or the text
// form of any other type.
func textCell(col *layout.Column, s string) (value, error) {
	if col.Type == "json" {
		if !utf8.ValidString(s) || !json.Valid([]byte(s)) {
			return nil, errors.New("not valid JSON")
		}
		return []byte(s), nil
	}
	return parseText(col, s, false)
}

func bytesCell(col *layout.Column, b []byte, a arrow.Array) (value, error) {
	switch col.Type {
	case "bytes":
		return append([]byte{}, b...), nil
	case "uuid":
		if len(b) != 16 {
			return nil, fmt.Errorf("%d bytes where a uuid (16 bytes) is wanted", len(b))
		}
		return [16]byte(b), nil
	case "string", "json", "enum":
		return textCell(col, string(b))
	}
	return nil, typeError(col, a)
}

func floatCell(col *layout.Column, f float64, a arrow.Array) (value, error) {
	if col.Type != "float64" {
		return nil, typeError(col, a)
	}
	return f, nil
}

// intCell converts an integer field's value to col's type, in range.
// Durations come as int64 microseconds, the form flush writes.
func intCell(col *layout.Column, n int64, a arrow.Array) (value, error) {
	switch col.Type {
	case "int64":
		return n, nil
	case "int32":
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%d is out of range for int32", n)
		}
		return int32(n), nil
	case "uint64":
		if n < 0 {
			return nil, fmt.Errorf("%d is negative; the column is uint64", n)
		}
		return uint64(n), nil
	case "duration":
		if n > math.MaxInt64/1000 || n < math.MinInt64/1000 {
			return nil, fmt.Errorf("%d microseconds is out of range for a duration", n)
		}
		return time.Duration(n) * time.Microsecond, nil
	case "float64":
		return float64(n), nil
	}
	return nil, typeError(col, a)
}

func signed(a arrow.Array, i int) (int64, bool) {
	switch x := a.(type) {
	case *array.Int8:
		return int64(x.Value(i)), true
	case *array.Int16:
		return int64(x.Value(i)), true
	case *array.Int32:
		return int64(x.Value(i)), true
	case *array.Int64:
		return x.Value(i), true
	}
	return 0, false
}

func unsigned(a arrow.Array, i int) (uint64, bool) {
	switch x := a.(type) {
	case *array.Uint8:
		return uint64(x.Value(i)), true
	case *array.Uint16:
		return uint64(x.Value(i)), true
	case *array.Uint32:
		return uint64(x.Value(i)), true
	case *array.Uint64:
		return x.Value(i), true
	}
	return 0, false
}

// toMicros converts v in unit to microseconds, reporting overflow and
// sub-microsecond precision (the store keeps microseconds).
func toMicros(v int64, unit arrow.TimeUnit) (int64, bool) {
	var m int64
	switch unit {
	case arrow.Second:
		m = 1e6
	case arrow.Millisecond:
		m = 1e3
	case arrow.Microsecond:
		return v, true
	default: // nanoseconds
		return v / 1000, v%1000 == 0
	}
	if v > math.MaxInt64/m || v < math.MinInt64/m {
		return 0, false
	}
	return v * m, true
}
