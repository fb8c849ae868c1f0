package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"google.golang.org/protobuf/encoding/protowire"
)

// item is the row of the upgrade tests' table. Its Spec is built from a
// Layout (itemSpec), the way generated code of one schema version would be:
// only the columns the layout declares are written and read, under the
// layout's tags and types, so two layouts give two "builds" of one table.
type item struct {
	ID     string
	Name   string
	Color  *string
	Size   int64
	Status int32
	Owner  *string
}

const itemsID = 7

// Index ids of the items table across versions.
const (
	ixColor = 1
	ixName  = 2
	ixSize  = 3
	ixOwner = 4
)

// itemsV1 is the first version: color and a by_color index, size int32.
func itemsV1() layout.Table {
	return layout.Table{
		ID: itemsID, Namespace: "test", Name: "items", Kind: "shared",
		Key: []layout.KeyColumn{{Name: "id", Type: "string"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "id", Type: "string"},
			{Tag: 2, Name: "name", Type: "string"},
			{Tag: 3, Name: "color", Type: "string", Nullable: true},
			{Tag: 4, Name: "size", Type: "int32"},
			{Tag: 5, Name: "status", Type: "enum", Values: []string{"draft", "live"}},
		},
		Indexes: []layout.Index{{ID: ixColor, Name: "by_color", Columns: []string{"color"}}},
	}
}

// itemsV2 is the next version: color retired (and its index dropped), size
// widened to int64, an enum value appended, owner added, and two new
// indexes (by_size, and by_owner: unique and sparse).
func itemsV2() layout.Table {
	return layout.Table{
		ID: itemsID, Namespace: "test", Name: "items", Kind: "shared",
		Key: []layout.KeyColumn{{Name: "id", Type: "string"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "id", Type: "string"},
			{Tag: 2, Name: "name", Type: "string"},
			{Tag: 4, Name: "size", Type: "int64"},
			{Tag: 5, Name: "status", Type: "enum", Values: []string{"draft", "live", "archived"}},
			{Tag: 6, Name: "owner", Type: "string", Nullable: true},
		},
		Indexes: []layout.Index{
			{ID: ixSize, Name: "by_size", Columns: []string{"size"}},
			{ID: ixOwner, Name: "by_owner", Columns: []string{"owner"}, Unique: true},
		},
	}
}

func itemSpec(l layout.Table) Spec[string, item] {
	cols := slices.Clone(l.Columns)
	typeOf := func(name string) string {
		for _, c := range cols {
			if c.Name == name {
				return c.Type
			}
		}
		return ""
	}
	s := Spec[string, item]{
		Layout:    l,
		AppendKey: func(dst []byte, k string) []byte { return keyenc.AppendString(dst, k) },
		DecodeKey: func(b []byte) (string, error) {
			k, rest, err := keyenc.DecodeString(b)
			if err == nil && len(rest) != 0 {
				err = fmt.Errorf("%d trailing bytes: %w", len(rest), keyenc.ErrMalformed)
			}
			return k, err
		},
		KeyOf: func(v *item) string { return v.ID },
		AppendRow: func(dst []byte, v *item) []byte {
			for _, c := range cols {
				tag := protoTag(c.Tag)
				switch c.Name {
				case "id":
					dst = rowenc.AppendString(dst, tag, v.ID)
				case "name":
					dst = rowenc.AppendString(dst, tag, v.Name)
				case "color":
					if v.Color != nil {
						dst = rowenc.AppendString(dst, tag, *v.Color)
					}
				case "size":
					if c.Type == "int32" {
						dst = rowenc.AppendInt32(dst, tag, int32(v.Size))
					} else {
						dst = rowenc.AppendInt64(dst, tag, v.Size)
					}
				case "status":
					dst = rowenc.AppendEnum(dst, tag, v.Status)
				case "owner":
					if v.Owner != nil {
						dst = rowenc.AppendString(dst, tag, *v.Owner)
					}
				}
			}
			return dst
		},
		DecodeRow: func(b []byte, v *item, _ *rowenc.Arena) error {
			*v = item{}
			d := rowenc.NewDecoder(b)
			for d.Next() {
				i := slices.IndexFunc(cols, func(c layout.Column) bool { return protoTag(c.Tag) == d.Tag() })
				if i < 0 {
					continue // a tag this version does not know: skipped
				}
				switch c := cols[i]; c.Name {
				case "id":
					v.ID = d.String()
				case "name":
					v.Name = d.String()
				case "color":
					s := d.String()
					v.Color = &s
				case "size":
					if c.Type == "int32" {
						v.Size = int64(d.Int32())
					} else {
						v.Size = d.Int64()
					}
				case "status":
					v.Status = d.Enum()
				case "owner":
					s := d.String()
					v.Owner = &s
				}
			}
			return d.Err()
		},
	}
	for _, ix := range l.Indexes {
		names := slices.Clone(ix.Columns)
		s.Indexes = append(s.Indexes, IndexSpec[item]{ID: ix.ID, Name: ix.Name, Unique: ix.Unique,
			AppendValues: func(dst []byte, v *item) ([]byte, bool) {
				for _, n := range names {
					switch n {
					case "name":
						dst = keyenc.AppendString(dst, v.Name)
					case "color":
						if v.Color == nil {
							return dst, false
						}
						dst = keyenc.AppendString(dst, *v.Color)
					case "size":
						if typeOf("size") == "int32" {
							dst = keyenc.AppendInt32(dst, int32(v.Size))
						} else {
							dst = keyenc.AppendInt64(dst, v.Size)
						}
					case "status":
						dst = keyenc.AppendEnum(dst, v.Status)
					case "owner":
						if v.Owner == nil {
							return dst, false
						}
						dst = keyenc.AppendString(dst, *v.Owner)
					}
				}
				return dst, true
			}})
	}
	return s
}

