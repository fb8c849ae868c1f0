package layout

// The column types of the YAML language, as they appear in a Table.
var Types = []string{"bool", "int32", "int64", "uint64", "float64", "string", "bytes", "json", "uuid", "enum", "timestamp", "duration", "decimal"}

func knownType(t string) bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// KeyClass names the encoding runtime/keyenc gives values of type t in
// keys and index entries. Types of one class encode to the same bytes, so
// stored keys stay valid when a key or indexed column changes between
// them: strings, bytes and json; enums and int32; timestamps, durations and
// int64. Whether the values keep their meaning is [TypeChange]'s business,
// since every key and indexed column is also a column.
func KeyClass(t string) string {
	switch t {
	case "bytes", "json":
		return "string"
	case "enum":
		return "int32"
	case "timestamp", "duration":
		return "int64"
	}
	return t
}

// TypeChange says what changing a column's type from old to new does to
// values already stored under its tag: nothing (Safe), possibly something
// the new type's readers reject (Warning), or misread values (Refused).
// why explains the verdict; it is empty for Safe. The table in
// internal/compat's package documentation is this function written out.
func TypeChange(old, new string) (v Verdict, why string) {
	if old == new {
		return Safe, ""
	}
	wo, wn := wireOf(old), wireOf(new)
	if wo != wn {
		return Refused, "the wire types differ (" + wo + " vs " + wn + "), so every stored value fails to decode"
	}
	switch old + "→" + new {
	// varint: values keep their meaning when the new type holds every old value.
	case "int32→int64",
		"bool→int32", "bool→int64", "bool→uint64",
		"enum→int32", "enum→int64", "enum→uint64",
		// length-delimited: every string, JSON text and UUID is a valid bytes value.
		"string→bytes", "json→bytes", "json→string", "uuid→bytes":
		return Safe, ""
	case "bytes→string":
		return Warning, "stored bytes need not be valid UTF-8, which Arrow and Parquet readers of a string column may reject"
	case "string→json", "bytes→json":
		return Warning, "stored values need not be valid JSON, which readers of a json column may reject"
	case "int64→int32":
		return Refused, "int64 values outside the int32 range fail to decode (narrowing is never silent)"
	case "int32→uint64", "int64→uint64":
		return Refused, "negative values would read as huge unsigned numbers"
	case "uint64→int64", "uint64→int32":
		return Refused, "values of 2^63 and above would read as negative numbers or fail to decode"
	case "timestamp→duration", "duration→timestamp":
		return Refused, "both store microseconds, but an instant read as a length (or the reverse) is a different value"
	}
	switch {
	case zigzag(old) != zigzag(new):
		return Refused, "timestamps and durations are stored zigzag-encoded and integers are not, so every value would be misread"
	case new == "enum":
		return Refused, "stored numbers need not be valid enum positions, and their meaning is not the new value list"
	case new == "bool":
		return Refused, "only 0 and 1 are booleans"
	case new == "uuid":
		return Refused, "a stored value is a UUID only if it is exactly 16 bytes"
	case old == "uuid":
		return Refused, "a UUID is stored as 16 raw bytes, not its text form"
	case old == "decimal" || new == "decimal":
		return Refused, "a decimal is stored as its unscaled two's-complement integer, which no other type reads as the same value"
	}
	return Refused, "stored values would be misread"
}

// wireOf names the protobuf wire type that runtime/rowenc uses for t.
func wireOf(t string) string {
	switch t {
	case "bool", "int32", "int64", "uint64", "enum", "timestamp", "duration":
		return "varint"
	case "float64":
		return "fixed64"
	}
	return "length-delimited"
}

// zigzag reports whether rowenc stores t as a zigzag (sint64) varint.
func zigzag(t string) bool { return t == "timestamp" || t == "duration" }
