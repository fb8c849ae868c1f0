package rowenc

import (
	"math"
	"time"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// is reports whether the current field has wire type t and no error is
// pending: the check every accessor makes, small enough to be inlined.
// (VarintType is 0, the wire type of "no current field", hence the tag.)
func (d *Decoder) is(t protowire.Type) bool {
	return d.typ == t && d.tag != 0 && d.err == nil
}

// want is is, recording an error naming the field when the check fails,
// after which the accessor returns its zero value.
func (d *Decoder) want(t protowire.Type, column string) bool {
	if d.is(t) {
		return true
	}
	d.mismatch(t, column)
	return false
}

// mismatch records why the current field cannot be read as column (unless
// an error is already pending).
func (d *Decoder) mismatch(t protowire.Type, column string) {
	switch {
	case d.err != nil:
	case d.tag == 0:
		d.err = corruptf("%s accessor called with no current field: call it only after Next returned true", column)
	default:
		d.err = corruptf("field %d: wire type %s, want %s (for a %s column)", d.tag, wireTypeName(d.typ), wireTypeName(t), column)
	}
}

// Bool returns the current varint field as a bool; like protobuf, any
// non-zero value is true.
func (d *Decoder) Bool() bool {
	if !d.want(protowire.VarintType, "bool") {
		return false
	}
	return protowire.DecodeBool(d.num)
}

// Int32 returns the current varint field as an int32. A value outside the
// int32 range (an int64 column narrowed to int32) is an error, never
// truncated.
func (d *Decoder) Int32() int32 {
	return d.int32("int32")
}

// Enum returns the current varint field as an enum index. It checks only the
// int32 range; whether the index names a declared value is for the
// generated code to check, since only it knows the enum.
func (d *Decoder) Enum() int32 {
	return d.int32("enum")
}

func (d *Decoder) int32(column string) int32 {
	if !d.want(protowire.VarintType, column) {
		return 0
	}
	v := int64(d.num)
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.err = corruptf("field %d: %d is outside the int32 range of a %s column", d.tag, v, column)
		return 0
	}
	return int32(v)
}

// Int64 returns the current varint field as an int64 (int32 fields read
// back unchanged).
func (d *Decoder) Int64() int64 {
	if !d.want(protowire.VarintType, "int64") {
		return 0
	}
	return int64(d.num)
}

// Uint64 returns the current varint field as a uint64.
func (d *Decoder) Uint64() uint64 {
	if !d.want(protowire.VarintType, "uint64") {
		return 0
	}
	return d.num
}

// Float64 returns the current fixed64 field as a float64, bit for bit.
func (d *Decoder) Float64() float64 {
	if !d.want(protowire.Fixed64Type, "float64") {
		return 0
	}
	return math.Float64frombits(d.num)
}

// String returns the current length-delimited field as a string. The bytes
// are not checked for UTF-8, so bytes and json columns can become strings.
// It copies the bytes, except in a Decoder made by [NewOwnedDecoder], whose
// strings share the row's memory. It is the string-column accessor, not a
// fmt.Stringer: printing a Decoder with %v calls it.
func (d *Decoder) String() string {
	if !d.want(protowire.BytesType, "string") {
		return ""
	}
	if d.owned {
		if d.ve == d.vs {
			return ""
		}
		return unsafe.String(&d.buf[d.vs], d.ve-d.vs)
	}
	return string(d.value())
}

// Bytes returns the current length-delimited field: a copy, so the result
// outlives the row buffer (which Pebble reuses), or, in a Decoder made by
// [NewOwnedDecoder], the field's bytes in the row with the capacity cut at
// the field's end. A present empty value is a non-nil empty slice; nil
// means an error.
func (d *Decoder) Bytes() []byte {
	if !d.want(protowire.BytesType, "bytes") {
		return nil
	}
	if d.owned {
		if d.ve == d.vs {
			return []byte{}
		}
		return d.value()
	}
	return append([]byte{}, d.value()...)
}

// Timestamp returns the current zigzag varint field, microseconds since
// 1970, as a UTC time.
func (d *Decoder) Timestamp() time.Time {
	if !d.want(protowire.VarintType, "timestamp") {
		return time.Time{}
	}
	return time.UnixMicro(protowire.DecodeZigZag(d.num)).UTC()
}

// maxDurationMicros is the largest microsecond count a time.Duration holds.
const maxDurationMicros = math.MaxInt64 / int64(time.Microsecond)

// Duration returns the current zigzag varint field, a microsecond count, as
// a time.Duration. Counts beyond time.Duration's range (about ±292 years)
// are an error rather than wrapping.
func (d *Decoder) Duration() time.Duration {
	if !d.want(protowire.VarintType, "duration") {
		return 0
	}
	us := protowire.DecodeZigZag(d.num)
	if us > maxDurationMicros || us < -maxDurationMicros {
		d.err = corruptf("field %d: %dµs is outside the range of a duration column (±%dµs)", d.tag, us, maxDurationMicros)
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// UUID returns the current length-delimited field as a UUID; its length must
// be exactly 16 bytes.
func (d *Decoder) UUID() (u [16]byte) {
	if !d.want(protowire.BytesType, "uuid") {
		return u
	}
	if d.ve-d.vs != len(u) {
		d.err = corruptf("field %d: uuid value has %d bytes, want %d", d.tag, d.ve-d.vs, len(u))
		return u
	}
	copy(u[:], d.buf[d.vs:d.ve])
	return u
}