// protoTag converts a layout tag to a protowire field number.
func protoTag(t int32) protowire.Number { return protowire.Number(t) }

// testItem is row i of the fixtures: sizes repeat every 7 rows, colors every
// 3 (every fifth row has none).
func testItem(i int) item {
	it := item{ID: fmt.Sprintf("item-%05d", i), Name: fmt.Sprintf("name-%d", i), Size: int64(i % 7), Status: int32(i % 2)}
	if i%5 != 0 {
		it.Color = strp([]string{"red", "green", "blue"}[i%3])
	}
	return it
}

// fillItems writes n test items with the given layout's build, in batches.
func fillItems(t testing.TB, db *DB, l layout.Table, n int) {
	t.Helper()
	tbl, err := NewTable(db, itemSpec(l))
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	for i := range n {
		it := testItem(i)
		tbl.PutIn(b, &it)
		if b.Len() == 1000 {
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

// tb is what the assertion helpers need of a test: *testing.T, *testing.B
// and *rapid.T all have it.
type tb interface {
	Helper()
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	FailNow()
}

// reopen closes db (when not nil) and opens dir again with opts.
func reopen(t testing.TB, db *DB, dir string, opts *Options) *DB {
	t.Helper()
	if db != nil {
		if err := db.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Fatal(err)
		}
	}
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// keysUnder counts the raw Pebble keys with prefix.
func keysUnder(t testing.TB, db *DB, prefix []byte) int {
	t.Helper()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

// storedRecord reads the table's metadata record.
func storedRecord(t testing.TB, db *DB, id uint32) *layoutRecord {
	t.Helper()
	val, closer, err := db.pdb.Get(metaKey(id))
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	rec, err := parseRecord(val)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func rawRecord(t testing.TB, db *DB, id uint32) []byte {
	t.Helper()
	val, closer, err := db.pdb.Get(metaKey(id))
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	return bytes.Clone(val)
}

// assertIndexMatches checks index ix of tbl against a naive reference: every
// row with a (non-null) indexed value, ordered by encoded value, then key.
func assertIndexMatches[K any](t tb, tbl *Table[K, item], ixID uint32) {
	t.Helper()
	ix, err := tbl.index(ixID)
	if err != nil {
		t.Fatal(err)
	}
	type ref struct {
		vals []byte
		id   string
	}
	var want []ref
	for v, err := range tbl.Scan(Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if vals, ok := ix.AppendValues(nil, &v); ok {
			want = append(want, ref{vals, v.ID})
		}
	}
	slices.SortFunc(want, func(a, b ref) int { return cmp.Or(bytes.Compare(a.vals, b.vals), cmp.Compare(a.id, b.id)) })
	var got []string
	for v, err := range tbl.IndexScan(ixID, Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.ID)
	}
	wantIDs := make([]string, len(want))
	for i, r := range want {
		wantIDs[i] = r.id
	}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("index %s scan returned %d rows, the naive reference %d (first difference at %d)", ix.Name, len(got), len(wantIDs), firstDiff(got, wantIDs))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func assertVerified[K any](t tb, tbl *Table[K, item]) {
	t.Helper()
	problems, err := tbl.Verify()
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range problems {
		if i == 5 {
			t.Errorf("… %d problems in all", len(problems))
			break
		}
		t.Error(p.String())
	}
	if len(problems) > 0 {
		t.FailNow()
	}
}

// errCrash is what the tests' afterBatch hook returns to stop a backfill
// the way a crash would.
var errCrash = errors.New("simulated crash")
