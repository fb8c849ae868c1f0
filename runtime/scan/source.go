package scan

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// rowDecoder turns stored row values into filter values and Arrow rows for
// one scan, driven by the layout at run time (decode[i] reports whether
// layout column i is needed, project lists the projected columns in output
// order). It is built once per scan from the layout: a dense tag → slot
// table (a map for very large tags) and, per needed column, a slot holding the column's type and, once bound to a
// record builder, the typed Arrow builder it appends to. Walking a row is
// then one table lookup and one switch on a small integer per field, with no
// interface assertion and no allocation per cell.
//
// It has two ways of reading a row. With a filter, Load decodes the needed
// columns into [Value]s (strings and bytes alias the row) for the filter to
// evaluate and Append appends the projected ones. Without a filter, the scan
// calls appendRow, which decodes each projected field of the wire format
// straight into its builder in one pass.
type rowDecoder struct {
	t       *table
	decode  []bool
	project []int
	vals    []Value
	slots   []slot  // one per needed column, in layout order
	slotOf  []int16 // layout position → slot index, -1 when not needed
	tagSlot []int16 // tag → slot index + 1 (0 = not needed), when tags are small
	tagMap  map[int32]int
	seen    []uint32 // per slot: the row generation in which it was last seen
	cells   []cell   // per slot: where walk found it in the current row
	gen     uint32
	dec     rowenc.Decoder
	bound   *array.RecordBuilder // the builder the slots' builders belong to
	room    int                  // rows appendRow may add before it must reserve
}

// slot is one needed column of a scan: how to decode it and, when it is
// projected, the builder of its output field (exactly one builder pointer,
// by typ, is set once the decoder is bound to a record builder).
type slot struct {
	c     *column
	pos   int // layout position
	field int // output field, -1 when only the filter needs the column
	typ   colType
	enum  [][]byte // enum values as bytes, appended without conversion
	wire  protowire.Type

	fb   array.Builder
	bl   *array.BooleanBuilder
	i32  *array.Int32Builder
	i64  *array.Int64Builder
	u64  *array.Uint64Builder
	f64  *array.Float64Builder
	bin  *array.BinaryBuilder // string, enum, bytes, and json's storage
	ts   *array.TimestampBuilder
	dur  *array.DurationBuilder
	uuid *array.FixedSizeBinaryBuilder // uuid's storage
	d128 *array.Decimal128Builder
}

// zeroTimeMicros is time.Time{}.UnixMicro(), the zero timestamp writers leave out.
const zeroTimeMicros = -62135596800000000

// zeroUUID is uuid.Nil, the zero uuid writers leave out; it is never written to.
var zeroUUID [16]byte

// maxDenseTag bounds the tag → column lookup table; layouts with larger tags
// use a map instead.
const maxDenseTag = 4096

// maxDurationMicros is the largest microsecond count a duration column holds
// (time.Duration's range), as rowenc.Decoder.Duration checks.
const maxDurationMicros = int64(^uint64(0)>>1) / 1000

func (t *table) newRowDecoder(decode []bool, project []int) (*rowDecoder, error) {
	if len(decode) != len(t.cols) {
		return nil, fmt.Errorf("scan: %s: decode set has %d entries for %d columns", t.name, len(decode), len(t.cols))
	}
	d := &rowDecoder{t: t, decode: decode, project: project, vals: make([]Value, len(t.cols)), slotOf: make([]int16, len(t.cols))}
	for i, need := range decode {
		d.slotOf[i] = -1
		if need {
			c := &t.cols[i]
			s := slot{c: c, pos: i, field: -1, typ: c.typ, wire: wireType(c.typ)}
			if c.typ == tEnum {
				for _, v := range c.Values {
					s.enum = append(s.enum, []byte(v))
				}
			}
			d.slotOf[i] = int16(len(d.slots))
			d.slots = append(d.slots, s)
		}
	}
	if len(d.slots) > 1<<15-1 {
		return nil, fmt.Errorf("scan: %s: %d needed columns; a scan decodes at most %d", t.name, len(d.slots), 1<<15-1)
	}
	d.seen = make([]uint32, len(d.slots))
	d.cells = make([]cell, len(d.slots))
	for j, p := range project {
		if p < 0 || p >= len(t.cols) || !decode[p] {
			return nil, fmt.Errorf("scan: %s: projected column %d is out of range or not decoded", t.name, p)
		}
		d.slots[d.slotOf[p]].field = j
	}
	maxTag := int32(0)
	for _, c := range t.cols {
		maxTag = max(maxTag, c.Tag)
	}
	if maxTag < maxDenseTag {
		d.tagSlot = make([]int16, maxTag+1)
		for si := range d.slots {
			if tag := d.slots[si].c.Tag; tag >= 0 {
				d.tagSlot[tag] = int16(si) + 1
			}
		}
	} else {
		d.tagMap = make(map[int32]int)
		for si := range d.slots {
			d.tagMap[d.slots[si].c.Tag] = si
		}
	}
	return d, nil
}

