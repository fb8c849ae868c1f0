package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// tsRow is a row with a string key, a timestamp, a duration and bytes, for
// the value checks Put makes.
type tsRow struct {
	ID   string
	At   time.Time
	For  time.Duration
	Data []byte
}

func tsRowSpec(withIndex bool) Spec[string, tsRow] {
	s := Spec[string, tsRow]{
		Layout: layout.Table{ID: 40, Namespace: "test", Name: "events", Kind: "system",
			Key: []layout.KeyColumn{{Name: "id", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "id", Type: "string"},
				{Tag: 2, Name: "at", Type: "timestamp"},
				{Tag: 3, Name: "for", Type: "duration"},
				{Tag: 4, Name: "data", Type: "bytes"},
			}},
		AppendKey: keyenc.AppendString,
		DecodeKey: func(b []byte) (string, error) {
			s, rest, err := keyenc.DecodeString(b)
			if err == nil && len(rest) > 0 {
				err = fmt.Errorf("trailing bytes: %w", keyenc.ErrMalformed)
			}
			return s, err
		},
		KeyOf: func(v *tsRow) string { return v.ID },
		AppendRow: func(dst []byte, v *tsRow) []byte {
			dst = rowenc.AppendString(dst, 1, v.ID)
			dst = rowenc.AppendTimestamp(dst, 2, v.At)
			dst = rowenc.AppendDuration(dst, 3, v.For)
			return rowenc.AppendBytes(dst, 4, v.Data)
		},
		DecodeRow: func(b []byte, v *tsRow, _ *rowenc.Arena) error {
			*v = tsRow{}
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.ID = d.String()
				case 2:
					v.At = d.Timestamp()
				case 3:
					v.For = d.Duration()
				case 4:
					v.Data = d.Bytes()
				}
			}
			return d.Err()
		},
	}
	if withIndex {
		s.Layout.Indexes = []layout.Index{{ID: 1, Name: "by_at", Columns: []string{"at"}}}
		s.Indexes = []IndexSpec[tsRow]{{ID: 1, Name: "by_at", AppendValues: func(dst []byte, v *tsRow) ([]byte, bool) {
			return keyenc.AppendTimestamp(dst, v.At), true
		}}}
	}
	return s
}

// TestPutRefusesInvalidValues: Put, and Commit of a batch with such a put,
// refuse a string column holding bytes that are not UTF-8 and a timestamp
// outside the int64 microsecond range with an *InvalidValueError naming
// table, key, column and value, and write nothing; a valid row and the
// extreme durations are stored and read back exactly.
func TestPutRefusesInvalidValues(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		t.Run(fmt.Sprintf("indexed=%v", indexed), func(t *testing.T) {
			db, _ := openDB(t, nil)
			tbl, err := NewTable(db, tsRowSpec(indexed))
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
			good := []tsRow{
				{ID: "ok", At: at, For: time.Duration(1<<63 - 1), Data: []byte{0xff}},
				{ID: "min", At: at, For: time.Duration(-1 << 63)},
				{ID: "é"},
			}
			for i := range good {
				if err := tbl.Put(&good[i]); err != nil {
					t.Fatalf("put %q: %v", good[i].ID, err)
				}
				got, err := tbl.Get(good[i].ID)
				want := good[i]
				want.For = want.For.Truncate(time.Microsecond)
				if err != nil || !got.At.Equal(want.At) || got.For != want.For {
					t.Fatalf("get %q = %+v, %v; want %+v", good[i].ID, got, err, want)
				}
			}
			bad := []struct {
				row          tsRow
				column, text string
			}{
				{tsRow{ID: "a\xffb", At: at}, "id", `"a\xffb"`},
				{tsRow{ID: "far", At: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}, "at", "300000-01-01T00:00:00Z"},
				{tsRow{ID: "past", At: time.Date(-300000, 1, 1, 0, 0, 0, 0, time.UTC)}, "at", "-300000-01-01T00:00:00Z"},
			}
			for _, c := range bad {
				checkInvalid(t, "put", tbl.Put(&c.row), c.row.ID, c.column, c.text)
				b := db.NewBatch()
				tbl.PutIn(b, &tsRow{ID: "other"})
				tbl.PutIn(b, &c.row)
				checkInvalid(t, "batch", b.Commit(), c.row.ID, c.column, c.text)
				for _, k := range []string{c.row.ID, "other"} {
					if ok, err := tbl.Has(k); ok || err != nil {
						t.Errorf("%q: stored after a refused write (%v)", k, err)
					}
				}
			}
			if problems, err := tbl.Verify(); len(problems) > 0 || err != nil {
				t.Errorf("verify: %v %v", problems, err)
			}
		})
	}
}

func checkInvalid(t *testing.T, what string, err error, key, column, text string) {
	t.Helper()
	var ie *InvalidValueError
	if !errors.As(err, &ie) || ie.Table != "test.events" || ie.Column != column {
		t.Fatalf("%s %q: got %v, want an *InvalidValueError for column %s", what, key, err, column)
	}
	for _, s := range []string{"test.events", column, text} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: %q does not name %q", what, err, s)
		}
	}
}
