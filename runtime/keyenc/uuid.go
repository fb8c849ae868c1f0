package keyenc

// AppendUUID appends the 16 bytes of u unchanged; UUIDs sort bytewise, so
// time-ordered UUIDs (v7) keep their creation order.
func AppendUUID(dst []byte, u [16]byte) []byte {
	return append(dst, u[:]...)
}

// AppendUUIDDesc appends the 16 bytes of u inverted.
func AppendUUIDDesc(dst []byte, u [16]byte) []byte {
	n := len(dst)
	dst = append(dst, u[:]...)
	invert(dst[n:])
	return dst
}

// DecodeUUID decodes an AppendUUID encoding.
func DecodeUUID(b []byte) (v [16]byte, rest []byte, err error) {
	if len(b) < 16 {
		return v, nil, truncated("uuid", 16, len(b))
	}
	copy(v[:], b)
	return v, b[16:], nil
}

// DecodeUUIDDesc decodes an AppendUUIDDesc encoding.
func DecodeUUIDDesc(b []byte) (v [16]byte, rest []byte, err error) {
	if len(b) < 16 {
		return v, nil, truncated("uuid (desc)", 16, len(b))
	}
	copy(v[:], b)
	invert(v[:])
	return v, b[16:], nil
}