// slotFor returns the slot of the column with the given tag, or -1 when the
// scan does not need it (or the layout does not know it).
func (d *rowDecoder) slotFor(tag protowire.Number) int {
	if d.tagSlot != nil {
		if uint(tag) < uint(len(d.tagSlot)) {
			return int(d.tagSlot[tag]) - 1
		}
		return -1
	}
	if i, ok := d.tagMap[int32(tag)]; ok {
		return i
	}
	return -1
}

// Load decodes the columns the scan needs from one stored row value,
// replacing the previous row; value must stay valid until the next Load. A column absent from the row is NULL when
// nullable and its type's zero value otherwise (writers skip zero values of
// non-nullable columns, as proto3 does).
//
// Load stops reading a row as soon as every needed column has been seen, so
// projecting the first columns of a wide row skips the rest of it. A tag
// that occurs twice in one row is read at its first occurrence, where
// protobuf merging would take the last; tablegen's writers emit each tag at
// most once, so rows they wrote decode exactly.
func (d *rowDecoder) Load(value []byte) error {
	for si := range d.slots {
		s := &d.slots[si]
		v := &d.vals[s.pos]
		v.Null, v.I, v.U, v.F, v.B = s.c.Nullable, 0, 0, 0, nil
		// An absent non-nullable value is the Go zero value the
		// generated entities hold: time.Time{} and uuid.Nil.
		switch s.typ {
		case tTimestamp:
			v.I = zeroTimeMicros
		case tUUID:
			v.B = zeroUUID[:]
		}
	}
	d.gen++
	left := len(d.slots)
	dec := &d.dec
	dec.Reset(value)
	for left > 0 && dec.Next() {
		si := d.slotFor(dec.Tag())
		if si < 0 || d.seen[si] == d.gen {
			continue
		}
		d.seen[si] = d.gen
		left--
		s := &d.slots[si]
		v := &d.vals[s.pos]
		v.Null = false
		switch s.typ {
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
			b, err := bytesField(dec, s.c)
			if err != nil {
				return err
			}
			if s.typ == tString {
				if err := rowenc.CheckString(s.c.Name, dec.Tag(), b); err != nil {
					return err
				}
			}
			v.B = b
		case tTimestamp:
			if dec.WireType() == protowire.BytesType {
				return rowenc.TimestampError(s.c.Name, dec.Tag(), dec.Raw())
			}
			v.I = timestampField(dec)
		case tDuration:
			v.I = durationField(dec)
		case tUUID:
			b, err := uuidField(dec, s.c)
			if err != nil {
				return err
			}
			v.B = b
		case tEnum:
			ord, err := enumField(dec, s.c)
			if err != nil {
				return err
			}
			v.I = int64(ord)
		case tDecimal:
			n, err := decimalField(dec, s.c)
			if err != nil {
				return err
			}
			v.I, v.U = n.Hi, n.Lo
		}
	}
	return dec.Err()
}

// The field readers shared by Load and appendRow. Each reads the current
// field of dec as its column's type; a wire type mismatch is left as dec's
// sticky error (the accessors record it), other problems are returned.

func bytesField(dec *rowenc.Decoder, c *column) ([]byte, error) {
	if dec.WireType() != protowire.BytesType {
		return nil, fmt.Errorf("field %d (%s %s): wire type %d, want bytes: %w", c.Tag, c.Name, c.Type, dec.WireType(), rowenc.ErrCorrupt)
	}
	return dec.Raw(), nil
}

func timestampField(dec *rowenc.Decoder) int64 {
	if dec.WireType() != protowire.VarintType {
		return dec.Timestamp().UnixMicro() // records the mismatch
	}
	return protowire.DecodeZigZag(binaryVarint(dec))
}

