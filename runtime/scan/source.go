package scan

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// rowDecoder turns stored row values into filter values and Arrow rows for
// one scan, driven by the layout at run time (decode[i] reports whether
// layout column i is needed, project lists the projected columns in output
// order). It is built once per scan from the layout: a dense tag → slot
// table (a map for very large tags), a table of what to do with each
// one-byte field key, and per needed column a slot holding the column's
// type and, when projected, the batch column (colBuf) it appends to.
// Walking a row is then one table lookup and one switch on a small integer
// per field, with no interface assertion and no allocation per cell; the
// batch is built in Arrow's layout directly and handed out by batch.
//
// It has two ways of reading a row. With a filter, Load decodes the needed
// columns into [Value]s (strings and bytes alias the row) for the filter to
// evaluate and Append appends the projected ones. Without a filter, the scan
// calls appendRow, which decodes each projected field of the wire format
// straight into its batch column in one pass.
type rowDecoder struct {
	t       *table
	decode  []bool
	project []int
	vals    []Value
	slots   []slot      // one per needed column, in layout order
	slotOf  []int16     // layout position → slot index, -1 when not needed
	tagSlot []int16     // tag → slot index + 1 (0 = not needed), when tags are small
	keyAct  *[256]int16 // one-byte field key → what appendRow does with it (see walkAction)
	tagMap  map[int32]int
	seen    []uint32 // per slot: the row generation in which Load last saw it
	gen     uint32
	dec     rowenc.Decoder
	// The batch being built (see setOutput): its schema, the allocator of
	// its buffers and its rows so far. direct is set when every needed
	// column is projected, the shape appendRow decodes in one pass.
	schema *arrow.Schema
	mem    memory.Allocator
	rows   int
	direct bool
}

