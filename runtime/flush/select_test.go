package flush_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/rowid"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// dated is the row of the selection tests: keyed by a runtime/rowid id,
// dated by a nullable timestamp.
type dated struct {
	ID int64
	At *time.Time
	N  int64
}

const datedTable = 41

// datedLayout is the table of kind; desc declares its key newest first.
func datedLayout(kind layout.Kind, desc ...bool) layout.Table {
	return layout.Table{
		ID: datedTable, Namespace: "test", Name: "events", Kind: kind,
		Key: []layout.KeyColumn{{Name: "id", Type: "int64", Desc: len(desc) > 0 && desc[0]}},
		Columns: []layout.Column{
			{Tag: 1, Name: "id", Type: "int64"},
			{Tag: 2, Name: "at", Type: "timestamp", Nullable: true},
			{Tag: 3, Name: "n", Type: "int64"},
		},
	}
}

func datedSpec(kind layout.Kind, desc bool) store.Spec[int64, dated] {
	appendKey, decodeKey := keyenc.AppendInt64, keyenc.DecodeInt64
	if desc {
		appendKey, decodeKey = keyenc.AppendInt64Desc, keyenc.DecodeInt64Desc
	}
	return store.Spec[int64, dated]{
		Layout:    datedLayout(kind, desc),
		AppendKey: func(dst []byte, k int64) []byte { return appendKey(dst, k) },
		DecodeKey: func(b []byte) (int64, error) { k, _, err := decodeKey(b); return k, err },
		KeyOf:     func(v *dated) int64 { return v.ID },
		AppendRow: func(dst []byte, v *dated) []byte {
			dst = rowenc.AppendInt64(dst, 1, v.ID)
			if v.At != nil {
				dst = rowenc.AppendTimestamp(dst, 2, *v.At)
			}
			return rowenc.AppendInt64(dst, 3, v.N)
		},
		DecodeRow: func(b []byte, v *dated, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.ID = d.Int64()
				case 2:
					at := d.Timestamp()
					v.At = &at
				case 3:
					v.N = d.Int64()
				}
			}
			return d.Err()
		},
	}
}

// selectNow is the executor's clock in the selection tests.
var selectNow = rowid.Epoch.Add(400 * 24 * time.Hour)

// TestSelectModel: for random rows of a user table (per owner) or a shared
// table (the whole table), keyed ascending or desc, and a random series of selections — older than a
// duration by a timestamp column or by the row id's time, all but the
// newest N by that column or by key order, a filter, and combinations —
// the rows each flush moves are exactly those a naive model selects, and
// afterwards every row still reads back through the typed API (Get and
// Count over hot and cold rows) with its values.
func TestSelectModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		kind := rapid.SampledFrom([]layout.Kind{layout.User, layout.Shared}).Draw(rt, "kind")
		// A key declared desc stores the newest id first; newest by key
		// order is still the largest id, so the model does not change.
		desc := rapid.Bool().Draw(rt, "desc")
		scopes := []string{""}
		if kind == layout.User {
			scopes = []string{"a", "b"}
		}
		db := openDB(t, t.TempDir())
		defer db.Close()
		tbl, err := store.NewTable(db, datedSpec(kind, desc))
		if err != nil {
			rt.Fatal(err)
		}
		l := datedLayout(kind, desc)
		p, err := scan.NewProvider(db, &l, scan.Options{})
		if err != nil {
			rt.Fatal(err)
		}
		e := newExecutor(t, db, t.TempDir(), &flush.Options{Now: func() time.Time { return selectNow }})
		scoped := func(o string) *store.Table[int64, dated] {
			if kind != layout.User {
				return tbl
			}
			s, err := store.OwnerScope(o)
			if err != nil {
				rt.Fatal(err)
			}
			return tbl.WithScope(s)
		}

		// The model: every row, and which are hot.
		rows := map[string]map[int64]dated{}
		hot := map[string]map[int64]bool{}
		for _, o := range scopes {
			rows[o], hot[o] = map[int64]dated{}, map[int64]bool{}
		}
		put := func(rt *rapid.T) {
			o := rapid.SampledFrom(scopes).Draw(rt, "owner")
			age := time.Duration(rapid.IntRange(0, 48).Draw(rt, "idAgeHours")) * time.Hour
			id := int64(rowid.First(selectNow.Add(-age))) + int64(rapid.IntRange(0, 3).Draw(rt, "idSeq"))
			v := dated{ID: id, N: int64(rapid.IntRange(0, 4).Draw(rt, "n"))}
			if rapid.IntRange(0, 4).Draw(rt, "null") > 0 {
				at := selectNow.Add(-time.Duration(rapid.IntRange(0, 48).Draw(rt, "atAgeHours")) * time.Hour).UTC()
				v.At = &at
			}
			if err := scoped(o).Put(&v); err != nil {
				rt.Fatal(err)
			}
			rows[o][id], hot[o][id] = v, true
		}
		for range rapid.IntRange(0, 30).Draw(rt, "rows") {
			put(rt)
		}
		for range rapid.IntRange(1, 3).Draw(rt, "flushes") {
			for range rapid.IntRange(0, 5).Draw(rt, "more") {
				put(rt)
			}
			sel := flush.Select{
				OlderThan:  time.Duration(rapid.SampledFrom([]int{0, 0, 1, 12, 24, 47}).Draw(rt, "olderThanHours")) * time.Hour,
				KeepNewest: rapid.SampledFrom([]int{0, 0, 1, 3, 100}).Draw(rt, "keepNewest"),
			}
			if (sel.OlderThan > 0 || sel.KeepNewest > 0) && rapid.Bool().Draw(rt, "byColumn") {
				sel.TimeColumn = "at"
			}
			var th int64 = -1
			if rapid.Bool().Draw(rt, "where") {
				th = int64(rapid.IntRange(0, 5).Draw(rt, "threshold"))
				sel.Where = &scan.Cmp{Column: "n", Op: scan.OpLt, Value: th}
			}
			want := map[string]map[int64]bool{}
			for _, o := range scopes {
				want[o] = modelSelect(rows[o], hot[o], sel, th)
			}
			if _, err := e.FlushSelect(context.Background(), p, sel); err != nil {
				rt.Fatalf("%+v: %v", sel, err)
			}
			for _, o := range scopes {
				for id := range want[o] {
					delete(hot[o], id)
				}
				got := hotIDs(rt, db, kind, desc, o)
				if w := sortedIDs(hot[o]); !slices.Equal(got, w) {
					rt.Fatalf("owner %q after a flush of %+v: hot rows %v, want %v (flushed %v)", o, sel, got, w, sortedIDs(want[o]))
				}
			}
		}
		for _, o := range scopes {
			st := scoped(o)
			if n, err := st.Count(st.All()); err != nil || n != len(rows[o]) {
				rt.Fatalf("owner %q: Count %d %v, want %d", o, n, err, len(rows[o]))
			}
			for id, v := range rows[o] {
				got, err := st.Get(id)
				if err != nil || renderDated(got) != renderDated(v) {
					rt.Fatalf("owner %q: Get(%d) = %s %v, want %s", o, id, renderDated(got), err, renderDated(v))
				}
			}
		}
	})
}

