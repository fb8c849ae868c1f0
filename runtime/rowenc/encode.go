package rowenc

import (
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// AppendBool appends v as a varint field (0 or 1).
func AppendBool(b []byte, tag protowire.Number, v bool) []byte {
	b = protowire.AppendTag(b, tag, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeBool(v))
}

// AppendInt32 appends v as a varint of int64(v), sign-extended as protobuf
// int32 does, so the field is wire-compatible with int64 (negative values
// take 10 bytes).
func AppendInt32(b []byte, tag protowire.Number, v int32) []byte {
	return AppendInt64(b, tag, int64(v))
}

// AppendInt64 appends v as a varint field.
func AppendInt64(b []byte, tag protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, tag, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// AppendUint64 appends v as a varint field.
func AppendUint64(b []byte, tag protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, tag, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// AppendFloat64 appends the IEEE 754 bits of v as a fixed64 field, so every
// value, NaN payloads and -0 included, reads back bit for bit.
func AppendFloat64(b []byte, tag protowire.Number, v float64) []byte {
	b = protowire.AppendTag(b, tag, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(v))
}

// AppendString appends v as a length-delimited field.
func AppendString(b []byte, tag protowire.Number, v string) []byte {
	b = protowire.AppendTag(b, tag, protowire.BytesType)
	return protowire.AppendString(b, v)
}

// AppendBytes appends v as a length-delimited field; json columns use it for
// their JSON text.
func AppendBytes(b []byte, tag protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, tag, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// AppendTimestamp appends v.UnixMicro() as a zigzag varint (protobuf sint64),
// which keeps timestamps before 1970 short. Sub-microsecond precision and the
// time zone are dropped.
//
// A time outside the int64 microsecond range (see [TimestampInRange]), whose
// UnixMicro would wrap around to another time, is written instead as a
// length-delimited field holding its RFC 3339 text: a row no decoder reads
// as a timestamp, which a [Checker] reports by that text, and the store
// refuses to write.
func AppendTimestamp(b []byte, tag protowire.Number, v time.Time) []byte {
	if !TimestampInRange(v) {
		return AppendString(b, tag, v.UTC().Format(time.RFC3339Nano))
	}
	b = protowire.AppendTag(b, tag, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeZigZag(v.UnixMicro()))
}

// AppendDuration appends v.Microseconds() as a zigzag varint; sub-microsecond
// precision is dropped (toward zero).
func AppendDuration(b []byte, tag protowire.Number, v time.Duration) []byte {
	b = protowire.AppendTag(b, tag, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeZigZag(v.Microseconds()))
}

// AppendUUID appends the 16 bytes of v as a length-delimited field.
func AppendUUID(b []byte, tag protowire.Number, v [16]byte) []byte {
	b = protowire.AppendTag(b, tag, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(len(v)))
	return append(b, v[:]...)
}

// AppendEnum appends an enum value's index in declaration order as a varint
// field; appending values to the enum's list keeps stored indexes valid.
func AppendEnum(b []byte, tag protowire.Number, v int32) []byte {
	return AppendInt64(b, tag, int64(v))
}