// slot is one needed column of a scan: how to decode it and, when it is
// projected, the column of the batch it is appended to.
type slot struct {
	c     *column
	pos   int // layout position
	field int // output field, -1 when only the filter needs the column
	typ   colType
	enum  [][]byte // enum values as bytes, appended without conversion
	wire  protowire.Type
	dt    arrow.DataType // the output field's type
	out   colBuf
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
	for j, p := range project {
		if p < 0 || p >= len(t.cols) || !decode[p] {
			return nil, fmt.Errorf("scan: %s: projected column %d is out of range or not decoded", t.name, p)
		}
		if d.slots[d.slotOf[p]].field >= 0 {
			return nil, fmt.Errorf("scan: %s: column %s is projected twice", t.name, t.cols[p].Name)
		}
		d.slots[d.slotOf[p]].field = j
	}
	d.direct = len(project) == len(d.slots)
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
		d.keyAct = new([256]int16)
		for x := range d.keyAct {
			d.keyAct[x] = actLong
			if x < 0x80 {
				d.keyAct[x] = d.walkAction(uint64(x))
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

// setOutput starts the decoder's batches: the projected columns are
// appended to buffers from mem and come out as record batches of schema,
// whose field j must have the Arrow type of the j-th projected column (an
// extension type matches by name and storage, so a schema that went
// through IPC in a process linking arrow-go's extensions fits too).
//
// rows is how many rows a batch will hold at most (the batch size, or a
// smaller limit), for the first allocation of each column: growing by
// doubling from a small size would leave the halves behind as garbage in
// every batch.
func (d *rowDecoder) setOutput(mem memory.Allocator, schema *arrow.Schema, rows int) error {
	if schema.NumFields() != len(d.project) {
		return fmt.Errorf("scan: %s: schema has %d fields for %d projected columns; build it from the scan's schema", d.t.name, schema.NumFields(), len(d.project))
	}
	for si := range d.slots {
		s := &d.slots[si]
		if s.field < 0 {
			continue
		}
		dt := schema.Field(s.field).Type
		if !arrow.TypeEqual(dt, s.c.arrowType()) {
			return fmt.Errorf("scan: column %s (%s): schema type %s does not match the column's Arrow type %s; build the schema with ArrowSchema from the same layout", s.c.Name, s.c.Type, dt, s.c.arrowType())
		}
		s.dt, s.out = dt, newColBuf(s.c, rows)
	}
	d.schema, d.mem, d.rows = schema, mem, 0
	return nil
}

// batch returns the rows appended since the last batch as one record
// batch, which owns its buffers: the decoder starts the next batch with
// new ones.
func (d *rowDecoder) batch() arrow.RecordBatch {
	cols := make([]arrow.Array, len(d.project))
	for j, p := range d.project {
		s := &d.slots[d.slotOf[p]]
		cols[j] = s.out.array(d.mem, s.dt)
	}
	rec := array.NewRecordBatch(d.schema, cols, int64(d.rows))
	for _, c := range cols {
		c.Release()
	}
	d.rows = 0
	return rec
}

// release frees the buffers of a batch that will not be taken.
func (d *rowDecoder) release() {
	for si := range d.slots {
		if d.slots[si].field >= 0 {
			d.slots[si].out.release()
		}
	}
	d.rows = 0
}

// truncate drops what the current row appended to the projected columns.
func (d *rowDecoder) truncate() {
	for si := range d.slots {
		if d.slots[si].field >= 0 {
			d.slots[si].out.truncate(d.rows)
		}
	}
}

// Append appends the loaded row's projected columns (the values Load
// decoded) to the batch. A row that fails is not appended at all.
func (d *rowDecoder) Append() error {
	for _, p := range d.project {
		s := &d.slots[d.slotOf[p]]
		if err := s.appendValue(d.mem, d.vals[p]); err != nil {
			d.truncate()
			return err
		}
	}
	d.rows++
	return nil
}

// appendFrom appends one row whose projected values come from get (by
// layout position), as a union appends a flushed row. A row that fails
// is not appended at all.
func (d *rowDecoder) appendFrom(get func(pos int) (Value, error)) error {
	for _, p := range d.project {
		v, err := get(p)
		if err == nil {
			err = d.slots[d.slotOf[p]].appendValue(d.mem, v)
		}
		if err != nil {
			d.truncate()
			return err
		}
	}
	d.rows++
	return nil
}

// appendValue appends one decoded value to the slot's column.
func (s *slot) appendValue(mem memory.Allocator, v Value) error {
	b := &s.out
	if v.Null {
		b.appendNull(mem)
		return nil
	}
	switch s.typ {
	case tBool:
		b.appendBool(mem, v.I != 0)
	case tInt32:
		b.appendInt32(mem, int32(v.I))
	case tInt64, tTimestamp, tDuration:
		b.appendInt64(mem, v.I)
	case tUint64:
		b.appendUint64(mem, v.U)
	case tFloat64:
		b.appendFloat64(mem, v.F)
	case tString, tBytes, tJSON:
		return b.appendBinary(mem, v.B)
	case tEnum:
		if v.I < 0 || v.I >= int64(len(s.enum)) {
			return fmt.Errorf("enum column %s: ordinal %d is not one of the %d declared values: %w", s.c.Name, v.I, len(s.enum), rowenc.ErrCorrupt)
		}
		return b.appendBinary(mem, s.enum[v.I])
	case tUUID:
		if len(v.B) != 16 {
			return fmt.Errorf("uuid column %s: value has %d bytes, want 16: %w", s.c.Name, len(v.B), rowenc.ErrCorrupt)
		}
		b.appendFixed(mem, v.B)
	case tDecimal:
		b.appendDecimal(mem, v.I, v.U)
	}
	return nil
}

// appendAbsent appends the value of a column the row does not carry: NULL
// when the column is nullable, else its type's zero value (see Load).
func (s *slot) appendAbsent(mem memory.Allocator) error {
	b := &s.out
	if s.c.Nullable {
		b.appendNull(mem)
		return nil
	}
	switch s.typ {
	case tBool:
		b.appendBool(mem, false)
	case tInt32:
		b.appendInt32(mem, 0)
	case tInt64, tDuration:
		b.appendInt64(mem, 0)
	case tUint64:
		b.appendUint64(mem, 0)
	case tFloat64:
		b.appendFloat64(mem, 0)
	case tString, tBytes, tJSON:
		return b.appendBinary(mem, nil)
	case tEnum:
		return b.appendBinary(mem, s.enum[0])
	case tTimestamp:
		b.appendInt64(mem, zeroTimeMicros)
	case tUUID:
		b.appendFixed(mem, zeroUUID[:])
	case tDecimal:
		b.appendDecimal(mem, 0, 0)
	}
	return nil
}

// What appendRow's walk does with a field key (tag << 3 | wire type): a needed
// field of the right wire type is its slot index + 1 (> 0); the rest are
// one of these.
const (
	actBail        = 0  // tag 0, a group, or a needed column's wrong wire type: Load decides
	actSkipVarint  = -1 // an unneeded field, by wire type
	actSkipFixed64 = -2
	actSkipFixed32 = -3
	actSkipBytes   = -4
	actLong        = -5 // the first byte of a key of two or more bytes
)

// walkAction is what appendRow does with the field key x (see actBail).
func (d *rowDecoder) walkAction(x uint64) int16 {
	tag, typ := x>>3, protowire.Type(x&7)
	if tag == 0 {
		return actBail
	}
	si := -1
	if tag < uint64(len(d.tagSlot)) {
		si = int(d.tagSlot[tag]) - 1
	}
	if si >= 0 {
		if typ != d.slots[si].wire {
			return actBail
		}
		return int16(si) + 1
	}
	switch typ {
	case protowire.VarintType:
		return actSkipVarint
	case protowire.Fixed64Type:
		return actSkipFixed64
	case protowire.Fixed32Type:
		return actSkipFixed32
	case protowire.BytesType:
		return actSkipBytes
	}
	return actBail
}

// appendRow decodes one stored row straight into the batch's columns. It
// is the scan's path when there is no filter to evaluate, so decode ==
// project (d.direct; otherwise it is Load and Append). It walks the wire
// format once, up to the last needed field, appending each needed field's
// first occurrence to its column, then appends the NULL or zero value of
// every column the row lacks (the rules of Load). It handles the shapes
// tablegen's writers produce (keys of up to two bytes, varint, fixed64,
// fixed32 and length-delimited fields) and checks each needed value
// against its column (wire type, int32 and duration range, enum ordinal,
// uuid length, UTF-8, decimal digits) before appending it. A row it cannot
// take (a group, a long varint, a field that is malformed or does not fit
// its column) is taken back and goes through Load and Append instead
// (reread), which skip what protobuf allows and name what is wrong, so
// both paths accept and reject the same rows with the same values.
//
// A field costs one lookup of its key's first byte in d.keyAct, which
// says at once whether to skip it (and how) or which column it fills.
// The walk and the appends are one function: a call between them cost a
// row as much as a skipped field.
func (d *rowDecoder) appendRow(b []byte) error {
	if !d.direct {
		if err := d.Load(b); err != nil {
			return err
		}
		return d.Append()
	}
	if d.keyAct == nil {
		return d.reread(b)
	}
	// Locals, not fields of d: the appends below write through pointers,
	// after which the compiler would reload every field of d. (d.mem is
	// read at each append instead: as a local it would be two more
	// values to keep across the loop's calls.)
	row, acts, slots := d.rows, d.keyAct, d.slots
	left := len(slots)
	// A projection's first needed column usually comes after fields
	// it does not need: skipping them before the loop costs no reload
	// of the loop's values after the call.
	off := skipFields(b, 0, acts)
	if off > len(b) {
		return d.reread(b) // a length past the row's end
	}
	for left > 0 && off < len(b) {
		act := acts[b[off]]
		off++
		if act <= 0 {
			// A needed field costs the one compare above; the rest
			// is for the other keys.
			if act == actLong {
				if off >= len(b) || b[off] >= 0x80 {
					return d.reread(b)
				}
				act = d.walkAction(uint64(b[off-1])&0x7f | uint64(b[off])<<7)
				off++
			} else if act < 0 {
				// A run of fields the scan does not need, skipped on
				// the fast path while it can take them; a field it
				// cannot take is read by the careful code below.
				if n := skipFields(b, off-1, acts); n != off-1 {
					if n > len(b) {
						return d.reread(b) // a length past the row's end
					}
					off = n
					continue
				}
			}
			if act <= 0 {
				// A field the scan does not need: only its length matters.
				// One-byte varints and lengths are the common case.
				switch act {
				case actSkipVarint:
					if off < len(b) && b[off] < 0x80 {
						off++
						continue
					}
					// The first byte without the continuation bit ends
					// the varint, found 8 bytes at a time.
					if len(b)-off >= 8 {
						if m := ^binary.LittleEndian.Uint64(b[off:]) & 0x8080808080808080; m != 0 {
							off += bits.TrailingZeros64(m)>>3 + 1
							continue
						}
					}
					_, n := protowire.ConsumeVarint(b[off:])
					if n < 0 {
						return d.reread(b)
					}
					off += n
				case actSkipFixed64:
					if len(b)-off < 8 {
						return d.reread(b)
					}
					off += 8
				case actSkipFixed32:
					if len(b)-off < 4 {
						return d.reread(b)
					}
					off += 4
				case actSkipBytes:
					if off < len(b) && b[off] < 0x80 {
						if n := int(b[off]); n < len(b)-off {
							off += 1 + n
							continue
						}
						return d.reread(b)
					}
					l, k := protowire.ConsumeVarint(b[off:])
					if k < 0 || l > uint64(len(b)-off-k) {
						return d.reread(b)
					}
					off += k + int(l)
				default:
					return d.reread(b)
				}
				continue
			}
		}
		s := &slots[act-1]
		o := &s.out
		if o.n != row {
			return d.reread(b) // a repeated tag: Load decides
		}
		var num uint64
		vs, ve := 0, 0
		switch s.wire {
		case protowire.VarintType:
			if off < len(b) && b[off] < 0x80 {
				num = uint64(b[off])
				off++
			} else {
				// A value of up to eight bytes (a timestamp takes
				// eight) with eight bytes to read is decoded without
				// a call: see varint8.
				w, m := uint64(0), uint64(0)
				if len(b)-off >= 8 {
					w = binary.LittleEndian.Uint64(b[off:])
					m = ^w & 0x8080808080808080
				}
				if m != 0 {
					num = varint8(w, m)
					off += bits.TrailingZeros64(m)>>3 + 1
				} else if len(b)-off >= 10 && (b[off+8] < 0x80 || b[off+9] <= 1) {
					// Nine or ten bytes, as a negative int32 or
					// int64 takes: w holds the first eight groups,
					// and a tenth byte may only carry bit 63
					// (protowire.ConsumeVarint's rule).
					num = rowenc.VarintValue(w) | uint64(b[off+8]&0x7f)<<56
					if b[off+8] < 0x80 {
						off += 9
					} else {
						num |= uint64(b[off+9]) << 63
						off += 10
					}
				} else {
					var n int
					if num, n = protowire.ConsumeVarint(b[off:]); n < 0 {
						return d.reread(b)
					}
					off += n
				}
			}
		case protowire.Fixed64Type:
			// Only a float64 column is fixed64 (wireType): appended
			// here, without the switch on the type below.
			if len(b)-off < 8 {
				return d.reread(b)
			}
			s.out.appendFloat64(d.mem, math.Float64frombits(binary.LittleEndian.Uint64(b[off:])))
			off += 8
			left--
			continue
		default: // protowire.BytesType: no column's wire type is fixed32 or a group
			n := 0
			if off < len(b) && b[off] < 0x80 {
				n = int(b[off])
				off++
			} else {
				l, k := protowire.ConsumeVarint(b[off:])
				if k < 0 || l > uint64(len(b)) {
					return d.reread(b)
				}
				n = int(l)
				off += k
			}
			if len(b)-off < n {
				return d.reread(b)
			}
			vs, ve = off, off+n
			off = ve
		}
		switch s.typ {
		case tBool:
			o.appendBool(d.mem, num != 0)
		case tInt32:
			if v := int64(num); v < math.MinInt32 || v > math.MaxInt32 {
				return d.reread(b)
			}
			o.appendInt32(d.mem, int32(num))
		case tInt64:
			o.appendInt64(d.mem, int64(num))
		case tUint64:
			o.appendUint64(d.mem, num)
		case tString:
			if rowenc.CheckString(s.c.Name, protowire.Number(s.c.Tag), b[vs:ve]) != nil {
				return d.reread(b)
			}
			if err := o.appendBinary(d.mem, b[vs:ve]); err != nil {
				d.truncate()
				return err
			}
		case tBytes, tJSON:
			if err := o.appendBinary(d.mem, b[vs:ve]); err != nil {
				d.truncate()
				return err
			}
		case tEnum:
			if num >= uint64(len(s.enum)) {
				return d.reread(b)
			}
			if err := o.appendBinary(d.mem, s.enum[num]); err != nil {
				d.truncate()
				return err
			}
		case tTimestamp:
			o.appendInt64(d.mem, protowire.DecodeZigZag(num))
		case tDuration:
			us := protowire.DecodeZigZag(num)
			if us > maxDurationMicros || us < -maxDurationMicros {
				return d.reread(b)
			}
			o.appendInt64(d.mem, us)
		case tUUID:
			if ve-vs != 16 {
				return d.reread(b)
			}
			o.appendFixed(d.mem, b[vs:ve])
		case tDecimal:
			n, ok := dec128.FromMinimal(b[vs:ve])
			if !ok || !n.Fits(s.c.Precision) {
				return d.reread(b)
			}
			o.appendDecimal(d.mem, n.Hi, n.Lo)
		}
		left--
	}
	if left > 0 {
		for si := range slots {
			if s := &slots[si]; s.out.n == row {
				if err := s.appendAbsent(d.mem); err != nil {
					d.truncate()
					return err
				}
			}
		}
	}
	d.rows++
	return nil
}

// reread takes back what appendRow appended of a row it cannot take and
// decodes the row with Load and Append instead.
func (d *rowDecoder) reread(b []byte) error {
	d.truncate()
	if err := d.Load(b); err != nil {
		return err
	}
	return d.Append()
}

// skipFields returns the offset past the run of unneeded fields that
// starts at b[off], or off when the first field is not one it takes. It is
// appendRow's fast path for the fields a projection leaves out, where only a
// field's length matters: while at least 9 bytes remain, a field with a
// one-byte key is skipped by its kind (acts[key]) and one 8-byte word read
// after the key, with no further bounds check. A varint ends at the first
// byte of the word without its continuation bit (one of 9 or 10 bytes is
// found byte by byte, as a negative int32 takes 10); a length of one byte
// (below 0x80) is the byte itself. It stops, for appendRow's careful code to
// read the field, at a needed field, a key of two bytes, a longer length,
// an overlong varint and the last 8 bytes of the row. The returned offset
// may pass len(b) when a field's length runs past the row: appendRow then
// gives the row to Load, which names the damage.
//
// It calls nothing, so its loop keeps b, off and acts in registers, which
// appendRow's loop, whose appends are calls, cannot.
func skipFields(b []byte, off int, acts *[256]int16) int {
	end := len(b) - 8 // a key and its word fit before end
	_ = acts[0]
	for off >= 0 && off < end {
		// The word after the key, read in place (a slice of b would
		// cost a bounds mask per field).
		w := uint64(b[off+1]) | uint64(b[off+2])<<8 | uint64(b[off+3])<<16 | uint64(b[off+4])<<24 |
			uint64(b[off+5])<<32 | uint64(b[off+6])<<40 | uint64(b[off+7])<<48 | uint64(b[off+8])<<56
		act := acts[b[off]]
		if act == actSkipVarint {
			m := ^w & 0x8080808080808080
			if m != 0 {
				off += bits.TrailingZeros64(m)>>3 + 2
				continue
			}
			// 9 or 10 bytes: the 10th may only carry bit 63
			// (protowire.ConsumeVarint's rule).
			if off >= end-2 {
				return off
			}
			if b[off+9] < 0x80 {
				off += 10
			} else if b[off+10] <= 1 {
				off += 11
			} else {
				return off
			}
		} else if act == actSkipBytes {
			if w&0x80 != 0 {
				return off
			}
			off += int(w&0x7f) + 2
			continue
		} else if act == actSkipFixed64 {
			off += 9
			continue
		} else if act == actSkipFixed32 {
			off += 5
			continue
		} else {
			return off
		}
	}
	return off
}

// varint8 is the value of a varint of at most eight bytes: w holds its
// bytes (little-endian, then whatever follows it) and m = ^w &
// 0x8080808080808080, whose lowest set bit is the continuation bit of the
// varint's last byte (m != 0). The bytes past the varint are masked off
// for rowenc.VarintValue.
func varint8(w, m uint64) uint64 {
	return rowenc.VarintValue(w & (m ^ (m - 1)))
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
