package load_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/load"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// everyType is a user table with a column of every type, nullable and
// not, keyed by (k asc, s desc).
func everyType(id uint32) layout.Table {
	return layout.Table{
		ID: id, Namespace: "test", Name: fmt.Sprintf("every_%d", id), Kind: layout.User,
		Key: []layout.KeyColumn{{Name: "k", Type: "int64"}, {Name: "s", Type: "string", Desc: true}},
		Columns: []layout.Column{
			{Tag: 1, Name: "k", Type: "int64"},
			{Tag: 2, Name: "s", Type: "string"},
			{Tag: 3, Name: "i32", Type: "int32", Nullable: true},
			{Tag: 4, Name: "u64", Type: "uint64"},
			{Tag: 5, Name: "f", Type: "float64"},
			{Tag: 6, Name: "b", Type: "bool"},
			{Tag: 7, Name: "by", Type: "bytes", Nullable: true},
			{Tag: 8, Name: "ts", Type: "timestamp"},
			{Tag: 9, Name: "d", Type: "duration"},
			{Tag: 10, Name: "u", Type: "uuid", Nullable: true},
			{Tag: 11, Name: "j", Type: "json", Nullable: true},
			{Tag: 12, Name: "e", Type: "enum", Values: []string{"red", "green", "blue"}},
		},
		Indexes: []layout.Index{{ID: 1, Name: "by_e", Columns: []string{"e"}}},
	}
}

// row is one drawn row of everyType; nil pointers are nulls.
type row struct {
	owner string
	k     int64
	s     string
	i32   *int32
	u64   uint64
	f     float64
	b     bool
	by    []byte
	ts    time.Time
	d     time.Duration
	u     *[16]byte
	j     *string
	e     int
}

func drawRow(t *rapid.T, i int) row {
	r := row{
		owner: rapid.SampledFrom([]string{"alice", "bob", "x=y", "é"}).Draw(t, "owner"),
		k:     int64(i),
		s:     rapid.String().Draw(t, "s"),
		u64:   rapid.Uint64().Draw(t, "u64"),
		f:     rapid.Float64Range(-1e9, 1e9).Draw(t, "f"),
		b:     rapid.Bool().Draw(t, "b"),
		ts:    time.UnixMicro(rapid.Int64Range(-1e15, 1e15).Draw(t, "ts")).UTC(),
		d:     time.Duration(rapid.Int64Range(-1e12, 1e12).Draw(t, "d")) * time.Microsecond,
		e:     rapid.IntRange(0, 2).Draw(t, "e"),
	}
	if rapid.Bool().Draw(t, "i32set") {
		v := rapid.Int32().Draw(t, "i32")
		r.i32 = &v
	}
	if rapid.Bool().Draw(t, "byset") {
		r.by = rapid.SliceOf(rapid.Byte()).Draw(t, "by")
	}
	if rapid.Bool().Draw(t, "uset") {
		u := [16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "u"))
		r.u = &u
	}
	if rapid.Bool().Draw(t, "jset") {
		j := fmt.Sprintf(`{"n":%d}`, rapid.IntRange(0, 99).Draw(t, "j"))
		r.j = &j
	}
	return r
}

