package rowenc

import (
	"encoding/binary"
	"io"
	"math/bits"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// Decoder walks the fields of one encoded row. Next consumes a whole field
// (tag, wire type and value) without allocating, so fields the caller does
// not ask for cost only their parsing; an accessor then converts the current
// field's value. The first problem is kept as a sticky error: afterwards Next
// returns false and accessors return zero values, so generated code stays a
// flat loop with a single d.Err() check at the end.
//
// A Decoder is not safe for concurrent use. String and Bytes copy, except in
// a Decoder made by [NewOwnedDecoder]; Raw never copies.
type Decoder struct {
	buf   []byte
	off   int // offset of the next field's tag
	start int // offset of the current field's tag
	// The current field's value bytes are buf[vs:ve] (see Raw). Offsets,
	// not a slice, so Next writes no pointers: pointer writes through d
	// cost a GC write barrier each while a collection runs.
	vs, ve int
	tag    protowire.Number
	typ    protowire.Type
	num    uint64 // value of a varint, fixed32 or fixed64 field
	// cur is typ+1 while there is a current field and no error, else 0:
	// the whole check of an accessor (is) is one comparison with it, which
	// keeps the common accessors small enough to be inlined. Every change
	// of field or error goes through Next, clearField or setErr, which
	// keep it in step.
	cur   uint8
	err   error
	owned bool // String and Bytes alias buf instead of copying (NewOwnedDecoder)
}

// NewDecoder returns a Decoder over the row value b. The Decoder reads b in
// place; b must not change while it is in use. String and Bytes copy what
// they return, so the decoded values outlive b: use it when b is borrowed,
// for example a Pebble value that is only valid until the iterator moves.
func NewDecoder(b []byte) *Decoder {
	return &Decoder{buf: b}
}

// Reset makes d walk the row value b from its first field, as a Decoder
// returned by NewDecoder would, with no error pending. A scan keeps one
// Decoder and resets it per row instead of allocating one per row.
func (d *Decoder) Reset(b []byte) {
	*d = Decoder{buf: b}
}

// NewOwnedDecoder returns a Decoder over a row value that the caller hands
// over for good: String and Bytes return views into b instead of copies, so
// decoding a row costs no allocation per string or bytes column. It exists
// for the store, which copies each row out of Pebble once into a buffer of
// its own and gives that buffer to the decode function; the copies
// NewDecoder would make on top of it are the largest cost of a typed scan.
//
// The aliasing contract: after the call the caller gives up b. Nobody may
// modify b, or reuse its memory, as long as any decoded value may be
// reachable, because the strings String returns share b's memory and Go
// strings must never change. Bytes returns subslices whose capacity ends
// with the field, so appending to one reallocates instead of overwriting the
// next field, and writing into one changes only that value; no two fields
// share bytes. Any decoded string or bytes value keeps all of b alive, which
// is the price of the single allocation.
func NewOwnedDecoder(b []byte) *Decoder {
	return &Decoder{buf: b, owned: true}
}

// Next consumes the next field and reports whether there is one. It returns
// false at the end of the row and after any error (see Err).
//
// Next itself decodes only the fields every column type is written as, and
// only when they are well formed: a tag of one or two bytes (field numbers
// up to 2047) and a varint, fixed64 or length-delimited value (with a
// length of one or two bytes) that ends inside the row. It reads them
// straight from the row with few bounds checks, since a typed scan calls it
// once per column of every row. Every other field, and every field that
// would be an error, goes to nextGeneral, which parses the same field from
// the same offset with all the checks and reports the problem: the fast
// path changes no result, only the cost of the common one
// (FuzzNextFastPath compares the two on arbitrary input).
func (d *Decoder) Next() bool {
	buf, off := d.buf, d.off
	if d.err != nil || off >= len(buf) { // as nextGeneral
		d.clearField()
		return false
	}
	x := uint64(buf[off])
	p := off + 1 // where the value starts
	if x >= 0x80 {
		if p >= len(buf) || buf[p] >= 0x80 {
			return d.nextGeneral()
		}
		x = x&0x7f | uint64(buf[p])<<7
		p++
	}
	if x < 1<<3 { // field number 0
		return d.nextGeneral()
	}
	typ := protowire.Type(x & 7)
	vs, ve := p, p // the value's bytes, without a length prefix
	switch typ {
	case protowire.VarintType:
		if p >= len(buf) {
			return d.nextGeneral()
		}
		c := buf[p]
		if c >= 0x80 {
			return d.nextVarint(off, p, x)
		}
		d.num, ve = uint64(c), p+1
	case protowire.Fixed64Type:
		if len(buf)-p < 8 {
			return d.nextGeneral()
		}
		d.num, ve = binary.LittleEndian.Uint64(buf[p:]), p+8
	case protowire.BytesType:
		if p >= len(buf) {
			return d.nextGeneral()
		}
		n := uint64(buf[p])
		vs = p + 1
		if n >= 0x80 {
			if vs >= len(buf) || buf[vs] >= 0x80 {
				return d.nextGeneral()
			}
			n = n&0x7f | uint64(buf[vs])<<7
			vs++
		}
		if n > uint64(len(buf)-vs) {
			return d.nextGeneral()
		}
		ve = vs + int(n)
	default:
		return d.nextGeneral()
	}
	d.vs, d.ve = vs, ve
	d.start, d.off = off, ve
	d.tag, d.typ, d.cur = protowire.Number(x>>3), typ, uint8(typ)+1
	return true
}

// nextVarint is the rest of Next for a varint field whose value, of two
// bytes or more, starts at p after the tag x, the field starting at off:
// the decoding of the common varints without a branch per byte (the
// microsecond timestamps of a typical row are 8-byte varints, negative
// integers 10-byte ones). With 8 bytes in hand it finds the varint's last
// byte from the continuation bits and gathers the 7-bit groups with shifts
// and masks; with fewer (the row's last field) protowire decodes it. A
// malformed varint (too long, or cut short by the end of the row) is left
// to nextGeneral, which says what is wrong. It is a call of its own so that
// the common path through Next keeps its registers.
func (d *Decoder) nextVarint(off, p int, x uint64) bool {
	b := d.buf[p:]
	var v uint64
	n := 0
	if len(b) < 8 {
		if v, n = protowire.ConsumeVarint(b); n < 0 {
			return d.nextGeneral()
		}
	} else if u := binary.LittleEndian.Uint64(b); u&0x8000 == 0 { // two bytes
		v, n = u&0x7f|(u>>1)&0x3f80, 2
	} else {
		stops := ^u & 0x8080808080808080 // the bytes without a continuation bit
		n = 8
		if stops != 0 {
			u &= stops ^ (stops - 1) // the varint's bytes, up to its last one
			n = bits.TrailingZeros64(stops)/8 + 1
		}
		v = VarintValue(u)
		if stops == 0 { // nine or ten bytes; as protowire, the tenth may only hold bit 63
			switch {
			case len(b) >= 9 && b[8] < 0x80:
				v, n = v|uint64(b[8])<<56, 9
			case len(b) >= 10 && b[9] <= 1:
				v, n = v|uint64(b[8]&0x7f)<<56|uint64(b[9])<<63, 10
			default:
				return d.nextGeneral()
			}
		}
	}
	d.num = v
	d.vs, d.ve = p, p+n
	d.start, d.off = off, p+n
	d.tag, d.typ, d.cur = protowire.Number(x>>3), protowire.VarintType, uint8(protowire.VarintType)+1
	return true
}

// VarintValue is the value of a varint of at most eight bytes held
// little-endian in u, the bytes past its last one cleared: its 7-bit groups
// gathered by three shift-and-mask steps, continuation bits dropped. It is
// the branch-free varint decode of Next and of the schema-driven scan's
// row walk (runtime/scan).
func VarintValue(u uint64) uint64 {
	u = u&0x007f007f007f007f | (u>>1)&0x3f803f803f803f80
	u = u&0x00003fff00003fff | (u>>2)&0x0fffc0000fffc000
	return u&0x000000000fffffff | (u>>4)&0x00fffffff0000000
}

// nextGeneral is Next for every field: it parses the field at d.off with all
// of protowire's checks, skips groups, and records any problem as the
// sticky error.
func (d *Decoder) nextGeneral() bool {
	if d.err != nil || d.off >= len(d.buf) {
		d.clearField()
		return false
	}
	b := d.buf[d.off:]
	// Tags up to 15 and small values fit in one byte: decode those inline
	// and leave the general cases to protowire.
	x, n := uint64(b[0]), 1
	if x >= 0x80 {
		if x, n = protowire.ConsumeVarint(b); n < 0 {
			return d.fail(corruptf("field tag at byte %d of %d: %s", d.off, len(d.buf), parseProblem(n)))
		}
	}
	tag, typ := protowire.DecodeTag(x)
	if tag < protowire.MinValidNumber { // as protowire.ConsumeTag: 0, or beyond int32
		return d.fail(corruptf("field tag at byte %d of %d: invalid field number %d", d.off, len(d.buf), x>>3))
	}
	v := b[n:]
	vs := d.off + n // where the value starts
	var m int       // bytes of the value, including a length prefix
	skip := 0       // bytes of the length prefix
	trail := 0      // bytes of a group's end marker
	switch typ {
	case protowire.VarintType:
		if len(v) > 0 && v[0] < 0x80 {
			d.num, m = uint64(v[0]), 1
		} else {
			d.num, m = protowire.ConsumeVarint(v)
		}
	case protowire.Fixed32Type:
		var x uint32
		x, m = protowire.ConsumeFixed32(v)
		d.num = uint64(x)
	case protowire.Fixed64Type:
		if len(v) >= 8 {
			d.num, m = binary.LittleEndian.Uint64(v), 8
		} else {
			d.num, m = protowire.ConsumeFixed64(v)
		}
	case protowire.BytesType:
		if len(v) > 0 && v[0] < 0x80 && int(v[0]) < len(v) {
			skip, m = 1, 1+int(v[0])
		} else {
			var raw []byte
			raw, m = protowire.ConsumeBytes(v)
			skip = m - len(raw)
		}
	case protowire.StartGroupType:
		// Groups are never written by this package, but a protobuf
		// reader must be able to skip them as unknown fields. The value
		// is the group's contents, without the end marker.
		var raw []byte
		raw, m = protowire.ConsumeGroup(tag, v)
		trail = m - len(raw) // the end marker
	case protowire.EndGroupType:
		return d.fail(corruptf("field %d at byte %d of %d: end-group marker without a matching start-group", tag, d.off, len(d.buf)))
	default:
		return d.fail(corruptf("field %d at byte %d of %d: %s cannot be parsed", tag, d.off, len(d.buf), wireTypeName(typ)))
	}
	if m < 0 {
		return d.fail(corruptf("field %d: %s value at byte %d of %d: %s", tag, wireTypeName(typ), d.off+n, len(d.buf), parseProblem(m)))
	}
	d.vs, d.ve = vs+skip, vs+m-trail
	d.start, d.off = d.off, vs+m
	d.tag, d.typ, d.cur = tag, typ, uint8(typ)+1
	return true
}

// clearField leaves the Decoder without a current field.
func (d *Decoder) clearField() {
	d.tag, d.typ, d.vs, d.ve, d.num, d.cur = 0, 0, 0, 0, 0, 0
}

// setErr records err as the sticky error; the current field stays (Raw,
// Tag) but no accessor reads it any more.
func (d *Decoder) setErr(err error) {
	d.err, d.cur = err, 0
}

// fail records err as the sticky error, leaves no current field and
// returns false, for Next to return.
func (d *Decoder) fail(err error) bool {
	d.clearField()
	d.setErr(err)
	return false
}

// value is the current field's value bytes (see Raw), aliasing the row.
func (d *Decoder) value() []byte { return d.buf[d.vs:d.ve:d.ve] }

// Tag returns the current field's number (the column's tag), or 0 when
// there is no current field.
func (d *Decoder) Tag() protowire.Number { return d.tag }

// WireType returns the current field's wire type, for decoders driven by a
// schema at run time rather than by generated code.
func (d *Decoder) WireType() protowire.Type { return d.typ }

// Raw returns the current field's value bytes as they appear in the row,
// without copying: the varint bytes for a varint field, the 4 or 8
// little-endian bytes of a fixed32/fixed64 field, the payload without its
// length prefix for a length-delimited field, and the contents without the
// end marker for a group. Interpret it with WireType. It aliases the row, so
// it must not be modified or kept beyond the row's lifetime.
func (d *Decoder) Raw() []byte {
	if d.tag == 0 {
		return nil
	}
	return d.value()
}

// Err returns nil once Next has returned false at the end of a well-formed
// row, or the first error, which wraps ErrCorrupt and names the field.
func (d *Decoder) Err() error { return d.err }

// parseProblem describes a protowire error code. protowire's messages carry
// a "proto:" prefix whose space is sometimes a non-breaking space (to stop
// callers from matching them exactly); it is normalised here so our messages
// are stable.
func parseProblem(n int) string {
	err := protowire.ParseError(n)
	if err == io.ErrUnexpectedEOF {
		return "truncated, the row ends inside it"
	}
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}