func durationField(dec *rowenc.Decoder) int64 {
	if dec.WireType() != protowire.VarintType {
		return dec.Duration().Microseconds() // records the mismatch
	}
	us := protowire.DecodeZigZag(binaryVarint(dec))
	if us > maxDurationMicros || us < -maxDurationMicros {
		return dec.Duration().Microseconds() // records the range error
	}
	return us
}

// binaryVarint is the current varint field's value as the wire carries it.
func binaryVarint(dec *rowenc.Decoder) uint64 { return dec.Uint64() }

func uuidField(dec *rowenc.Decoder, c *column) ([]byte, error) {
	if dec.WireType() != protowire.BytesType || len(dec.Raw()) != 16 {
		return nil, fmt.Errorf("field %d (%s uuid): want 16 length-delimited bytes, have wire type %d with %d bytes: %w", c.Tag, c.Name, dec.WireType(), len(dec.Raw()), rowenc.ErrCorrupt)
	}
	return dec.Raw(), nil
}

func enumField(dec *rowenc.Decoder, c *column) (int32, error) {
	ord := dec.Enum()
	if dec.Err() == nil && (ord < 0 || int(ord) >= len(c.Values)) {
		return 0, fmt.Errorf("field %d (%s enum): ordinal %d is not one of the %d declared values; a newer build may have added values: %w", c.Tag, c.Name, ord, len(c.Values), rowenc.ErrCorrupt)
	}
	return ord, nil
}

// decimalField reads a decimal column's unscaled integer, refusing bytes
// that are not one (a value AppendDecimal could not encode) or that have
// more digits than the column's precision, which Arrow's decimal128(p,s)
// must not hold.
func decimalField(dec *rowenc.Decoder, c *column) (dec128.Num, error) {
	if dec.WireType() != protowire.BytesType {
		return dec128.Num{}, fmt.Errorf("field %d (%s decimal): wire type %d, want bytes: %w", c.Tag, c.Name, dec.WireType(), rowenc.ErrCorrupt)
	}
	if err := rowenc.CheckDecimal(c.Name, dec.Tag(), dec.Raw(), c.Precision, c.Scale); err != nil {
		return dec128.Num{}, err
	}
	n, ok := dec128.FromMinimal(dec.Raw())
	if !ok || !n.Fits(c.Precision) {
		return dec128.Num{}, fmt.Errorf("field %d (%s decimal(%d,%d)): stored value %q is not an integer of at most %d digits: %w", c.Tag, c.Name, c.Precision, c.Scale, dec.Raw(), c.Precision, rowenc.ErrCorrupt)
	}
	return n, nil
}

// Value returns column col (its position in the layout's Columns) of the
// loaded row; only columns the scan asked to decode are valid.
func (d *rowDecoder) Value(col int) Value {
	if col < 0 || col >= len(d.vals) {
		return Value{Null: true}
	}
	return d.vals[col]
}

// Append appends the loaded row's projected columns (the values Load
// decoded) to b, field j being the j-th projected column.
func (d *rowDecoder) Append(b *array.RecordBuilder) error {
	if err := d.bind(b); err != nil {
		return err
	}
	for _, p := range d.project {
		s := &d.slots[d.slotOf[p]]
		if err := s.appendValue(d.vals[p]); err != nil {
			return err
		}
	}
	return nil
}

// bind points the projected slots at the typed builders of b's fields. It
// runs once per record builder (a scan reuses one across batches), so no
// per-cell path asserts a builder's type.
func (d *rowDecoder) bind(b *array.RecordBuilder) error {
	if d.bound == b {
		return nil
	}
	if len(d.project) > b.Schema().NumFields() {
		return fmt.Errorf("scan: %s: record builder has %d fields for %d projected columns; build it from the scan's schema", d.t.name, b.Schema().NumFields(), len(d.project))
	}
	for si := range d.slots {
		s := &d.slots[si]
		if s.field < 0 {
			continue
		}
		if err := s.bind(b.Field(s.field)); err != nil {
			return err
		}
	}
	d.bound, d.room = b, 0
	return nil
}

