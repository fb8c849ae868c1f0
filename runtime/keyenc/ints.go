package keyenc

import "encoding/binary"

// Flipping the sign bit maps two's-complement order onto unsigned order:
// math.MinInt64 becomes 0x00…00 and math.MaxInt64 becomes 0xFF…FF.
const (
	signBit32 = 1 << 31
	signBit64 = 1 << 63
)

// AppendBool appends false as 00 and true as 01.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendBoolDesc appends false as FF and true as FE, so true sorts first.
func AppendBoolDesc(dst []byte, v bool) []byte {
	if v {
		return append(dst, 0xFE)
	}
	return append(dst, 0xFF)
}

// AppendInt32 appends v as 4 big-endian bytes with the sign bit flipped.
func AppendInt32(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(v)^signBit32)
}

// AppendInt32Desc appends the inverse of AppendInt32, so larger values sort
// first.
func AppendInt32Desc(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, ^(uint32(v) ^ signBit32))
}

// AppendInt64 appends v as 8 big-endian bytes with the sign bit flipped.
func AppendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^signBit64)
}

// AppendInt64Desc appends the inverse of AppendInt64, so larger values sort
// first.
func AppendInt64Desc(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, ^(uint64(v) ^ signBit64))
}

// AppendUint64 appends v as 8 big-endian bytes.
func AppendUint64(dst []byte, v uint64) []byte {
	return binary.BigEndian.AppendUint64(dst, v)
}

// AppendUint64Desc appends the inverse of AppendUint64, so larger values sort
// first.
func AppendUint64Desc(dst []byte, v uint64) []byte {
	return binary.BigEndian.AppendUint64(dst, ^v)
}

// AppendEnum appends an enum value's ordinal (its index in declaration order)
// exactly as AppendInt32, so enum keys sort in declaration order.
func AppendEnum(dst []byte, ordinal int32) []byte {
	return AppendInt32(dst, ordinal)
}

// AppendEnumDesc appends the ordinal as AppendInt32Desc, so the last declared
// value sorts first.
func AppendEnumDesc(dst []byte, ordinal int32) []byte {
	return AppendInt32Desc(dst, ordinal)
}

// DecodeBool decodes an AppendBool encoding; bytes other than 00 and 01 are
// malformed, which keeps the encoding canonical.
func DecodeBool(b []byte) (v bool, rest []byte, err error) {
	return decodeBool(b, 0, "bool")
}

// DecodeBoolDesc decodes an AppendBoolDesc encoding (FF or FE).
func DecodeBoolDesc(b []byte) (v bool, rest []byte, err error) {
	return decodeBool(b, 0xFF, "bool (desc)")
}

func decodeBool(b []byte, mask byte, typ string) (bool, []byte, error) {
	if len(b) < 1 {
		return false, nil, truncated(typ, 1, 0)
	}
	switch b[0] ^ mask {
	case 0:
		return false, b[1:], nil
	case 1:
		return true, b[1:], nil
	}
	return false, nil, malformed(typ, "byte %02x, want %02x (false) or %02x (true)", b[0], mask, 1^mask)
}

// DecodeInt32 decodes an AppendInt32 encoding.
func DecodeInt32(b []byte) (v int32, rest []byte, err error) {
	return decodeInt32(b, 0, "int32")
}

// DecodeInt32Desc decodes an AppendInt32Desc encoding.
func DecodeInt32Desc(b []byte) (v int32, rest []byte, err error) {
	return decodeInt32(b, 0xFFFFFFFF, "int32 (desc)")
}

// DecodeEnum decodes an AppendEnum encoding into the ordinal. Checking that
// the ordinal names a declared value is the caller's job, since only the
// generated code knows the enum.
func DecodeEnum(b []byte) (ordinal int32, rest []byte, err error) {
	return decodeInt32(b, 0, "enum")
}

// DecodeEnumDesc decodes an AppendEnumDesc encoding into the ordinal.
func DecodeEnumDesc(b []byte) (ordinal int32, rest []byte, err error) {
	return decodeInt32(b, 0xFFFFFFFF, "enum (desc)")
}

func decodeInt32(b []byte, mask uint32, typ string) (int32, []byte, error) {
	if len(b) < 4 {
		return 0, nil, truncated(typ, 4, len(b))
	}
	return int32(binary.BigEndian.Uint32(b) ^ mask ^ signBit32), b[4:], nil
}

// DecodeInt64 decodes an AppendInt64 encoding.
func DecodeInt64(b []byte) (v int64, rest []byte, err error) {
	return decodeInt64(b, 0, "int64")
}

// DecodeInt64Desc decodes an AppendInt64Desc encoding.
func DecodeInt64Desc(b []byte) (v int64, rest []byte, err error) {
	return decodeInt64(b, ^uint64(0), "int64 (desc)")
}

// DecodeUint64 decodes an AppendUint64 encoding.
func DecodeUint64(b []byte) (v uint64, rest []byte, err error) {
	return decodeUint64(b, 0, "uint64")
}

// DecodeUint64Desc decodes an AppendUint64Desc encoding.
func DecodeUint64Desc(b []byte) (v uint64, rest []byte, err error) {
	return decodeUint64(b, ^uint64(0), "uint64 (desc)")
}

func decodeInt64(b []byte, mask uint64, typ string) (int64, []byte, error) {
	if len(b) < 8 {
		return 0, nil, truncated(typ, 8, len(b))
	}
	return int64(binary.BigEndian.Uint64(b) ^ mask ^ signBit64), b[8:], nil
}

func decodeUint64(b []byte, mask uint64, typ string) (uint64, []byte, error) {
	if len(b) < 8 {
		return 0, nil, truncated(typ, 8, len(b))
	}
	return binary.BigEndian.Uint64(b) ^ mask, b[8:], nil
}
