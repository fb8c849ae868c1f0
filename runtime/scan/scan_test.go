package scan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestCanonicalExtensionTypes: the scan package's own arrow.uuid and
// arrow.json (it may not import arrow-go's arrow/extensions, which imports
// Parquet) are equal to arrow-go's canonical types by Arrow's type equality,
// both ways, so an engine or a Parquet file read back sees one type; and
// their cells print as arrow-go's do.
func TestCanonicalExtensionTypes(t *testing.T) {
	l := peopleLayout(3)
	s, err := scan.ArrowSchema(&l, scan.Docs{})
	if err != nil {
		t.Fatal(err)
	}
	jt, err := extensions.NewJSONType(arrow.BinaryTypes.String)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		col  int
		want arrow.DataType
	}{{9, extensions.NewUUIDType()}, {11, jt}} {
		got := s.Field(c.col).Type
		if !arrow.TypeEqual(got, c.want) || !arrow.TypeEqual(c.want, got) || got.String() != c.want.String() {
			t.Errorf("column %s: type %s is not arrow-go's %s", s.Field(c.col).Name, got, c.want)
		}
	}
	u := uuid.MustParse("0b5e0f4e-8c7e-4d35-9d43-5e4b1f0c2a77")
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	fb := b.Field(9).(interface{ StorageBuilder() array.Builder }).StorageBuilder().(*array.FixedSizeBinaryBuilder)
	fb.Append(u[:])
	jb := b.Field(11).(interface{ StorageBuilder() array.Builder }).StorageBuilder().(*array.StringBuilder)
	jb.Append(`{"a":1}`)
	ua, ja := b.Field(9).NewArray(), b.Field(11).NewArray()
	defer ua.Release()
	defer ja.Release()
	if got := ua.ValueStr(0); got != u.String() {
		t.Errorf("uuid cell prints %q, want %q", got, u)
	}
	if got := ja.ValueStr(0); got != `{"a":1}` {
		t.Errorf("json cell prints %q", got)
	}
}

func TestArrowSchema(t *testing.T) {
	l := peopleLayout(3)
	s, err := scan.ArrowSchema(&l, scan.Docs{Table: "People of a tenant.", Columns: map[string]string{"email": "Where to write."}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ      string
		nullable bool
	}{
		{"utf8", false}, {"int64", false}, {"utf8", false}, {"utf8", true}, {"int32", true},
		{"float64", true}, {"bool", false}, {"timestamp[us, tz=UTC]", false}, {"duration[us]", true},
		{"extension<arrow.uuid>", true}, {"binary", true}, {"extension<arrow.json[storage_type=utf8]>", true}, {"uint64", false},
	}
	if s.NumFields() != len(want) {
		t.Fatalf("%d fields, want %d", s.NumFields(), len(want))
	}
	for i, w := range want {
		f := s.Field(i)
		if f.Name != l.Columns[i].Name || f.Type.String() != w.typ || f.Nullable != w.nullable {
			t.Errorf("field %d = %s %s nullable=%t, want %s %s nullable=%t", i, f.Name, f.Type, f.Nullable, l.Columns[i].Name, w.typ, w.nullable)
		}
		if tag, _ := f.Metadata.GetValue(scan.MetaTag); tag != []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}[i] {
			t.Errorf("field %s tag metadata %q", f.Name, tag)
		}
	}
	if doc, ok := s.Field(3).Metadata.GetValue(scan.MetaDoc); !ok || doc != "Where to write." {
		t.Errorf("email doc = %q, %t", doc, ok)
	}
	if _, ok := s.Field(0).Metadata.GetValue(scan.MetaDoc); ok {
		t.Errorf("tenant has a doc entry but no doc")
	}
	md := s.Metadata()
	if v, _ := md.GetValue(scan.MetaDoc); v != "People of a tenant." {
		t.Errorf("schema doc = %q", v)
	}
	if v, _ := md.GetValue(scan.MetaTable); v != "test.people" {
		t.Errorf("schema table = %q", v)
	}
	ts := s.Field(cCreated).Type.(*arrow.TimestampType)
	if ts.Unit != arrow.Microsecond || ts.TimeZone != "UTC" {
		t.Errorf("timestamp type %v", ts)
	}
}

func TestBadLayouts(t *testing.T) {
	for name, mutate := range map[string]func(*layout.Table){
		"unknown type":     func(l *layout.Table) { l.Columns[1].Type = "int128" },
		"duplicate name":   func(l *layout.Table) { l.Columns[1].Name = "tenant" },
		"duplicate tag":    func(l *layout.Table) { l.Columns[1].Tag = 1 },
		"enum no values":   func(l *layout.Table) { l.Columns[cRole].Values = nil },
		"missing key col":  func(l *layout.Table) { l.Key[0].Name = "nope" },
		"float key":        func(l *layout.Table) { l.Key[0] = layout.KeyColumn{Name: "score", Type: "float64"} },
		"index on json":    func(l *layout.Table) { l.Indexes[0].Columns = []string{"meta"} },
		"index unknown co": func(l *layout.Table) { l.Indexes[0].Columns = []string{"nope"} },
	} {
		l := peopleLayout(1)
		l.Columns = append([]layout.Column(nil), l.Columns...)
		l.Key = append([]layout.KeyColumn(nil), l.Key...)
		l.Indexes = append([]layout.Index(nil), l.Indexes...)
		mutate(&l)
		if _, err := scan.ArrowSchema(&l, scan.Docs{}); err == nil || !strings.Contains(err.Error(), "test.people") {
			t.Errorf("%s: err = %v, want an error naming the table", name, err)
		}
	}
}