func (s *slot) bind(fb array.Builder) error {
	ok := true
	s.fb = fb
	switch s.typ {
	case tBool:
		s.bl, ok = fb.(*array.BooleanBuilder)
	case tInt32:
		s.i32, ok = fb.(*array.Int32Builder)
	case tInt64:
		s.i64, ok = fb.(*array.Int64Builder)
	case tUint64:
		s.u64, ok = fb.(*array.Uint64Builder)
	case tFloat64:
		s.f64, ok = fb.(*array.Float64Builder)
	case tString, tEnum:
		var sb *array.StringBuilder
		if sb, ok = fb.(*array.StringBuilder); ok {
			s.bin = sb.BinaryBuilder
		}
	case tBytes:
		s.bin, ok = fb.(*array.BinaryBuilder)
	case tTimestamp:
		s.ts, ok = fb.(*array.TimestampBuilder)
	case tDuration:
		s.dur, ok = fb.(*array.DurationBuilder)
	case tUUID:
		// arrow.uuid: an *array.ExtensionBuilder for this package's type,
		// arrow-go's *extensions.UUIDBuilder for a schema that went
		// through IPC in a process that links arrow/extensions.
		var ub interface{ StorageBuilder() array.Builder }
		if ub, ok = fb.(interface{ StorageBuilder() array.Builder }); ok {
			s.uuid, ok = ub.StorageBuilder().(*array.FixedSizeBinaryBuilder)
			ok = ok && s.uuid.Type().(*arrow.FixedSizeBinaryType).ByteWidth == 16
		}
	case tDecimal:
		s.d128, ok = fb.(*array.Decimal128Builder)
	case tJSON:
		var eb interface{ StorageBuilder() array.Builder }
		if eb, ok = fb.(interface{ StorageBuilder() array.Builder }); ok {
			var sb *array.StringBuilder
			if sb, ok = eb.StorageBuilder().(*array.StringBuilder); ok {
				s.bin = sb.BinaryBuilder
			}
		}
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("scan: column %s (%s): builder %T does not match the column's Arrow type; build the record builder from the provider's schema", s.c.Name, s.c.Type, fb)
	}
	return nil
}

// appendValue appends one decoded value to the slot's builder (Append's
// path; appendRow appends while decoding).
func (s *slot) appendValue(v Value) error {
	if v.Null {
		s.fb.AppendNull()
		return nil
	}
	switch s.typ {
	case tBool:
		s.bl.Append(v.I != 0)
	case tInt32:
		s.i32.Append(int32(v.I))
	case tInt64:
		s.i64.Append(v.I)
	case tUint64:
		s.u64.Append(v.U)
	case tFloat64:
		s.f64.Append(v.F)
	case tString, tBytes, tJSON:
		s.bin.Append(v.B)
	case tEnum:
		if v.I < 0 || v.I >= int64(len(s.enum)) {
			return fmt.Errorf("enum column %s: ordinal %d is not one of the %d declared values: %w", s.c.Name, v.I, len(s.enum), rowenc.ErrCorrupt)
		}
		s.bin.Append(s.enum[v.I])
	case tTimestamp:
		s.ts.Append(arrow.Timestamp(v.I))
	case tDuration:
		s.dur.Append(arrow.Duration(v.I))
	case tUUID:
		if len(v.B) != 16 {
			return fmt.Errorf("uuid column %s: value has %d bytes, want 16: %w", s.c.Name, len(v.B), rowenc.ErrCorrupt)
		}
		s.uuid.Append(v.B)
	case tDecimal:
		s.d128.Append(decimal128.New(v.I, v.U))
	}
	return nil
}

// startBatch tells appendRow that b's builders were just emptied (a batch
// was taken), so the room it reserved is gone.
func (d *rowDecoder) startBatch() { d.room = 0 }

// reserve makes room in every projected builder for at least one more
// row, so appendRow can use the builders' unchecked appends. It grows them
// exactly as their checked Append does (to the next power of two), so the
// batches, null bitmaps included, are the same bytes as those of a row
// source that appends value by value. Strings and bytes reserve their
// data as they go.
func (d *rowDecoder) reserve() {
	room := -1
	for si := range d.slots {
		s := &d.slots[si]
		if s.field < 0 {
			continue
		}
		s.fb.Reserve(1)
		if r := s.fb.Cap() - s.fb.Len(); room < 0 || r < room {
			room = r
		}
	}
	if room < 0 { // nothing projected
		room = 1 << 30
	}
	d.room = room
}

