package scan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// RowSource turns stored row values into filter values and Arrow rows for
// one scan. There are two implementations: [RowDecoder], driven by the
// layout at run time (it powers tools that only have the YAML), and the one
// generated per table, which decodes into the entity struct and appends it
// with generated, reflection-free appenders. A scan calls Load for every row
// it reads, Value for the filter's columns, and Append for the rows that pass
// the filter and the limit.
type RowSource interface {
	// Load decodes the columns the scan needs from one stored row value,
	// replacing the previous row. value is only valid during the call and
	// until the next Load; a source may alias it.
	Load(value []byte) error
	// Value returns column col (its position in the layout's Columns) of
	// the loaded row. Only columns the scan asked to decode are valid.
	Value(col int) Value
	// Append appends the loaded row's projected columns to b, field j
	// being the j-th projected column.
	Append(b *array.RecordBuilder) error
}

// NewRowSource makes the RowSource for one scan. decode[i] reports whether
// layout column i is needed (projected or used by the filter); project lists
// the projected columns' positions in output order. A scan calls it once and
// uses the source from one goroutine.
type NewRowSource func(decode []bool, project []int) (RowSource, error)

// RowDecoder is the schema-driven [RowSource]: it walks the protowire fields
// of a row, decodes only the needed tags by the layout's types straight into
// [Value]s (strings and bytes alias the row, nothing is allocated per row),
// and appends them to Arrow builders.
type RowDecoder struct {
	t       *table
	decode  []bool
	project []int
	vals    []Value
	tagPos  []int32 // tag → column position + 1 (0 = not needed), when tags are small
	tagMap  map[int32]int
	needed  int      // number of columns to decode
	seen    []uint32 // per column: the row generation in which it was last seen
	gen     uint32
}

// zeroTimeMicros is time.Time{}.UnixMicro(), the zero timestamp writers leave out.
const zeroTimeMicros = -62135596800000000

// zeroUUID is uuid.Nil, the zero uuid writers leave out; it is never written to.
var zeroUUID [16]byte

// maxDenseTag bounds the tag → column lookup table; layouts with larger tags
// use a map instead.
const maxDenseTag = 4096

// NewRowDecoder returns a schema-driven RowSource for a table layout (see
// [NewRowSource] for decode and project).
func NewRowDecoder(l *layout.Table, decode []bool, project []int) (*RowDecoder, error) {
	t, err := newTable(l)
	if err != nil {
		return nil, err
	}
	return t.newRowDecoder(decode, project)
}

func (t *table) newRowDecoder(decode []bool, project []int) (*RowDecoder, error) {
	if len(decode) != len(t.cols) {
		return nil, fmt.Errorf("scan: %s: decode set has %d entries for %d columns", t.name, len(decode), len(t.cols))
	}
	d := &RowDecoder{t: t, decode: decode, project: project, vals: make([]Value, len(t.cols)), seen: make([]uint32, len(t.cols))}
	for _, need := range decode {
		if need {
			d.needed++
		}
	}
	for _, p := range project {
		if p < 0 || p >= len(t.cols) || !decode[p] {
			return nil, fmt.Errorf("scan: %s: projected column %d is out of range or not decoded", t.name, p)
		}
	}
	maxTag := int32(0)
	for _, c := range t.cols {
		maxTag = max(maxTag, c.Tag)
	}
	if maxTag < maxDenseTag {
		d.tagPos = make([]int32, maxTag+1)
		for i, c := range t.cols {
			if decode[i] && c.Tag >= 0 {
				d.tagPos[c.Tag] = int32(i) + 1
			}
		}
	} else {
		d.tagMap = make(map[int32]int)
		for i, c := range t.cols {
			if decode[i] {
				d.tagMap[c.Tag] = i
			}
		}
	}
	return d, nil
}

func (d *RowDecoder) position(tag protowire.Number) int {
	if d.tagPos != nil {
		if int(tag) < len(d.tagPos) {
			return int(d.tagPos[tag]) - 1
		}
		return -1
	}
	if i, ok := d.tagMap[int32(tag)]; ok {
		return i
	}
	return -1
}

