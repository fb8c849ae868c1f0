// Package keyenc encodes typed key tuples as byte strings whose bytewise order
// is the order of the typed values, so that Pebble's plain bytes comparison
// sorts rows by their typed primary and index keys, and a prefix of leading
// components selects a contiguous key range.
//
// A tuple is encoded by appending its components one after another with the
// Append* functions; there is no header and no length. Every component
// encoding is self-delimiting, so for tuples a and b of the same column types:
//
//   - bytes.Compare(enc(a), enc(b)) has the sign of comparing a and b
//     component by component (descending components compare reversed);
//   - enc(a) is a prefix of enc(b) only when a's components are the leading
//     components of b: ("user1") never prefixes ("user10"), and ("a", "bc")
//     and ("ab", "c") encode differently.
//
// # Format
//
// Strings and byte strings are written raw, except that each 0x00 byte is
// escaped as 0x00 0xFF, and end with the terminator 0x00 0x01. The
// terminator sorts below every continuation (a raw byte ≥ 0x01, or an escaped
// 0x00), which puts "ab" before "ab\x00" before "abc":
//
//	"ab"     61 62 00 01
//	"ab\x00" 61 62 00 ff 00 01
//	"abc"    61 62 63 00 01
//
// Signed integers (int32, int64, enum ordinals) are big-endian two's
// complement with the sign bit flipped, so negative values sort first:
// int32(-1) is 7f ff ff ff and int32(1) is 80 00 00 01. uint64 is plain
// big-endian. bool is one byte, 00 or 01. A UUID is its 16 bytes. A
// decimal(p,s) is its unscaled integer v×10^s (the scale is fixed per
// column, so integer order is numeric order) as 16 bytes of two's
// complement with the sign bit flipped; a decoder refuses an integer of
// more than p digits.
//
// Timestamps are t.UnixMicro() and durations d.Microseconds(), each encoded as
// an int64. The key type therefore has microsecond precision: sub-microsecond
// parts are dropped (timestamps round toward the past, durations toward
// zero), exactly as in the row codec (package rowenc), so a row's key and its
// stored columns agree. Timestamps must lie within the int64 microsecond range
// (about ±292,000 years around 1970); decoders return UTC.
//
// Every type has a descending variant (AppendStringDesc, …) for "newest
// first" keys: the ascending encoding with every appended byte inverted
// (b ^ 0xFF). Because the ascending encodings are self-delimiting, inverting
// them exactly reverses their order. An ascending and a descending encoding of
// the same type are not interchangeable; a decoder must use the same
// direction as the encoder.
//
// Decoders return the value and the remaining bytes. They never panic: on
// truncated or malformed input they return an error that wraps ErrMalformed.
// The encoding is canonical: any input a decoder accepts re-encodes to exactly
// the bytes it consumed.
package keyenc
