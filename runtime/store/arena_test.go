package store

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// optRow is a row of nullable columns of several types, decoded the way
// generated code decodes (an owned decoder, the nullable values from the
// arena DecodeRow is given).
type optRow struct {
	ID    int64
	Note  *string
	Count *int64
	At    *time.Time
	Flag  *bool
	State *optState
}

type optState int32 // an enum-like named type: its values come from the int32 slab

func appendOptKey(dst []byte, k int64) []byte { return keyenc.AppendInt64(dst, k) }

func decodeOptKey(b []byte) (int64, error) {
	k, rest, err := keyenc.DecodeInt64(b)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("%d trailing bytes after the key: %w", len(rest), keyenc.ErrMalformed)
	}
	return k, err
}

func appendOpt(dst []byte, v *optRow) []byte {
	dst = rowenc.AppendInt64(dst, 1, v.ID)
	if v.Note != nil {
		dst = rowenc.AppendString(dst, 2, *v.Note)
	}
	if v.Count != nil {
		dst = rowenc.AppendInt64(dst, 3, *v.Count)
	}
	if v.At != nil {
		dst = rowenc.AppendTimestamp(dst, 4, *v.At)
	}
	if v.Flag != nil {
		dst = rowenc.AppendBool(dst, 5, *v.Flag)
	}
	if v.State != nil {
		dst = rowenc.AppendEnum(dst, 6, int32(*v.State))
	}
	return dst
}

func decodeOpt(b []byte, v *optRow, a *rowenc.Arena) error {
	*v = optRow{}
	d := rowenc.NewOwnedDecoder(b)
	for d.Next() {
		switch d.Tag() {
		case 1:
			v.ID = d.Int64()
		case 2:
			v.Note = rowenc.NewString(a, d.String())
		case 3:
			v.Count = rowenc.NewInt64(a, d.Int64())
		case 4:
			v.At = rowenc.NewTimestamp(a, d.Timestamp())
		case 5:
			v.Flag = rowenc.NewBool(a, d.Bool())
		case 6:
			v.State = rowenc.NewInt32(a, optState(d.Enum()))
		}
	}
	return d.Err()
}

func optSpec(id uint32) Spec[int64, optRow] {
	return Spec[int64, optRow]{
		Layout: layout.Table{ID: id, Namespace: "test", Name: fmt.Sprintf("opt%d", id), Kind: "system",
			Key: []layout.KeyColumn{{Name: "id", Type: "int64"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "id", Type: "int64"},
				{Tag: 2, Name: "note", Type: "string", Nullable: true},
				{Tag: 3, Name: "count", Type: "int64", Nullable: true},
				{Tag: 4, Name: "at", Type: "timestamp", Nullable: true},
				{Tag: 5, Name: "flag", Type: "bool", Nullable: true},
				{Tag: 6, Name: "state", Type: "enum", Nullable: true, Values: []string{"a", "b", "c"}},
			}},
		AppendKey: appendOptKey,
		DecodeKey: decodeOptKey,
		KeyOf:     func(v *optRow) int64 { return v.ID },
		AppendRow: appendOpt,
		DecodeRow: decodeOpt,
	}
}

func fullOptRow(i int64) optRow {
	note, count, at, flag, state := fmt.Sprintf("note %d", i), i*3, time.UnixMicro(i*1000).UTC(), i%2 == 0, optState(i%3)
	return optRow{ID: i, Note: &note, Count: &count, At: &at, Flag: &flag, State: &state}
}

// TestScanNullablesAllocatePerSlab checks that a scan gives the nullable
// values of its rows from its arena: a row with five nullable values set
// costs a fraction of an allocation, not five (one per pointer, as a
// decode that allocates each value makes).
func TestScanNullablesAllocatePerSlab(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; make test runs this test without it")
	}
	db, _ := openDB(t, noSync())
	tbl, err := NewTable(db, optSpec(1))
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for i := range int64(n) {
		r := fullOptRow(i)
		if err := tbl.Put(&r); err != nil {
			t.Fatal(err)
		}
	}
	var kept []optRow // the rows are kept, as a caller may, so that no value can live on the stack
	allocs := testing.AllocsPerRun(3, func() {
		kept = kept[:0]
		for v, err := range tbl.Scan(tbl.All(), ScanOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			kept = append(kept, v)
		}
	})
	if len(kept) != n {
		t.Fatalf("scan yielded %d rows; want %d", len(kept), n)
	}
	// One slab per 64 values of each of the five types and one row block
	// per 4 KiB of rows come to ~n/10; n/4 leaves room for the iterator's
	// own and still fails at one allocation per value.
	if allocs > n/4 {
		t.Errorf("a scan of %d rows with 5 nullable values each made %v allocations; want at most %d", n, allocs, n/4)
	}
}

