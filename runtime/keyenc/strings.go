package keyenc

import (
	"bytes"
	"strings"
)

// Bytes of the string and byte-string encoding. In the ascending form a 0x00
// data byte is written as escape0 escapeFF, and the value ends with escape0
// terminator. The descending form inverts all of them.
const (
	escape0    = 0x00
	escapedNul = 0xFF
	terminator = 0x01
)

// AppendString appends the ascending, self-delimiting encoding of s: s with
// each 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01.
func AppendString(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, escape0)
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, escapedNul)
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, escape0, terminator)
}

// AppendBytes appends the ascending encoding of b; it is byte-for-byte the
// encoding of string(b), so string and bytes key columns sort alike.
func AppendBytes(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, escape0)
		if i < 0 {
			break
		}
		dst = append(dst, b[:i+1]...)
		dst = append(dst, escapedNul)
		b = b[i+1:]
	}
	dst = append(dst, b...)
	return append(dst, escape0, terminator)
}

// AppendStringDesc appends the descending encoding of s: AppendString's bytes
// inverted, so larger strings sort first.
func AppendStringDesc(dst []byte, s string) []byte {
	n := len(dst)
	dst = AppendString(dst, s)
	invert(dst[n:])
	return dst
}

// AppendBytesDesc appends the descending encoding of b, the inverse of
// AppendBytes.
func AppendBytesDesc(dst, b []byte) []byte {
	n := len(dst)
	dst = AppendBytes(dst, b)
	invert(dst[n:])
	return dst
}

// DecodeString decodes an AppendString encoding at the start of b and
// returns the string and the bytes after it.
func DecodeString(b []byte) (v string, rest []byte, err error) {
	return decodeString(b, 0, "string")
}

// DecodeStringDesc decodes an AppendStringDesc encoding at the start of b.
func DecodeStringDesc(b []byte) (v string, rest []byte, err error) {
	return decodeString(b, 0xFF, "string (desc)")
}

// DecodeBytes decodes an AppendBytes encoding at the start of b. The result
// is a fresh slice (never aliasing b, so it outlives Pebble's buffers) and is
// non-nil even when empty.
func DecodeBytes(b []byte) (v, rest []byte, err error) {
	return decodeBytes(b, 0, "bytes")
}

// DecodeBytesDesc decodes an AppendBytesDesc encoding at the start of b; the
// result is a fresh, non-nil slice.
func DecodeBytesDesc(b []byte) (v, rest []byte, err error) {
	return decodeBytes(b, 0xFF, "bytes (desc)")
}

// decodeString decodes with a single allocation for the result. mask is
// 0xFF for the descending (inverted) form.
func decodeString(b []byte, mask byte, typ string) (string, []byte, error) {
	n, size, err := scanEscaped(b, mask, typ)
	if err != nil {
		return "", nil, err
	}
	if mask == 0 && n == size-2 { // no escapes: the value is b[:n] verbatim
		return string(b[:n]), b[size:], nil
	}
	var sb strings.Builder
	sb.Grow(n)
	esc := escape0 ^ mask
	for i := 0; i < size-2; i++ {
		if b[i] == esc { // validated: an escaped 0x00, skip its second byte
			sb.WriteByte(0)
			i++
			continue
		}
		sb.WriteByte(b[i] ^ mask)
	}
	return sb.String(), b[size:], nil
}

func decodeBytes(b []byte, mask byte, typ string) ([]byte, []byte, error) {
	n, size, err := scanEscaped(b, mask, typ)
	if err != nil {
		return nil, nil, err
	}
	out := make([]byte, 0, n)
	esc := escape0 ^ mask
	for off := 0; off < size-2; {
		i := bytes.IndexByte(b[off:size-2], esc)
		if i < 0 {
			out = appendMasked(out, b[off:size-2], mask)
			break
		}
		out = appendMasked(out, b[off:off+i], mask)
		out = append(out, 0)
		off += i + 2
	}
	return out, b[size:], nil
}

// scanEscaped validates the escaped encoding at the start of b (inverted
// when mask is 0xFF) and returns the length of the decoded value and of the
// encoding including its terminator.
func scanEscaped(b []byte, mask byte, typ string) (n, size int, err error) {
	esc := escape0 ^ mask
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], esc)
		if i < 0 {
			return 0, 0, malformed(typ, "no terminator %02x %02x in %d bytes", esc, terminator^mask, len(b))
		}
		i += off
		n += i - off
		if i+1 >= len(b) {
			return 0, 0, malformed(typ, "input ends after the escape byte %02x at offset %d", esc, i)
		}
		switch b[i+1] ^ mask {
		case terminator:
			return n, i + 2, nil
		case escapedNul:
			n++
			off = i + 2
		default:
			return 0, 0, malformed(typ, "byte %02x at offset %d follows the escape byte %02x; want %02x (escaped 0x00) or %02x (terminator)",
				b[i+1], i+1, esc, escapedNul^mask, terminator^mask)
		}
	}
}

// appendMasked appends src to dst with every byte XORed with mask.
func appendMasked(dst, src []byte, mask byte) []byte {
	if mask == 0 {
		return append(dst, src...)
	}
	n := len(dst)
	dst = append(dst, src...)
	invert(dst[n:])
	return dst
}

// invert flips every bit of b in place; it turns an ascending encoding into
// the descending one and back.
func invert(b []byte) {
	for i := range b {
		b[i] = ^b[i]
	}
}
