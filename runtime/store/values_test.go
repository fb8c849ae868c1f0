package store

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
)

// TestFormatIndexValues checks that errors show index values as the typed
// values they encode, one rule per column type, and fall back to hex for
// values that do not decode as the layout says.
func TestFormatIndexValues(t *testing.T) {
	l := &layout.Table{Namespace: "billing", Name: "invoices",
		Columns: []layout.Column{
			{Tag: 1, Name: "number", Type: "string"}, {Tag: 2, Name: "status", Type: "enum", Values: []string{"draft", "open"}},
			{Tag: 3, Name: "due_at", Type: "timestamp"}, {Tag: 4, Name: "n", Type: "int64"}, {Tag: 5, Name: "b", Type: "bytes"},
			{Tag: 6, Name: "u", Type: "uuid"}, {Tag: 7, Name: "ok", Type: "bool"}, {Tag: 8, Name: "d", Type: "duration"},
			{Tag: 9, Name: "i", Type: "int32"}, {Tag: 10, Name: "x", Type: "uint64"},
		},
		Indexes: []layout.Index{
			{ID: 1, Name: "by_number", Columns: []string{"number"}, Unique: true},
			{ID: 2, Name: "by_status_due", Columns: []string{"status", "due_at"}},
			{ID: 3, Name: "by_all", Columns: []string{"n", "b", "u", "ok", "d", "i", "x"}},
		}}
	at := time.Date(2026, 3, 1, 9, 0, 0, 5000, time.UTC)
	u := uuid.MustParse("0b5e8a62-5a8d-4c59-9f0e-1d2b3c4d5e6f")
	all := keyenc.AppendInt64(nil, -7)
	all = keyenc.AppendBytes(all, []byte{0, 0xff})
	all = keyenc.AppendUUID(all, u)
	all = keyenc.AppendBool(all, true)
	all = keyenc.AppendDuration(all, 90*time.Second)
	all = keyenc.AppendInt32(all, 3)
	all = keyenc.AppendUint64(all, 1<<63)
	for _, c := range []struct {
		index  string
		values []byte
		want   string
	}{
		{"by_number", keyenc.AppendString(nil, "INV-7"), `by_number = "INV-7"`},
		{"by_number", keyenc.AppendString(nil, "a\x00\"b"), `by_number = "a\x00\"b"`},
		{"by_status_due", keyenc.AppendTimestamp(keyenc.AppendEnum(nil, 1), at), `by_status_due = (open, 2026-03-01T09:00:00.000005Z)`},
		{"by_status_due", keyenc.AppendTimestamp(keyenc.AppendEnum(nil, 5), at), `by_status_due = (enum(5), 2026-03-01T09:00:00.000005Z)`},
		{"by_all", all, `by_all = (-7, 0x00ff, 0b5e8a62-5a8d-4c59-9f0e-1d2b3c4d5e6f, true, 1m30s, 3, 9223372036854775808)`},
		// Not what the layout says: shown as hex, never garbled.
		{"by_status_due", keyenc.AppendString(nil, "x"), `by_status_due = 0x780001`},
		{"by_number", append(keyenc.AppendString(nil, "x"), 1), `by_number = 0x78000101`},
		{"no_such_index", []byte{1}, `no_such_index = 0x01`},
	} {
		if got := formatIndexValues(l, c.index, c.values); got != c.want {
			t.Errorf("formatIndexValues(%s, %x) = %s, want %s", c.index, c.values, got, c.want)
		}
	}
}
