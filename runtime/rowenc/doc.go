// Package rowenc encodes and decodes row values in the protobuf wire format
// (via google.golang.org/protobuf/encoding/protowire), with each column's
// YAML tag as its field number. Generated code calls the Append functions to
// write a row and walks a Decoder to read one.
//
// The protobuf wire format is used because it gives the properties rows need
// over a table's lifetime: each field carries its own number and wire type,
// so a decoder reads old rows after columns are added, skips fields it does
// not know (rows written by a newer build), and can step over every column a
// query does not want without decoding — or allocating for — it. Any
// protobuf decoder can read a row given an equivalent .proto message.
//
// The Append functions always write the field. Leaving out zero values of
// non-nullable columns (proto3 style), and writing non-null nullable values
// even when zero, is the caller's decision, since only the generated code
// knows which columns are nullable. A tag must be a valid protobuf field
// number (1 to 2^29-1), which the schema loader guarantees for column tags.
//
// # Column types on the wire
//
//	bool       varint 0/1                      (protobuf bool)
//	int32      varint of the sign-extended int64 (protobuf int32)
//	int64      varint                          (protobuf int64)
//	uint64     varint                          (protobuf uint64)
//	float64    fixed64, IEEE 754 bits          (protobuf double)
//	string     length-delimited UTF-8          (protobuf string; checked by Checker, not by the decoder)
//	bytes      length-delimited bytes          (protobuf bytes)
//	json       length-delimited bytes, the JSON text
//	timestamp  zigzag varint of microseconds since 1970-01-01 UTC (protobuf sint64)
//	duration   zigzag varint of microseconds   (protobuf sint64)
//	uuid       length-delimited, exactly 16 bytes
//	enum       varint of the value's index in declaration order
//	decimal    length-delimited, the unscaled integer v×10^scale in 1 to 16 bytes
//	           of shortest big-endian two's complement (Parquet's and Avro's form)
//
// Timestamps and durations have microsecond precision, like keys (package
// keyenc): sub-microsecond parts are dropped when encoding (timestamps toward
// the past, durations toward zero), timestamps must lie within the int64
// microsecond range (a Checker refuses rows with others), and decoded
// timestamps are UTC.
//
// # Compatible type changes
//
// Because the wire types coincide, some column type changes keep every
// stored row readable:
//
//   - int32 ↔ int64: both are varints of the sign-extended value. Reading an
//     int64 field as int32 is checked: a value outside the int32 range is an
//     error, never silently truncated.
//   - string ↔ bytes ↔ json: all are length-delimited bytes.
//   - enum: the stored number is the index of the value in the declared
//     list, so appending values is safe; reordering, inserting or removing
//     values changes what stored rows mean.
//
// A change across wire types (for example int64 → float64 or string →
// int64), or string → uuid on rows whose values are not 16 bytes, makes the
// Decoder report an error wrapping ErrCorrupt that names the field. Other
// changes within one wire type (int64 ↔ uint64, int64 ↔ timestamp, bool ↔
// integers) decode without error but change what stored values mean, so the
// breaking-change rules must refuse them; the codec cannot tell.
package rowenc
