package flush_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// tick is a stream row of the hand-written expiring table: event time,
// id, and a note.
type tick struct {
	At   time.Time
	ID   string
	Note string
}

type tickKey struct {
	At time.Time
	ID string
}

// tickSpec is a stream table whose rows live for an hour.
func tickSpec(id uint32) store.Spec[tickKey, tick] {
	return store.Spec[tickKey, tick]{
		Layout: layout.Table{
			ID: id, Namespace: "test", Name: "ticks", Kind: layout.Stream, TTL: time.Hour,
			Key: []layout.KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "at", Type: "timestamp"},
				{Tag: 2, Name: "id", Type: "string"},
				{Tag: 3, Name: "note", Type: "string"},
			},
		},
		AppendKey: func(dst []byte, k tickKey) []byte {
			return keyenc.AppendString(keyenc.AppendTimestamp(dst, k.At), k.ID)
		},
		DecodeKey: func(b []byte) (tickKey, error) {
			var k tickKey
			var err error
			if k.At, b, err = keyenc.DecodeTimestamp(b); err != nil {
				return k, err
			}
			k.ID, _, err = keyenc.DecodeString(b)
			return k, err
		},
		KeyOf: func(v *tick) tickKey { return tickKey{v.At, v.ID} },
		AppendRow: func(dst []byte, v *tick) []byte {
			dst = rowenc.AppendTimestamp(dst, 1, v.At)
			dst = rowenc.AppendString(dst, 2, v.ID)
			return rowenc.AppendString(dst, 3, v.Note)
		},
		DecodeRow: func(b []byte, v *tick, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.At = d.Timestamp()
				case 2:
					v.ID = d.String()
				case 3:
					v.Note = d.String()
				}
			}
			return d.Err()
		},
	}
}

// TestFlushLeavesExpiredRowsForExpire checks flush's read path of the
// expiry rule (the layout's TTL at the database's clock): expired stream
// rows are not written to Parquet, stay in Pebble (hidden from every read)
// until Expire deletes them, and an owner with only expired rows gets no
// segment; union reads hide flushed rows once they expire too.
func TestFlushLeavesExpiredRowsForExpire(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return *clock.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	spec := tickSpec(700)
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	ages := map[string][]time.Duration{
		"a": {time.Second, time.Minute, 2 * time.Hour},
		"b": {time.Second, 3 * time.Hour},
		"c": {2 * time.Hour}, // nothing live
	}
	for o, as := range ages {
		scope, err := store.OwnerScope(o)
		if err != nil {
			t.Fatal(err)
		}
		for i, age := range as {
			v := tick{At: now.Add(-age), ID: o + string(rune('0'+i)), Note: age.String()}
			if err := tbl.WithScope(scope).Put(&v); err != nil {
				t.Fatal(err)
			}
		}
	}
	p := itemProvider(t, db, spec.Layout)
	e := newExecutor(t, db, t.TempDir(), nil)
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 || res.Deleted != 3 {
		t.Fatalf("flush wrote %d rows and deleted %d; want the 3 live rows", res.Rows, res.Deleted)
	}
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, s := range m.Segments {
		if s.Owner != nil && *s.Owner == "c" {
			t.Fatalf("owner c, whose rows have all expired, got segment %d", s.Seq)
		}
		rec := readParquet(t, filepath.Join(e.TableDir(&spec.Layout), s.File))
		notes := rec.Column(int(rec.Schema().FieldIndices("note")[0])).(*array.String)
		for i := range notes.Len() {
			files = append(files, notes.Value(i))
		}
		rec.Release()
	}
	slices.Sort(files)
	if want := []string{"1m0s", "1s", "1s"}; !slices.Equal(files, want) {
		t.Fatalf("Parquet files hold notes %v; want only the live rows %v", files, want)
	}
	// The expired rows are still hot, for Expire.
	hot := 0
	prefix := store.RowPrefix(spec.Layout.ID)
	it, err := rawpebble.DB(db).NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	for ok := it.SeekGE(prefix); ok && len(it.Key()) > len(prefix) && string(it.Key()[:len(prefix)]) == string(prefix); ok = it.Next() {
		hot++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if hot != 3 {
		t.Fatalf("%d hot rows after the flush; want the 3 expired ones left for Expire", hot)
	}
	if got := scanTexts(t, e, p, scan.Request{}, "note"); len(got) != 3 {
		t.Fatalf("union read = %v; want the 3 live rows", got)
	}
	// An hour on, every flushed row has expired and the union hides the
	// cold copies too.
	later := now.Add(time.Hour)
	clock.Store(&later)
	if got := scanTexts(t, e, p, scan.Request{}, "note"); len(got) != 0 {
		t.Fatalf("union read after every row expired = %v; want none", got)
	}
}
