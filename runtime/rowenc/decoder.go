package rowenc

import (
	"io"
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
// A Decoder is not safe for concurrent use. Accessors that return slices
// (Bytes) copy; Raw does not.
type Decoder struct {
	buf   []byte
	off   int // offset of the next field's tag
	start int // offset of the current field's tag
	tag   protowire.Number
	typ   protowire.Type
	raw   []byte // value bytes of the current field, see Raw
	num   uint64 // value of a varint, fixed32 or fixed64 field
	err   error
}

// NewDecoder returns a Decoder over the row value b. The Decoder reads b in
// place; b must not change while it is in use.
func NewDecoder(b []byte) *Decoder {
	return &Decoder{buf: b}
}

// Next consumes the next field and reports whether there is one. It returns
// false at the end of the row and after any error (see Err).
func (d *Decoder) Next() bool {
	d.tag, d.typ, d.raw, d.num = 0, 0, nil, 0
	if d.err != nil || d.off >= len(d.buf) {
		return false
	}
	b := d.buf[d.off:]
	x, n := protowire.ConsumeVarint(b)
	if n < 0 {
		d.err = corruptf("field tag at byte %d of %d: %s", d.off, len(d.buf), parseProblem(n))
		return false
	}
	tag, typ := protowire.DecodeTag(x)
	if tag < protowire.MinValidNumber { // as protowire.ConsumeTag: 0, or beyond int32
		d.err = corruptf("field tag at byte %d of %d: invalid field number %d", d.off, len(d.buf), x>>3)
		return false
	}
	v := b[n:]
	var m int
	switch typ {
	case protowire.VarintType:
		d.num, m = protowire.ConsumeVarint(v)
	case protowire.Fixed32Type:
		var x uint32
		x, m = protowire.ConsumeFixed32(v)
		d.num = uint64(x)
	case protowire.Fixed64Type:
		d.num, m = protowire.ConsumeFixed64(v)
	case protowire.BytesType:
		d.raw, m = protowire.ConsumeBytes(v)
	case protowire.StartGroupType:
		// Groups are never written by this package, but a protobuf
		// reader must be able to skip them as unknown fields.
		d.raw, m = protowire.ConsumeGroup(tag, v)
	case protowire.EndGroupType:
		d.err = corruptf("field %d at byte %d of %d: end-group marker without a matching start-group", tag, d.off, len(d.buf))
		return false
	default:
		d.err = corruptf("field %d at byte %d of %d: %s cannot be parsed", tag, d.off, len(d.buf), wireTypeName(typ))
		return false
	}
	if m < 0 {
		d.raw = nil
		d.err = corruptf("field %d: %s value at byte %d of %d: %s", tag, wireTypeName(typ), d.off+n, len(d.buf), parseProblem(m))
		return false
	}
	switch typ {
	case protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type:
		d.raw = v[:m]
	}
	d.start, d.off = d.off, d.off+n+m
	d.tag, d.typ = tag, typ
	return true
}

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
func (d *Decoder) Raw() []byte { return d.raw }

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