// Load implements [RowSource]. A column absent from the row is NULL when
// nullable and its type's zero value otherwise (writers skip zero values of
// non-nullable columns, as proto3 does).
//
// Load stops reading a row as soon as every needed column has been seen, so
// projecting the first columns of a wide row skips the rest of it. This
// reads a tag that occurs twice in one row at its first occurrence, where
// protobuf merging would take the last; tablegen's writers emit each tag at
// most once, so rows they wrote decode exactly.
func (d *RowDecoder) Load(value []byte) error {
	for i, need := range d.decode {
		if need {
			v := &d.vals[i]
			v.Null, v.I, v.U, v.F, v.B = d.t.cols[i].Nullable, 0, 0, 0, nil
			// An absent non-nullable value is the Go zero value the
			// generated entities hold: time.Time{} and uuid.Nil.
			switch d.t.cols[i].typ {
			case tTimestamp:
				v.I = zeroTimeMicros
			case tUUID:
				v.B = zeroUUID[:]
			}
		}
	}
	d.gen++
	left := d.needed
	dec := rowenc.NewDecoder(value)
	for left > 0 && dec.Next() {
		i := d.position(dec.Tag())
		if i < 0 {
			continue
		}
		if d.seen[i] != d.gen {
			d.seen[i] = d.gen
			left--
		}
		c := &d.t.cols[i]
		v := &d.vals[i]
		v.Null = false
		switch c.typ {
		case tBool:
			if dec.Bool() {
				v.I = 1
			} else {
				v.I = 0
			}
		case tInt32:
			v.I = int64(dec.Int32())
		case tInt64:
			v.I = dec.Int64()
		case tUint64:
			v.U = dec.Uint64()
		case tFloat64:
			v.F = dec.Float64()
		case tString, tBytes, tJSON:
			if dec.WireType() != protowire.BytesType {
				return fmt.Errorf("field %d (%s %s): wire type %d, want bytes: %w", c.Tag, c.Name, c.Type, dec.WireType(), rowenc.ErrCorrupt)
			}
			v.B = dec.Raw()
		case tTimestamp:
			v.I = dec.Timestamp().UnixMicro()
		case tDuration:
			v.I = dec.Duration().Microseconds()
		case tUUID:
			if dec.WireType() != protowire.BytesType || len(dec.Raw()) != 16 {
				return fmt.Errorf("field %d (%s uuid): want 16 length-delimited bytes, have wire type %d with %d bytes: %w", c.Tag, c.Name, dec.WireType(), len(dec.Raw()), rowenc.ErrCorrupt)
			}
			v.B = dec.Raw()
		case tEnum:
			v.I = int64(dec.Enum())
			if dec.Err() == nil && (v.I < 0 || v.I >= int64(len(c.Values))) {
				return fmt.Errorf("field %d (%s enum): ordinal %d is not one of the %d declared values; a newer build may have added values: %w", c.Tag, c.Name, v.I, len(c.Values), rowenc.ErrCorrupt)
			}
		}
	}
	return dec.Err()
}

// Value implements [RowSource].
func (d *RowDecoder) Value(col int) Value {
	if col < 0 || col >= len(d.vals) {
		return Value{Null: true}
	}
	return d.vals[col]
}

// Append implements [RowSource].
func (d *RowDecoder) Append(b *array.RecordBuilder) error {
	for j, p := range d.project {
		c := &d.t.cols[p]
		if err := appendValue(b.Field(j), c, d.vals[p]); err != nil {
			return err
		}
	}
	return nil
}

// appendValue appends one value to the builder of its column's Arrow type.
func appendValue(fb array.Builder, c *column, v Value) error {
	if v.Null {
		fb.AppendNull()
		return nil
	}
	ok := true
	switch c.typ {
	case tBool:
		var bb *array.BooleanBuilder
		if bb, ok = fb.(*array.BooleanBuilder); ok {
			bb.Append(v.I != 0)
		}
	case tInt32:
		var ib *array.Int32Builder
		if ib, ok = fb.(*array.Int32Builder); ok {
			ib.Append(int32(v.I))
		}
	case tInt64:
		var ib *array.Int64Builder
		if ib, ok = fb.(*array.Int64Builder); ok {
			ib.Append(v.I)
		}
	case tUint64:
		var ub *array.Uint64Builder
		if ub, ok = fb.(*array.Uint64Builder); ok {
			ub.Append(v.U)
		}
	case tFloat64:
		var fl *array.Float64Builder
		if fl, ok = fb.(*array.Float64Builder); ok {
			fl.Append(v.F)
		}
	case tString:
		var sb *array.StringBuilder
		if sb, ok = fb.(*array.StringBuilder); ok {
			sb.BinaryBuilder.Append(v.B)
		}
	case tEnum:
		var sb *array.StringBuilder
		if sb, ok = fb.(*array.StringBuilder); ok {
			if v.I < 0 || v.I >= int64(len(c.Values)) {
				return fmt.Errorf("enum column %s: ordinal %d is not one of the %d declared values: %w", c.Name, v.I, len(c.Values), rowenc.ErrCorrupt)
			}
			sb.Append(c.Values[v.I])
		}
	case tBytes:
		var bb *array.BinaryBuilder
		if bb, ok = fb.(*array.BinaryBuilder); ok {
			bb.Append(v.B)
		}
	case tTimestamp:
		var tb *array.TimestampBuilder
		if tb, ok = fb.(*array.TimestampBuilder); ok {
			tb.Append(arrow.Timestamp(v.I))
		}
	case tDuration:
		var db *array.DurationBuilder
		if db, ok = fb.(*array.DurationBuilder); ok {
			db.Append(arrow.Duration(v.I))
		}
	case tUUID:
		var ub *extensions.UUIDBuilder
		if ub, ok = fb.(*extensions.UUIDBuilder); ok {
			var u [16]byte
			if copy(u[:], v.B) != 16 {
				return fmt.Errorf("uuid column %s: value has %d bytes, want 16: %w", c.Name, len(v.B), rowenc.ErrCorrupt)
			}
			ub.AppendBytes(u)
		}
	case tJSON:
		var eb *array.ExtensionBuilder
		if eb, ok = fb.(*array.ExtensionBuilder); ok {
			var sb *array.StringBuilder
			if sb, ok = eb.StorageBuilder().(*array.StringBuilder); ok {
				sb.BinaryBuilder.Append(v.B)
			}
		}
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("scan: column %s (%s): builder %T does not match the column's Arrow type; build the record builder from the provider's schema", c.Name, c.Type, fb)
	}
	return nil
}
