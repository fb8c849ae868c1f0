package rowenc

import (
	"math"
	"time"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// is reports whether the current field has wire type t and no error is
// pending: the check every accessor makes, one comparison (see
// Decoder.cur). An accessor that is inlined into generated code tests it
// and calls mismatch only when it fails, so that its common path makes no
// call.
func (d *Decoder) is(t protowire.Type) bool {
	return d.cur == uint8(t)+1
}

// The values of Decoder.cur that the inlined accessors compare with
// directly, as is would: a comparison with a constant is what fits their
// inlining budget.
const (
	curVarint  = uint8(protowire.VarintType) + 1
	curFixed64 = uint8(protowire.Fixed64Type) + 1
	curBytes   = uint8(protowire.BytesType) + 1
)

// want is is for the accessor a, recording an error naming the field
// when the check fails, after which the accessor returns its zero value.
func (d *Decoder) want(a accessor) bool {
	if d.is(accessors[a].typ) {
		return true
	}
	d.mismatch(a)
	return false
}

// accessor names an accessor for mismatch, in one byte: a call with a
// single small argument is what leaves the inlined accessors room.
type accessor uint8

const (
	accBool accessor = iota
	accInt32
	accEnum
	accInt64
	accUint64
	accFloat64
	accString
	accBytes
	accTimestamp
	accDuration
	accUUID
	accDecimal
)

// accessors are each accessor's wire type and the column type it reads,
// which its errors name.
var accessors = [...]struct {
	typ    protowire.Type
	column string
}{
	accBool:      {protowire.VarintType, "bool"},
	accInt32:     {protowire.VarintType, "int32"},
	accEnum:      {protowire.VarintType, "enum"},
	accInt64:     {protowire.VarintType, "int64"},
	accUint64:    {protowire.VarintType, "uint64"},
	accFloat64:   {protowire.Fixed64Type, "float64"},
	accString:    {protowire.BytesType, "string"},
	accBytes:     {protowire.BytesType, "bytes"},
	accTimestamp: {protowire.VarintType, "timestamp"},
	accDuration:  {protowire.VarintType, "duration"},
	accUUID:      {protowire.BytesType, "uuid"},
	accDecimal:   {protowire.BytesType, "decimal"},
}

// mismatch records why the current field cannot be read by the accessor a
// (unless an error is already pending).
func (d *Decoder) mismatch(a accessor) {
	t, column := accessors[a].typ, accessors[a].column
	switch {
	case d.err != nil:
	case d.tag == 0:
		d.setErr(corruptf("%s accessor called with no current field: call it only after Next returned true", column))
	default:
		d.setErr(corruptf("field %d: wire type %s, want %s (for a %s column)", d.tag, wireTypeName(d.typ), wireTypeName(t), column))
	}
}

// Bool returns the current varint field as a bool; like protobuf, any
// non-zero value is true.
func (d *Decoder) Bool() bool {
	if d.cur != curVarint {
		d.mismatch(accBool)
		return false
	}
	return d.num != 0 // as protowire.DecodeBool
}

// Int32 returns the current varint field as an int32. A value outside the
// int32 range (an int64 column narrowed to int32) is an error, never
// truncated.
func (d *Decoder) Int32() int32 {
	if d.cur == curVarint && d.num+1<<31 < 1<<32 { // within the int32 range
		return int32(d.num)
	}
	return d.int32(accInt32)
}

// Enum returns the current varint field as an enum index. It checks only the
// int32 range; whether the index names a declared value is for the
// generated code to check, since only it knows the enum.
func (d *Decoder) Enum() int32 {
	if d.cur == curVarint && d.num+1<<31 < 1<<32 { // within the int32 range
		return int32(d.num)
	}
	return d.int32(accEnum)
}

// int32 is Int32 and Enum (a) with every check, and the error naming the
// column type when one fails.
func (d *Decoder) int32(a accessor) int32 {
	if !d.want(a) {
		return 0
	}
	v := int64(d.num)
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.setErr(corruptf("field %d: %d is outside the int32 range of a %s column", d.tag, v, accessors[a].column))
		return 0
	}
	return int32(v)
}

// Int64 returns the current varint field as an int64 (int32 fields read
// back unchanged).
func (d *Decoder) Int64() int64 {
	if d.cur != curVarint {
		d.mismatch(accInt64)
		return 0
	}
	return int64(d.num)
}

// Uint64 returns the current varint field as a uint64.
func (d *Decoder) Uint64() uint64 {
	if d.cur != curVarint {
		d.mismatch(accUint64)
		return 0
	}
	return d.num
}

// Float64 returns the current fixed64 field as a float64, bit for bit.
func (d *Decoder) Float64() float64 {
	if d.cur != curFixed64 {
		d.mismatch(accFloat64)
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
	if d.cur == curBytes && d.owned && d.ve > d.vs {
		return unsafe.String(&d.buf[d.vs], d.ve-d.vs)
	}
	return d.stringCopy()
}

// stringCopy is String for a copying Decoder, an empty value or a failed
// check.
func (d *Decoder) stringCopy() string {
	if !d.want(accString) || d.owned {
		return "" // d.owned: String returned every non-empty value
	}
	return string(d.value())
}

// Bytes returns the current length-delimited field: a copy, so the result
// outlives the row buffer (which Pebble reuses), or, in a Decoder made by
// [NewOwnedDecoder], the field's bytes in the row with the capacity cut at
// the field's end. A present empty value is a non-nil empty slice; nil
// means an error.
func (d *Decoder) Bytes() []byte {
	if d.cur == curBytes && d.owned && d.ve > d.vs {
		return d.value()
	}
	return d.bytesCopy()
}

// bytesCopy is Bytes for a copying Decoder, an empty value or a failed
// check.
func (d *Decoder) bytesCopy() []byte {
	if !d.want(accBytes) {
		return nil
	}
	if d.owned {
		return []byte{} // Bytes returned every non-empty value
	}
	return append([]byte{}, d.value()...)
}

// Timestamp returns the current zigzag varint field, microseconds since
// 1970, as a UTC time.
func (d *Decoder) Timestamp() time.Time {
	if d.cur != curVarint {
		d.mismatch(accTimestamp)
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
	if !d.want(accDuration) {
		return 0
	}
	us := protowire.DecodeZigZag(d.num)
	if us > maxDurationMicros || us < -maxDurationMicros {
		d.setErr(corruptf("field %d: %dµs is outside the range of a duration column (±%dµs)", d.tag, us, maxDurationMicros))
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// UUID returns the current length-delimited field as a UUID; its length must
// be exactly 16 bytes.
func (d *Decoder) UUID() (u [16]byte) {
	if !d.want(accUUID) {
		return u
	}
	if d.ve-d.vs != len(u) {
		d.setErr(corruptf("field %d: uuid value has %d bytes, want %d", d.tag, d.ve-d.vs, len(u)))
		return u
	}
	copy(u[:], d.buf[d.vs:d.ve])
	return u
}