// modelSelect is the naive selection of sel among the hot rows of one
// owner: rank them newest last, drop the newest KeepNewest, and keep
// those every other condition holds for.
func modelSelect(rows map[int64]dated, hot map[int64]bool, sel flush.Select, th int64) map[int64]bool {
	var cand []dated
	for id := range hot {
		cand = append(cand, rows[id])
	}
	older := func(a, b dated) int { // a before b: a is older
		if sel.TimeColumn != "" {
			switch {
			case (a.At == nil) != (b.At == nil):
				if a.At == nil {
					return -1
				}
				return 1
			case a.At != nil && !a.At.Equal(*b.At):
				return a.At.Compare(*b.At)
			}
		}
		return cmp.Compare(a.ID, b.ID)
	}
	slices.SortFunc(cand, older)
	if sel.KeepNewest > 0 {
		cand = cand[:max(0, len(cand)-sel.KeepNewest)]
	}
	cutoff := selectNow.Add(-sel.OlderThan)
	out := map[int64]bool{}
	for _, v := range cand {
		switch {
		case sel.OlderThan > 0 && sel.TimeColumn != "" && (v.At == nil || !v.At.Before(cutoff)):
		case sel.OlderThan > 0 && sel.TimeColumn == "" && !rowid.ID(v.ID).Time().Before(cutoff):
		case th >= 0 && v.N >= th:
		default:
			out[v.ID] = true
		}
	}
	return out
}

// hotIDs reads the ids of owner o's hot rows straight from Pebble.
func hotIDs(t *rapid.T, db *store.DB, kind layout.Kind, desc bool, o string) []int64 {
	prefix := store.RowPrefix(datedTable)
	if kind == layout.User {
		s, err := store.OwnerScope(o)
		if err != nil {
			t.Fatal(err)
		}
		prefix = append(prefix, s...)
	}
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var ids []int64
	for ok := it.First(); ok; ok = it.Next() {
		decode := keyenc.DecodeInt64
		if desc {
			decode = keyenc.DecodeInt64Desc
		}
		id, _, err := decode(it.Key()[len(prefix):])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func sortedIDs(m map[int64]bool) []int64 {
	var ids []int64
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func renderDated(v dated) string {
	at := "NULL"
	if v.At != nil {
		at = v.At.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%d|%s|%d", v.ID, at, v.N)
}

// TestSelectRefusals: a table declared flush: never is refused naming the
// key, and a selection that cannot be applied says what to change.
func TestSelectRefusals(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	e := newExecutor(t, db, t.TempDir(), nil)
	provider := func(l layout.Table) *scan.Provider {
		p, err := scan.NewProvider(db, &l, scan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	never := datedLayout(layout.Shared)
	never.ID, never.Name, never.NeverFlush = 42, "refs", true
	keyed := datedLayout(layout.User)
	keyed.ID, keyed.Name = 43, "keyed"
	keyed.Key = []layout.KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "int64"}}
	for _, c := range []struct {
		l    layout.Table
		sel  flush.Select
		want string
	}{
		{never, flush.Select{}, "flush: test.refs is declared flush: never (the default of system and shared tables), so its rows stay hot; set flush: allowed in its YAML to flush it"},
		{keyed, flush.Select{OlderThan: time.Hour}, "the key (at timestamp, id int64) is not one int64 or uint64 row id column; name the timestamp column that dates a row"},
		{datedLayout(layout.User), flush.Select{OlderThan: time.Hour, TimeColumn: "n"}, `TimeColumn "n" is not a timestamp column`},
		{datedLayout(layout.User), flush.Select{TimeColumn: "at"}, "set one of them or drop TimeColumn"},
		{datedLayout(layout.User), flush.Select{KeepNewest: -1}, "KeepNewest -1 is negative"},
		{datedLayout(layout.User), flush.Select{OlderThan: -time.Hour}, "OlderThan -1h0m0s is negative"},
	} {
		_, err := e.FlushSelect(context.Background(), provider(c.l), c.sel)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c.sel, err, c.want)
		}
	}
	if due, why, err := e.Due(context.Background(), provider(never), flush.Policy{MaxRows: 1}); due || err != nil || why != "declared flush: never" {
		t.Errorf("Due of a flush: never table: %v %q %v", due, why, err)
	}
}