func uuidText(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func ndjsonOf(rows []row) string {
	var b strings.Builder
	colors := []string{"red", "green", "blue"}
	for _, r := range rows {
		m := map[string]any{"owner": r.owner, "k": r.k, "s": r.s, "u64": fmt.Sprint(r.u64), "f": r.f, "b": r.b,
			"ts": r.ts.Format(time.RFC3339Nano), "d": r.d.String(), "e": colors[r.e]}
		if r.i32 != nil {
			m["i32"] = *r.i32
		}
		if r.by != nil {
			m["by"] = base64.StdEncoding.EncodeToString(r.by)
		}
		if r.u != nil {
			m["u"] = uuidText(*r.u)
		}
		if r.j != nil {
			m["j"] = json.RawMessage(*r.j)
		}
		line, _ := json.Marshal(m)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// recordsOf builds the rows as Arrow records in the forms a Parquet file
// written by flush reads back as: uuids 16-byte fixed-size binary, json
// as strings, durations as int64 microseconds, enums as names. Batches of
// 7 rows, so a load crosses record boundaries.
func recordsOf(t interface{ Fatal(...any) }, rows []row) array.RecordReader {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "owner", Type: arrow.BinaryTypes.String},
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "by", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "d", Type: arrow.PrimitiveTypes.Int64},
		{Name: "u", Type: &arrow.FixedSizeBinaryType{ByteWidth: 16}, Nullable: true},
		{Name: "j", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "e", Type: arrow.BinaryTypes.String},
	}, nil)
	var recs []arrow.RecordBatch
	colors := []string{"red", "green", "blue"}
	for start := 0; start < len(rows); start += 7 {
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for _, r := range rows[start:min(start+7, len(rows))] {
			rb.Field(0).(*array.StringBuilder).Append(r.owner)
			rb.Field(1).(*array.Int64Builder).Append(r.k)
			rb.Field(2).(*array.StringBuilder).Append(r.s)
			if r.i32 != nil {
				rb.Field(3).(*array.Int32Builder).Append(*r.i32)
			} else {
				rb.Field(3).AppendNull()
			}
			rb.Field(4).(*array.Uint64Builder).Append(r.u64)
			rb.Field(5).(*array.Float64Builder).Append(r.f)
			rb.Field(6).(*array.BooleanBuilder).Append(r.b)
			if r.by != nil {
				rb.Field(7).(*array.BinaryBuilder).Append(r.by)
			} else {
				rb.Field(7).AppendNull()
			}
			rb.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts.UnixMicro()))
			rb.Field(9).(*array.Int64Builder).Append(r.d.Microseconds())
			if r.u != nil {
				rb.Field(10).(*array.FixedSizeBinaryBuilder).Append(r.u[:])
			} else {
				rb.Field(10).AppendNull()
			}
			if r.j != nil {
				rb.Field(11).(*array.StringBuilder).Append(*r.j)
			} else {
				rb.Field(11).AppendNull()
			}
			rb.Field(12).(*array.StringBuilder).Append(colors[r.e])
		}
		recs = append(recs, rb.NewRecordBatch())
		rb.Release()
	}
	rr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	return rr
}

