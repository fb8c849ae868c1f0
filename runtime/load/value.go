package load

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// value is one checked cell: the column's Go value (nil = null).
type value = any

// parseText converts the text of a CSV cell (or a JSON string) to col's
// type, checking everything the schema says about it. The text forms are
// those tablegen inspect writes: RFC 3339 timestamps, Go durations, uuid
// text, enum value names, bytes as 0x-prefixed hex or base64, json as its
// text. Bytes are 0x-prefixed hex in CSV and standard base64 in JSON
// (inJSON), as inspect writes them, so neither form is mistaken for the
// other.
func parseText(col *layout.Column, s string, inJSON bool) (value, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("not valid UTF-8")
	}
	switch col.Type {
	case "bool":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a bool; use true or false", s)
		}
		return b, nil
	case "int32", "int64":
		bits := 64
		if col.Type == "int32" {
			bits = 32
		}
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return nil, fmt.Errorf("%q is not an %s (a whole number in range)", s, col.Type)
		}
		if bits == 32 {
			return int32(n), nil
		}
		return n, nil
	case "uint64":
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a uint64 (a whole number from 0 to %d)", s, uint64(math.MaxUint64))
		}
		return n, nil
	case "float64":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a float64", s)
		}
		return f, nil
	case "string":
		return s, nil
	case "bytes":
		if inJSON {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("bytes in JSON are standard base64: %v", err)
			}
			return b, nil
		}
		h, ok := strings.CutPrefix(s, "0x")
		b, err := hex.DecodeString(h)
		if !ok || err != nil {
			return nil, fmt.Errorf("%q is not 0x-prefixed hex (bytes in CSV)", s)
		}
		return b, nil
	case "timestamp":
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 timestamp like 2026-01-02T15:04:05Z", s)
		}
		if t.Nanosecond()%1000 != 0 {
			return nil, fmt.Errorf("%q has sub-microsecond precision; timestamps are stored in microseconds", s)
		}
		return t.UTC(), nil
	case "duration":
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration like 1h30m", s)
		}
		if d%time.Microsecond != 0 {
			return nil, fmt.Errorf("%q has sub-microsecond precision; durations are stored in microseconds", s)
		}
		return d, nil
	case "uuid":
		u, err := uuid.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a uuid", s)
		}
		return [16]byte(u), nil
	case "json":
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("not valid JSON")
		}
		return []byte(s), nil
	case "decimal":
		d, _, err := apd.NewFromString(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a decimal number like 12.50", s)
		}
		return decimalValue(col, d)
	case "enum":
		i := slices.Index(col.Values, s)
		if i < 0 {
			return nil, fmt.Errorf("%q is not one of the enum's values %s", s, strings.Join(col.Values, ", "))
		}
		return int32(i), nil
	}
	return nil, fmt.Errorf("column type %q is not supported by load", col.Type)
}

// decimalValue checks that d fits col's precision and scale (nothing is
// rounded) and returns it with exponent -scale, the form appendKey relies on.
func decimalValue(col *layout.Column, d *apd.Decimal) (value, error) {
	n, err := dec128.FromDecimal(d, col.Precision, col.Scale)
	if err != nil {
		return nil, err
	}
	return n.Decimal(col.Scale), nil
}

// parseJSON converts one JSON value of an NDJSON object: numbers and bools
// as themselves, json columns as any JSON value, everything else as the
// text parseText takes. null is null.
func parseJSON(col *layout.Column, raw json.RawMessage) (value, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	if col.Type == "json" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
		return buf.Bytes(), nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("bad JSON string: %v", err)
		}
		return parseText(col, s, true)
	case 't', 'f':
		if col.Type != "bool" {
			return nil, fmt.Errorf("a bool where a %s is wanted", col.Type)
		}
		return string(raw) == "true", nil
	}
	switch col.Type {
	case "int32", "int64", "uint64", "float64", "decimal":
		return parseText(col, string(raw), true)
	}
	return nil, fmt.Errorf("%s where a %s is wanted; write it as a JSON string", raw, col.Type)
}

