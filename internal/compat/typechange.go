package compat

import "github.com/tablegen/tablegen/internal/schema"

// Level is how serious a Finding is: an Error fails `tablegen breaking`
// unless its rule is allowed; a Warning is printed and does not.
type Level int

// The finding levels.
const (
	Error Level = iota
	Warning
)

// String returns "error" or "warning".
func (l Level) String() string {
	if l == Warning {
		return "warning"
	}
	return "error"
}

// typeChange says what changing a column's type from old to new does to rows
// already stored under its tag: nothing (safe), possibly something the new
// type's consumers reject (warning), or misread values (error). why explains
// the verdict in a finding. The table in the package documentation is this
// function written out; TestTypeChangeTable keeps the two in step.
func typeChange(old, new schema.Type) (safe bool, level Level, why string) {
	if old == new {
		return true, 0, ""
	}
	wo, wn := wireOf(old), wireOf(new)
	if wo != wn {
		return false, Error, "the wire types differ (" + wo + " vs " + wn + "), so every stored value fails to decode"
	}
	type pair struct{ from, to schema.Type }
	switch (pair{old, new}) {
	// varint: values keep their meaning when the new type holds every old value.
	case pair{schema.TypeInt32, schema.TypeInt64},
		pair{schema.TypeBool, schema.TypeInt32},
		pair{schema.TypeBool, schema.TypeInt64},
		pair{schema.TypeBool, schema.TypeUint64},
		pair{schema.TypeEnum, schema.TypeInt32},
		pair{schema.TypeEnum, schema.TypeInt64},
		pair{schema.TypeEnum, schema.TypeUint64},
		// length-delimited: every string, JSON text and UUID is a valid bytes value.
		pair{schema.TypeString, schema.TypeBytes},
		pair{schema.TypeJSON, schema.TypeBytes},
		pair{schema.TypeJSON, schema.TypeString},
		pair{schema.TypeUUID, schema.TypeBytes}:
		return true, 0, ""
	case pair{schema.TypeBytes, schema.TypeString}:
		return false, Warning, "stored bytes need not be valid UTF-8, which Arrow and Parquet readers of a string column may reject"
	case pair{schema.TypeString, schema.TypeJSON}, pair{schema.TypeBytes, schema.TypeJSON}:
		return false, Warning, "stored values need not be valid JSON, which readers of a json column may reject"
	case pair{schema.TypeInt64, schema.TypeInt32}:
		return false, Error, "int64 values outside the int32 range fail to decode (narrowing is never silent)"
	case pair{schema.TypeInt32, schema.TypeUint64}, pair{schema.TypeInt64, schema.TypeUint64}:
		return false, Error, "negative values would read as huge unsigned numbers"
	case pair{schema.TypeUint64, schema.TypeInt64}, pair{schema.TypeUint64, schema.TypeInt32}:
		return false, Error, "values of 2^63 and above would read as negative numbers or fail to decode"
	case pair{schema.TypeTimestamp, schema.TypeDuration}, pair{schema.TypeDuration, schema.TypeTimestamp}:
		return false, Error, "both store microseconds, but an instant read as a length (or the reverse) is a different value"
	}
	switch {
	case zigzag(old) != zigzag(new):
		return false, Error, "timestamps and durations are stored zigzag-encoded and integers are not, so every value would be misread"
	case new == schema.TypeEnum:
		return false, Error, "stored numbers need not be valid enum positions, and their meaning is not the new value list"
	case new == schema.TypeBool:
		return false, Error, "only 0 and 1 are booleans"
	case new == schema.TypeUUID:
		return false, Error, "a stored value is a UUID only if it is exactly 16 bytes"
	case old == schema.TypeUUID:
		return false, Error, "a UUID is stored as 16 raw bytes, not its text form"
	}
	return false, Error, "stored values would be misread"
}

// wireOf names the protobuf wire type that runtime/rowenc uses for t.
func wireOf(t schema.Type) string {
	switch t {
	case schema.TypeBool, schema.TypeInt32, schema.TypeInt64, schema.TypeUint64, schema.TypeEnum,
		schema.TypeTimestamp, schema.TypeDuration:
		return "varint"
	case schema.TypeFloat64:
		return "fixed64"
	}
	return "length-delimited"
}

// zigzag reports whether rowenc stores t as a zigzag (sint64) varint.
func zigzag(t schema.Type) bool {
	return t == schema.TypeTimestamp || t == schema.TypeDuration
}