// dump scans every owner's rows of l with the provider: one line per
// batch column, in key order.
func dump(t interface{ Fatal(...any) }, db *store.DB, l layout.Table) string {
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := p.Scan(context.Background(), scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var b strings.Builder
	for rr.Next() {
		for i, c := range rr.RecordBatch().Columns() {
			fmt.Fprintf(&b, "%s: %s\n", rr.Schema().Field(i).Name, c)
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRecordsMatchNDJSON: the same rows loaded from Arrow records (the
// forms a flushed Parquet file reads back as) and from NDJSON store the
// same table, value for value, every type and null included.
func TestRecordsMatchNDJSON(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := uint32(100)
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(rt, "rows")
		rows := make([]row, n)
		for i := range rows {
			rows[i] = drawRow(rt, i)
		}
		fromJSON, fromArrow := everyType(id), everyType(id+1)
		id += 2
		ldJ, err := load.New(db, fromJSON)
		if err != nil {
			rt.Fatal(err)
		}
		if got, err := ldJ.NDJSON("rows.ndjson", strings.NewReader(ndjsonOf(rows))); err != nil || got != n {
			rt.Fatalf("NDJSON: %d rows, %v", got, err)
		}
		ldA, err := load.New(db, fromArrow)
		if err != nil {
			rt.Fatal(err)
		}
		rr := recordsOf(rt, rows)
		defer rr.Release()
		var progress []int
		ldA.Progress = func(rows int) { progress = append(progress, rows) }
		if got, err := ldA.Records("rows.parquet", rr); err != nil || got != n {
			rt.Fatalf("Records: %d rows, %v", got, err)
		}
		if len(progress) == 0 || progress[len(progress)-1] != n {
			rt.Fatalf("Progress saw %v; want it to end at %d", progress, n)
		}
		if a, j := dump(rt, db, fromArrow), dump(rt, db, fromJSON); a != j {
			rt.Fatalf("loaded from records:\n%s\nfrom NDJSON:\n%s", a, j)
		}
	})
}

// TestRecordsRejects: a bad value is an error naming file:row:column
// (rows count from 1 across record batches) and nothing is written.
func TestRecordsRejects(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	good := func(i int) row {
		return row{owner: "alice", k: int64(i), s: "s", ts: time.Unix(0, 0).UTC(), e: 1}
	}
	rows := make([]row, 12)
	for i := range rows {
		rows[i] = good(i)
	}
	tbl := everyType(7)
	ld, err := load.New(db, tbl)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, rr array.RecordReader, want string) {
		t.Helper()
		defer rr.Release()
		n, err := ld.Records("in.parquet", rr)
		if err == nil || !strings.Contains(err.Error(), want) || n != 0 {
			t.Errorf("%s: %d rows, error %v; want one mentioning %q", name, n, err, want)
		}
		if out := dump(t, db, tbl); out != "" {
			t.Errorf("%s: the failed load wrote rows:\n%s", name, out)
		}
	}
	dup := append([]row{}, rows...)
	dup[10].k = 3
	check("duplicate key", recordsOf(t, dup), "in.parquet:11: the same key as the row at in.parquet:4")
	badUTF8 := append([]row{}, rows...)
	badUTF8[8].s = "\xff"
	check("bad UTF-8", recordsOf(t, badUTF8), "in.parquet:9:s: not valid UTF-8")
	badJSON := append([]row{}, rows...)
	j := "{nope"
	badJSON[2].j = &j
	check("bad json", recordsOf(t, badJSON), "in.parquet:3:j: not valid JSON")
	emptyOwner := append([]row{}, rows...)
	emptyOwner[0].owner = ""
	check("empty owner", recordsOf(t, emptyOwner), "in.parquet:1:owner: missing")

	// An int64 field out of int32's range, an enum name not declared, a
	// field that is not a column, a nanosecond timestamp.
	one := func(fields []arrow.Field, build func(b *array.RecordBuilder)) array.RecordReader {
		s := arrow.NewSchema(fields, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, s)
		defer b.Release()
		build(b)
		rec := b.NewRecordBatch()
		defer rec.Release()
		rr, err := array.NewRecordReader(s, []arrow.RecordBatch{rec})
		if err != nil {
			t.Fatal(err)
		}
		return rr
	}
	str := arrow.BinaryTypes.String
	check("int32 range", one([]arrow.Field{{Name: "owner", Type: str}, {Name: "i32", Type: arrow.PrimitiveTypes.Int64}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).Append("a")
		b.Field(1).(*array.Int64Builder).Append(1 << 40)
	}), "in.parquet:1:i32: 1099511627776 is out of range for int32")
	check("enum", one([]arrow.Field{{Name: "owner", Type: str}, {Name: "e", Type: str}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).Append("a")
		b.Field(1).(*array.StringBuilder).Append("purple")
	}), `in.parquet:1:e: "purple" is not one of the enum's values red, green, blue`)
	check("unknown field", one([]arrow.Field{{Name: "owner", Type: str}, {Name: "nope", Type: str}}, func(b *array.RecordBuilder) {}),
		"in.parquet:nope: test.every_7 has no such column")
	check("bool in a string", one([]arrow.Field{{Name: "owner", Type: str}, {Name: "b", Type: arrow.PrimitiveTypes.Float64}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).Append("a")
		b.Field(1).(*array.Float64Builder).Append(1)
	}), "in.parquet:1:b: a float64 field cannot hold a bool column")
	check("nanoseconds", one([]arrow.Field{{Name: "owner", Type: str}, {Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).Append("a")
		b.Field(1).(*array.TimestampBuilder).Append(1001)
	}), "in.parquet:1:ts: 1001 is not a whole number of microseconds")
}