// TestScanArenaRowsStayIntact checks, for random rows with random nulls,
// that the rows a scan decodes through its arena equal the rows Get decodes
// one by one (without an arena), and that rows kept during the scan are
// still intact when it has finished and after another scan and a rewrite
// of every row: no slot of the arena is handed out twice, and scans share
// none.
func TestScanArenaRowsStayIntact(t *testing.T) {
	db, _ := openDB(t, noSync())
	id := uint32(0)
	rapid.Check(t, func(rt *rapid.T) {
		id++
		tbl, err := NewTable(db, optSpec(id))
		if err != nil {
			rt.Fatal(err)
		}
		n := rapid.IntRange(0, 300).Draw(rt, "rows")
		want := map[int64]optRow{}
		for i := range int64(n) {
			full := fullOptRow(i)
			r := optRow{ID: i}
			if rapid.Bool().Draw(rt, "note") {
				r.Note = full.Note
			}
			if rapid.Bool().Draw(rt, "count") {
				r.Count = full.Count
			}
			if rapid.Bool().Draw(rt, "at") {
				r.At = full.At
			}
			if rapid.Bool().Draw(rt, "flag") {
				r.Flag = full.Flag
			}
			if rapid.Bool().Draw(rt, "state") {
				r.State = full.State
			}
			if err := tbl.Put(&r); err != nil {
				rt.Fatal(err)
			}
			want[i] = r
		}
		scanAll := func() []optRow {
			var rows []optRow
			for v, err := range tbl.Scan(tbl.All(), ScanOptions{}) {
				if err != nil {
					rt.Fatal(err)
				}
				rows = append(rows, v)
			}
			return rows
		}
		kept := scanAll()
		if len(kept) != n {
			rt.Fatalf("scan yielded %d rows; want %d", len(kept), n)
		}
		for _, r := range kept {
			got, err := tbl.Get(r.ID)
			if err != nil {
				rt.Fatal(err)
			}
			if !reflect.DeepEqual(r, got) || !reflect.DeepEqual(r, want[r.ID]) {
				rt.Fatalf("row %d: scanned %s, Get %s, put %s", r.ID, showOpt(r), showOpt(got), showOpt(want[r.ID]))
			}
		}
		// Another scan, and every row rewritten with all its values set:
		// neither may reach the rows kept from the first scan.
		again := scanAll()
		for i := range int64(n) {
			r := fullOptRow(i + 1000)
			r.ID = i
			if err := tbl.Put(&r); err != nil {
				rt.Fatal(err)
			}
		}
		_ = scanAll()
		for i, r := range kept {
			if !reflect.DeepEqual(r, want[r.ID]) || !reflect.DeepEqual(again[i], want[r.ID]) {
				rt.Fatalf("row %d changed after later scans: kept %s, second scan %s, put %s", r.ID, showOpt(r), showOpt(again[i]), showOpt(want[r.ID]))
			}
		}
	})
}

func showOpt(r optRow) string {
	s := fmt.Sprintf("{ID:%d", r.ID)
	if r.Note != nil {
		s += fmt.Sprintf(" Note:%q", *r.Note)
	}
	if r.Count != nil {
		s += fmt.Sprintf(" Count:%d", *r.Count)
	}
	if r.At != nil {
		s += fmt.Sprintf(" At:%v", *r.At)
	}
	if r.Flag != nil {
		s += fmt.Sprintf(" Flag:%v", *r.Flag)
	}
	if r.State != nil {
		s += fmt.Sprintf(" State:%d", *r.State)
	}
	return s + "}"
}