func sampleRows(n int) []row {
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{
			cTenant: "t", cSeq: int64(i), cRole: int32(i % 3), cActive: i%2 == 0,
			cCreated: epoch.Add(time.Duration(i) * time.Second), cCounter: uint64(i),
		}
		if i%4 == 0 {
			rows[i][cEmail] = "e" + string(rune('a'+i%26))
		}
	}
	return rows
}

func TestRequestValidation(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, sampleRows(3))
	l := peopleLayout(1)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, r := range map[string]scan.Request{
		"unknown column":   {Columns: []string{"emali"}},
		"duplicate column": {Columns: []string{"email", "email"}},
		"negative limit":   {Limit: -1},
		"negative batch":   {BatchSize: -2},
		"bad filter":       {Filter: &scan.Cmp{Column: "seq", Op: scan.OpEq, Value: "x"}},
		"json compare":     {Filter: &scan.Cmp{Column: "meta", Op: scan.OpEq, Value: "{}"}},
	} {
		rdr, err := p.Scan(ctx, r)
		if err == nil {
			rdr.Release()
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), "test.people") {
			t.Errorf("%s: error %q does not name the table", name, err)
		}
	}
	got := p.SupportsFilters([]scan.Expr{
		&scan.Cmp{Column: "seq", Op: scan.OpGt, Value: 1},
		&scan.Cmp{Column: "seq", Op: scan.OpGt, Value: "x"},
		&scan.IsNull{Column: "meta"},
		&scan.Prefix{Column: "seq", Prefix: "1"},
		nil,
	})
	want := []scan.Pushdown{scan.Exact, scan.Unsupported, scan.Exact, scan.Unsupported, scan.Unsupported}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("SupportsFilters[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestEmptyProjectionCountsRows(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, sampleRows(10))
	l := peopleLayout(1)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := p.Scan(context.Background(), scan.Request{Columns: []string{}, Filter: &scan.Cmp{Column: "role", Op: scan.OpEq, Value: "admin"}, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var n, batches int64
	for rdr.Next() {
		if rdr.RecordBatch().NumCols() != 0 {
			t.Fatalf("%d columns, want 0", rdr.RecordBatch().NumCols())
		}
		n += rdr.RecordBatch().NumRows()
		batches++
	}
	if rdr.Err() != nil || n != 4 || batches != 2 {
		t.Fatalf("rows %d in %d batches (err %v), want 4 rows (seq 0,3,6,9) in 2 batches", n, batches, rdr.Err())
	}
}

func TestCorruptRowNamesTableAndKey(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, sampleRows(3))
	key := append(store.RowPrefix(1), keyenc.AppendString(nil, "zz")...)
	if err := rawpebble.DB(db).Set(key, []byte{0x0a, 0x05, 'x'}, nil); err != nil { // tag 1 bytes, length 5, 1 byte
		t.Fatal(err)
	}
	l := peopleLayout(1)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := p.Scan(context.Background(), scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	for rdr.Next() {
	}
	var ce *store.CorruptError
	if !errors.As(rdr.Err(), &ce) || ce.Table != "test.people" || !strings.Contains(ce.Key, "7a7a") || !errors.Is(rdr.Err(), rowenc.ErrCorrupt) {
		t.Fatalf("err = %v, want a CorruptError for test.people naming key ...7a7a... wrapping rowenc.ErrCorrupt", rdr.Err())
	}
}

func TestEnumOutOfRangeIsCorrupt(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, nil)
	key := append(store.RowPrefix(1), keyenc.AppendString(nil, "x")...)
	if err := rawpebble.DB(db).Set(key, rowenc.AppendEnum(nil, 3, 7), nil); err != nil {
		t.Fatal(err)
	}
	l := peopleLayout(1)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := p.Scan(context.Background(), scan.Request{Columns: []string{"role"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if rdr.Next() || !errors.Is(rdr.Err(), rowenc.ErrCorrupt) || !strings.Contains(rdr.Err().Error(), "ordinal 7") {
		t.Fatalf("err = %v, want a corrupt-row error about ordinal 7", rdr.Err())
	}
}

func TestCancelStopsBetweenBatches(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, sampleRows(10))
	l := peopleLayout(1)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rdr, err := p.Scan(ctx, scan.Request{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() || rdr.RecordBatch().NumRows() != 2 {
		t.Fatal("first batch missing")
	}
	cancel()
	if rdr.Next() {
		t.Fatal("Next after cancel returned a batch")
	}
	if !errors.Is(rdr.Err(), context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", rdr.Err())
	}
}

func TestLayoutMismatch(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, sampleRows(1))
	l := peopleLayout(1)
	l.Columns = append([]layout.Column(nil), l.Columns...)
	l.Columns[cAge].Type = "int64"
	_, err := scan.NewProvider(db, &l, scan.Options{})
	var lm *store.LayoutMismatchError
	if !errors.As(err, &lm) || lm.Table != "test.people" {
		t.Fatalf("err = %v, want a LayoutMismatchError", err)
	}
}

// TestNoLeaks scans with a checked allocator: every Arrow buffer is freed
// whether the scan runs to the end, stops at the limit, or is released
// early.
func TestNoLeaks(t *testing.T) {
	db := openDB(t)
	load(t, db, 1, sampleRows(50))
	l := peopleLayout(1)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	p, err := scan.NewProvider(db, &l, scan.Options{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []scan.Request{{}, {Limit: 7, BatchSize: 3}, {BatchSize: 4}} {
		rdr, err := p.Scan(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		rdr.Next()
		if r.BatchSize != 4 {
			for rdr.Next() {
			}
		}
		rdr.Release()
	}
	mem.AssertSize(t, 0)
}