// appendRow decodes one stored row straight into the bound builders. It is
// the scan's path when there is no filter to evaluate, so decode ==
// project. It walks the wire format once (see walk), noting where each
// projected field's value is, then appends every projected column: the
// value found, or the NULL or zero value of a column the row lacks (the
// rules of Load). A row walk cannot take (a group, a long varint, a field
// that is malformed or does not fit its column) goes through Load and
// Append instead, which skip what protobuf allows and name what is wrong,
// so both paths accept and reject the same rows with the same values.
func (d *rowDecoder) appendRow(b *array.RecordBuilder, value []byte) error {
	if d.bound != b {
		if err := d.bind(b); err != nil {
			return err
		}
	}
	if d.room == 0 {
		d.reserve()
	}
	d.room--
	d.gen++
	missing, ok := d.walk(value)
	if !ok {
		if err := d.Load(value); err != nil {
			return err
		}
		return d.Append(b)
	}
	for si := range d.slots {
		s := &d.slots[si]
		if s.field < 0 {
			continue // needed by a filter only (not on this path, but never appended)
		}
		if missing > 0 && d.seen[si] != d.gen {
			s.appendAbsent()
			continue
		}
		c := &d.cells[si]
		switch s.typ {
		case tBool:
			s.bl.UnsafeAppend(c.num != 0)
		case tInt32:
			s.i32.UnsafeAppend(int32(c.num))
		case tInt64:
			s.i64.UnsafeAppend(int64(c.num))
		case tUint64:
			s.u64.UnsafeAppend(c.num)
		case tFloat64:
			s.f64.UnsafeAppend(math.Float64frombits(c.num))
		case tString, tBytes, tJSON:
			appendBinary(s.bin, value[c.vs:c.ve])
		case tEnum:
			appendBinary(s.bin, s.enum[c.num])
		case tTimestamp:
			s.ts.UnsafeAppend(arrow.Timestamp(protowire.DecodeZigZag(c.num)))
		case tDuration:
			s.dur.UnsafeAppend(arrow.Duration(protowire.DecodeZigZag(c.num)))
		case tUUID:
			s.uuid.Append(value[c.vs:c.ve])
		case tDecimal:
			n, _ := dec128.FromMinimal(value[c.vs:c.ve]) // walk checked it
			s.d128.UnsafeAppend(decimal128.New(n.Hi, n.Lo))
		}
	}
	return nil
}

// cell is where walk found a needed field: its varint or fixed value, or
// the bounds of its length-delimited payload in the row.
type cell struct {
	num    uint64
	vs, ve int
}

// walk reads the fields of one row up to the last needed one, recording
// each needed field's first occurrence in d.cells and marking it seen in
// generation d.gen. It handles the shapes tablegen's writers produce (tags
// of up to two bytes, varint, fixed64, fixed32 and length-delimited fields)
// and checks each needed value against its column (wire type, int32 and
// duration range, enum ordinal, uuid length); it returns false, having
// decided nothing, for anything else, for Load to decode or reject. It
// also returns how many needed columns the row lacks; when none, appendRow
// need not look at d.seen.
func (d *rowDecoder) walk(b []byte) (missing int, ok bool) {
	if d.tagSlot == nil {
		return 0, false
	}
	left := len(d.slots)
	off := 0
	for left > 0 && off < len(b) {
		x := uint64(b[off])
		off++
		if x >= 0x80 {
			if off >= len(b) || b[off] >= 0x80 {
				return 0, false
			}
			x = x&0x7f | uint64(b[off])<<7
			off++
		}
		tag, typ := x>>3, protowire.Type(x&7)
		if tag == 0 {
			return 0, false
		}
		si := -1
		if tag < uint64(len(d.tagSlot)) {
			si = int(d.tagSlot[tag]) - 1
		}
		if si < 0 {
			// Skipping a field the scan does not need: only its length
			// matters.
			switch typ {
			case protowire.VarintType:
				// The first byte without the continuation bit ends the
				// varint, found 8 bytes at a time.
				if len(b)-off >= 8 {
					if m := ^binary.LittleEndian.Uint64(b[off:]) & 0x8080808080808080; m != 0 {
						off += bits.TrailingZeros64(m)>>3 + 1
						continue
					}
				}
				_, n := protowire.ConsumeVarint(b[off:])
				if n < 0 {
					return 0, false
				}
				off += n
			case protowire.Fixed64Type:
				if len(b)-off < 8 {
					return 0, false
				}
				off += 8
			case protowire.Fixed32Type:
				if len(b)-off < 4 {
					return 0, false
				}
				off += 4
			case protowire.BytesType:
				l, k := protowire.ConsumeVarint(b[off:])
				if k < 0 || l > uint64(len(b)-off-k) {
					return 0, false
				}
				off += k + int(l)
			default:
				return 0, false
			}
			continue
		}
		s := &d.slots[si]
		if typ != s.wire || d.seen[si] == d.gen {
			return 0, false // a wire type Load rejects, or a repeated tag: Load decides
		}
		var num uint64
		vs, ve := 0, 0
		switch typ {
		case protowire.VarintType:
			if off < len(b) && b[off] < 0x80 {
				num = uint64(b[off])
				off++
			} else {
				var n int
				if num, n = protowire.ConsumeVarint(b[off:]); n < 0 {
					return 0, false
				}
				off += n
			}
		case protowire.Fixed64Type:
			if len(b)-off < 8 {
				return 0, false
			}
			num = binary.LittleEndian.Uint64(b[off:])
			off += 8
		case protowire.BytesType:
			n := 0
			if off < len(b) && b[off] < 0x80 {
				n = int(b[off])
				off++
			} else {
				l, k := protowire.ConsumeVarint(b[off:])
				if k < 0 || l > uint64(len(b)) {
					return 0, false
				}
				n = int(l)
				off += k
			}
			if len(b)-off < n {
				return 0, false
			}
			vs, ve = off, off+n
			off = ve
		default:
			return 0, false // no column's wire type is fixed32 or a group
		}
		switch s.typ {
		case tInt32:
			if v := int64(num); v < math.MinInt32 || v > math.MaxInt32 {
				return 0, false
			}
		case tEnum:
			if num >= uint64(len(s.enum)) {
				return 0, false
			}
		case tDuration:
			if us := protowire.DecodeZigZag(num); us > maxDurationMicros || us < -maxDurationMicros {
				return 0, false
			}
		case tUUID:
			if ve-vs != 16 {
				return 0, false
			}
		case tString:
			if rowenc.CheckString(s.c.Name, protowire.Number(tag), b[vs:ve]) != nil {
				return 0, false
			}
		case tDecimal:
			if n, ok := dec128.FromMinimal(b[vs:ve]); !ok || !n.Fits(s.c.Precision) {
				return 0, false
			}
		}
		d.seen[si] = d.gen
		d.cells[si] = cell{num: num, vs: vs, ve: ve}
		left--
	}
	return left, true
}

