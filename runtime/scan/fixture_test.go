package scan_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// The test table: a composite key (tenant asc, seq desc), every column
// type, nullable columns, a non-unique index on (role, created_at) and a
// sparse unique index on uid.
const (
	cTenant = iota
	cSeq
	cRole
	cEmail
	cAge
	cScore
	cActive
	cCreated
	cTTL
	cUID
	cPayload
	cMeta
	cCounter
	nCols
)

var roles = []string{"admin", "dba", "user"}

func peopleLayout(id uint32) layout.Table {
	return layout.Table{
		ID: id, Namespace: "test", Name: "people", Kind: "shared",
		Key: []layout.KeyColumn{{Name: "tenant", Type: "string"}, {Name: "seq", Type: "int64", Desc: true}},
		Columns: []layout.Column{
			{Tag: 1, Name: "tenant", Type: "string"},
			{Tag: 2, Name: "seq", Type: "int64"},
			{Tag: 3, Name: "role", Type: "enum", Values: roles},
			{Tag: 4, Name: "email", Type: "string", Nullable: true},
			{Tag: 5, Name: "age", Type: "int32", Nullable: true},
			{Tag: 6, Name: "score", Type: "float64", Nullable: true},
			{Tag: 7, Name: "active", Type: "bool"},
			{Tag: 8, Name: "created_at", Type: "timestamp"},
			{Tag: 9, Name: "ttl", Type: "duration", Nullable: true},
			{Tag: 10, Name: "uid", Type: "uuid", Nullable: true},
			{Tag: 11, Name: "payload", Type: "bytes", Nullable: true},
			{Tag: 12, Name: "meta", Type: "json", Nullable: true},
			{Tag: 13, Name: "counter", Type: "uint64"},
		},
		Indexes: []layout.Index{
			{ID: 1, Name: "by_role", Columns: []string{"role", "created_at"}},
			{ID: 2, Name: "by_uid", Columns: []string{"uid"}, Unique: true},
		},
	}
}

// row holds one row as Go values by column position; nil is NULL. Types:
// string, int64, int32 (enum ordinal), string, int32, float64, bool,
// time.Time, time.Duration, [16]byte, []byte, []byte (json), uint64.
type row [nCols]any

func appendRowKey(dst []byte, r *row) []byte {
	dst = keyenc.AppendString(dst, r[cTenant].(string))
	return keyenc.AppendInt64Desc(dst, r[cSeq].(int64))
}

func byRoleValues(dst []byte, r *row) []byte {
	dst = keyenc.AppendEnum(dst, r[cRole].(int32))
	return keyenc.AppendTimestamp(dst, r[cCreated].(time.Time))
}

// encodeRow writes a row as generated code does: zero non-nullable values
// are skipped (proto3), nullable values are written whenever non-null.
func encodeRow(dst []byte, r *row) []byte {
	num := func(c int) protowire.Number { return protowire.Number(c + 1) }
	if s := r[cTenant].(string); s != "" {
		dst = rowenc.AppendString(dst, num(cTenant), s)
	}
	if v := r[cSeq].(int64); v != 0 {
		dst = rowenc.AppendInt64(dst, num(cSeq), v)
	}
	if v := r[cRole].(int32); v != 0 {
		dst = rowenc.AppendEnum(dst, num(cRole), v)
	}
	if v, ok := r[cEmail].(string); ok {
		dst = rowenc.AppendString(dst, num(cEmail), v)
	}
	if v, ok := r[cAge].(int32); ok {
		dst = rowenc.AppendInt32(dst, num(cAge), v)
	}
	if v, ok := r[cScore].(float64); ok {
		dst = rowenc.AppendFloat64(dst, num(cScore), v)
	}
	if r[cActive].(bool) {
		dst = rowenc.AppendBool(dst, num(cActive), true)
	}
	if v := r[cCreated].(time.Time); !v.IsZero() {
		dst = rowenc.AppendTimestamp(dst, num(cCreated), v)
	}
	if v, ok := r[cTTL].(time.Duration); ok {
		dst = rowenc.AppendDuration(dst, num(cTTL), v)
	}
	if v, ok := r[cUID].([16]byte); ok {
		dst = rowenc.AppendUUID(dst, num(cUID), v)
	}
	if v, ok := r[cPayload].([]byte); ok {
		dst = rowenc.AppendBytes(dst, num(cPayload), v)
	}
	if v, ok := r[cMeta].([]byte); ok {
		dst = rowenc.AppendBytes(dst, num(cMeta), v)
	}
	if v := r[cCounter].(uint64); v != 0 {
		dst = rowenc.AppendUint64(dst, num(cCounter), v)
	}
	return dst
}

func decodeRow(b []byte, r *row, _ *rowenc.Arena) error {
	*r = row{cTenant: "", cSeq: int64(0), cRole: int32(0), cActive: false, cCreated: time.Time{}, cCounter: uint64(0)}
	d := rowenc.NewDecoder(b)
	for d.Next() {
		switch int(d.Tag()) - 1 {
		case cTenant:
			r[cTenant] = d.String()
		case cSeq:
			r[cSeq] = d.Int64()
		case cRole:
			r[cRole] = d.Enum()
		case cEmail:
			r[cEmail] = d.String()
		case cAge:
			r[cAge] = d.Int32()
		case cScore:
			r[cScore] = d.Float64()
		case cActive:
			r[cActive] = d.Bool()
		case cCreated:
			r[cCreated] = d.Timestamp()
		case cTTL:
			r[cTTL] = d.Duration()
		case cUID:
			r[cUID] = d.UUID()
		case cPayload:
			r[cPayload] = d.Bytes()
		case cMeta:
			r[cMeta] = d.Bytes()
		case cCounter:
			r[cCounter] = d.Uint64()
		}
	}
	return d.Err()
}

func peopleSpec(id uint32) store.Spec[string, row] {
	return store.Spec[string, row]{
		Layout:    peopleLayout(id),
		AppendKey: func(dst []byte, k string) []byte { return append(dst, k...) },
		DecodeKey: func(b []byte) (string, error) { return string(b), nil },
		KeyOf:     func(r *row) string { return string(appendRowKey(nil, r)) },
		AppendRow: encodeRow,
		DecodeRow: decodeRow,
		Indexes: []store.IndexSpec[row]{
			{ID: 1, Name: "by_role", AppendValues: func(dst []byte, r *row) ([]byte, bool) { return byRoleValues(dst, r), true }},
			{ID: 2, Name: "by_uid", Unique: true, AppendValues: func(dst []byte, r *row) ([]byte, bool) {
				u, ok := r[cUID].([16]byte)
				if !ok {
					return dst, false
				}
				return keyenc.AppendUUID(dst, u), true
			}},
		},
	}
}

func openDB(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(tb.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// load writes rows into table id and returns the rows that are stored, in
// primary key order (later rows replace earlier ones with the same key; a
// row that would violate the unique index is refused, as by the store).
func load(tb testing.TB, db *store.DB, id uint32, rows []row) []row {
	tb.Helper()
	tab, err := store.NewTable(db, peopleSpec(id))
	if err != nil {
		tb.Fatal(err)
	}
	byKey := map[string]row{}
	for i := range rows {
		err := tab.Put(&rows[i])
		var uv *store.UniqueViolationError
		if errors.As(err, &uv) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		byKey[string(appendRowKey(nil, &rows[i]))] = rows[i]
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]row, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

// sameValue compares two cell values exactly (floats bit for bit).
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return a == b
}

func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("%q", x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%v", v)
}