// appendField appends v, a parsed value of col, to a row: non-nullable
// zero values are left out as the generated codecs do (a reader sees the
// zero value either way), a nullable column's value is always written.
func appendField(dst []byte, col *layout.Column, v value) []byte {
	tag := protowire.Number(col.Tag)
	switch x := v.(type) {
	case bool:
		if x || col.Nullable {
			return rowenc.AppendBool(dst, tag, x)
		}
	case int32:
		if x != 0 || col.Nullable {
			if col.Type == "enum" {
				return rowenc.AppendEnum(dst, tag, x)
			}
			return rowenc.AppendInt32(dst, tag, x)
		}
	case int64:
		if x != 0 || col.Nullable {
			return rowenc.AppendInt64(dst, tag, x)
		}
	case uint64:
		if x != 0 || col.Nullable {
			return rowenc.AppendUint64(dst, tag, x)
		}
	case float64:
		if x != 0 || math.Signbit(x) || col.Nullable {
			return rowenc.AppendFloat64(dst, tag, x)
		}
	case string:
		if x != "" || col.Nullable {
			return rowenc.AppendString(dst, tag, x)
		}
	case []byte:
		if len(x) > 0 || col.Nullable {
			return rowenc.AppendBytes(dst, tag, x)
		}
	case time.Time:
		return rowenc.AppendTimestamp(dst, tag, x)
	case time.Duration:
		if x != 0 || col.Nullable {
			return rowenc.AppendDuration(dst, tag, x)
		}
	case [16]byte:
		return rowenc.AppendUUID(dst, tag, x)
	case apd.Decimal:
		if !x.IsZero() || col.Nullable {
			return rowenc.AppendDecimal(dst, tag, x, col.Precision, col.Scale)
		}
	}
	return dst
}

// appendKey appends v, a value of a column of type typ, with the key
// encoding of its type.
func appendKey(dst []byte, typ string, v value, desc bool) []byte {
	if x, ok := v.(int32); ok && typ == "enum" {
		if desc {
			return keyenc.AppendEnumDesc(dst, x)
		}
		return keyenc.AppendEnum(dst, x)
	}
	switch x := v.(type) {
	case apd.Decimal:
		// decimalValue gave x exponent -scale, and it fits its column, so
		// decimal(38, scale) encodes the same unscaled integer.
		if desc {
			return keyenc.AppendDecimalDesc(dst, x, dec128.MaxPrecision, -x.Exponent)
		}
		return keyenc.AppendDecimal(dst, x, dec128.MaxPrecision, -x.Exponent)
	case bool:
		if desc {
			return keyenc.AppendBoolDesc(dst, x)
		}
		return keyenc.AppendBool(dst, x)
	case int32:
		if desc {
			return keyenc.AppendInt32Desc(dst, x)
		}
		return keyenc.AppendInt32(dst, x)
	case int64:
		if desc {
			return keyenc.AppendInt64Desc(dst, x)
		}
		return keyenc.AppendInt64(dst, x)
	case uint64:
		if desc {
			return keyenc.AppendUint64Desc(dst, x)
		}
		return keyenc.AppendUint64(dst, x)
	case string:
		if desc {
			return keyenc.AppendStringDesc(dst, x)
		}
		return keyenc.AppendString(dst, x)
	case []byte:
		if desc {
			return keyenc.AppendBytesDesc(dst, x)
		}
		return keyenc.AppendBytes(dst, x)
	case time.Time:
		if desc {
			return keyenc.AppendTimestampDesc(dst, x)
		}
		return keyenc.AppendTimestamp(dst, x)
	case time.Duration:
		if desc {
			return keyenc.AppendDurationDesc(dst, x)
		}
		return keyenc.AppendDuration(dst, x)
	case [16]byte:
		if desc {
			return keyenc.AppendUUIDDesc(dst, x)
		}
		return keyenc.AppendUUID(dst, x)
	}
	return dst
}