// wireType is the wire type tablegen's writers use for a column type.
func wireType(t colType) protowire.Type {
	switch t {
	case tFloat64:
		return protowire.Fixed64Type
	case tString, tBytes, tJSON, tUUID, tDecimal:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// appendBinary appends v to a string or binary builder, growing its data
// buffer geometrically (ReserveData alone grows it to the exact size).
func appendBinary(b *array.BinaryBuilder, v []byte) {
	if b.DataCap()-b.DataLen() < len(v) {
		b.ReserveData(max(len(v), b.DataLen()))
	}
	b.UnsafeAppend(v)
}

// appendAbsent appends the value of a column the row does not carry: NULL
// when the column is nullable, else its type's zero value (see Load).
func (s *slot) appendAbsent() {
	if s.c.Nullable {
		s.fb.AppendNull()
		return
	}
	switch s.typ {
	case tBool:
		s.bl.UnsafeAppend(false)
	case tInt32:
		s.i32.UnsafeAppend(0)
	case tInt64:
		s.i64.UnsafeAppend(0)
	case tUint64:
		s.u64.UnsafeAppend(0)
	case tFloat64:
		s.f64.UnsafeAppend(0)
	case tString, tBytes, tJSON:
		appendBinary(s.bin, nil)
	case tEnum:
		appendBinary(s.bin, s.enum[0])
	case tTimestamp:
		s.ts.UnsafeAppend(zeroTimeMicros)
	case tDuration:
		s.dur.UnsafeAppend(0)
	case tUUID:
		s.uuid.Append(zeroUUID[:])
	case tDecimal:
		s.d128.UnsafeAppend(decimal128.Num{})
	}
}

// appendValue appends one value to a builder of its column's Arrow type,
// for paths that append cell by cell without a bound slot (the cold scan).
func appendValue(fb array.Builder, c *column, v Value) error {
	s := slot{c: c, typ: c.typ}
	if err := s.bind(fb); err != nil {
		return err
	}
	if c.typ == tEnum && !v.Null {
		if v.I < 0 || v.I >= int64(len(c.Values)) {
			return fmt.Errorf("enum column %s: ordinal %d is not one of the %d declared values: %w", c.Name, v.I, len(c.Values), rowenc.ErrCorrupt)
		}
		s.bin.AppendString(c.Values[v.I])
		return nil
	}
	return s.appendValue(v)
}
