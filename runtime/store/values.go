package store

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
)

// formatIndexValues shows the encoded values of index name of l as the
// typed values they encode, for errors: `by_number = "INV-7"`, or
// `by_status_due = (open, 2026-03-01T00:00:00.000000Z)` for several
// columns. The values are decoded with keyenc by the layout's column types
// (index values are always encoded ascending), so errors never show key
// encoding; values that do not decode are shown as hex.
func formatIndexValues(l *layout.Table, name string, values []byte) string {
	var cols []layout.Column
	for _, ix := range l.Indexes {
		if ix.Name == name {
			for _, cn := range ix.Columns {
				c, ok := l.Column(cn)
				if !ok {
					return name + " = 0x" + hex.EncodeToString(values)
				}
				cols = append(cols, c)
			}
		}
	}
	parts := make([]string, 0, len(cols))
	rest := values
	for _, c := range cols {
		s, r, ok := formatKeyValue(c, rest)
		if !ok {
			return name + " = 0x" + hex.EncodeToString(values)
		}
		parts, rest = append(parts, s), r
	}
	if len(cols) == 0 || len(rest) != 0 {
		return name + " = 0x" + hex.EncodeToString(values)
	}
	if len(parts) == 1 {
		return name + " = " + parts[0]
	}
	return name + " = (" + strings.Join(parts, ", ") + ")"
}

// formatKeyValue decodes one ascending keyenc value of column c from b and
// formats it as Go would write the typed value: strings quoted, enums by
// name, timestamps in RFC 3339 with six fraction digits, bytes as 0x hex.
func formatKeyValue(c layout.Column, b []byte) (string, []byte, bool) {
	var (
		s    string
		rest []byte
		err  error
	)
	switch c.Type {
	case "bool":
		var v bool
		v, rest, err = keyenc.DecodeBool(b)
		s = strconv.FormatBool(v)
	case "int32":
		var v int32
		v, rest, err = keyenc.DecodeInt32(b)
		s = strconv.FormatInt(int64(v), 10)
	case "int64":
		var v int64
		v, rest, err = keyenc.DecodeInt64(b)
		s = strconv.FormatInt(v, 10)
	case "uint64":
		var v uint64
		v, rest, err = keyenc.DecodeUint64(b)
		s = strconv.FormatUint(v, 10)
	case "string":
		var v string
		v, rest, err = keyenc.DecodeString(b)
		s = strconv.Quote(v)
	case "bytes":
		var v []byte
		v, rest, err = keyenc.DecodeBytes(b)
		s = "0x" + hex.EncodeToString(v)
	case "timestamp":
		var v time.Time
		v, rest, err = keyenc.DecodeTimestamp(b)
		s = v.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	case "duration":
		var v time.Duration
		v, rest, err = keyenc.DecodeDuration(b)
		s = v.String()
	case "uuid":
		var v [16]byte
		v, rest, err = keyenc.DecodeUUID(b)
		s = uuid.UUID(v).String()
	case "decimal":
		var v apd.Decimal
		v, rest, err = keyenc.DecodeDecimal(b, c.Precision, c.Scale)
		s = v.String()
	case "enum":
		var v int32
		v, rest, err = keyenc.DecodeEnum(b)
		if v >= 0 && int(v) < len(c.Values) {
			s = c.Values[v]
		} else {
			s = "enum(" + strconv.FormatInt(int64(v), 10) + ")"
		}
	default:
		return "", nil, false
	}
	return s, rest, err == nil
}
