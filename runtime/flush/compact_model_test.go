package flush_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestColdStreamModel is TestColdModel for a stream table (TTL one hour):
// random puts, deletes, flushes, compactions, expiries (the store's of hot
// rows and markers, the executor's of whole segments) and clock advances
// against a model, comparing after every step Get, Count, Scan and the
// union scan with the model's rows not past the TTL.
func TestColdStreamModel(t *testing.T) {
	for _, lay := range layouts {
		t.Run(lay.name, func(t *testing.T) { coldStreamModel(t, lay.o) })
	}
}

func coldStreamModel(t *testing.T, o *flush.Options) {
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	rapid.Check(t, func(rt *rapid.T) {
		var clock atomic.Pointer[time.Time]
		start := t0
		clock.Store(&start)
		now := func() time.Time { return *clock.Load() }
		db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: now})
		if err != nil {
			rt.Fatal(err)
		}
		defer db.Close()
		tbl, err := store.NewTable(db, eventSpec())
		if err != nil {
			rt.Fatal(err)
		}
		l := eventSpec().Layout
		p, err := scan.NewProvider(db, &l, scan.Options{})
		if err != nil {
			rt.Fatal(err)
		}
		e := newExecutor(t, db, t.TempDir(), o)
		owners := []string{"a", "b"}
		model := map[string]map[eventKey]string{"a": {}, "b": {}}
		live := func(k eventKey) bool { return !k.At.Before(now().Add(-l.TTL)) }
		rt.Repeat(map[string]func(*rapid.T){
			"put": func(rt *rapid.T) {
				o := rapid.SampledFrom(owners).Draw(rt, "owner")
				v := event{
					At:   now().Add(-time.Duration(rapid.IntRange(0, 50).Draw(rt, "age")) * time.Minute),
					ID:   rapid.SampledFrom([]string{"x", "y"}).Draw(rt, "id"),
					Note: fmt.Sprint(rapid.IntRange(0, 9).Draw(rt, "note")),
				}
				if err := tbl.WithScope(mustScope(t, o)).Put(&v); err != nil {
					rt.Fatal(err)
				}
				model[o][eventKey{v.At, v.ID}] = v.Note
			},
			"delete": func(rt *rapid.T) {
				o := rapid.SampledFrom(owners).Draw(rt, "owner")
				keys := keysOf(model[o])
				if len(keys) == 0 {
					return
				}
				k := rapid.SampledFrom(keys).Draw(rt, "key")
				if err := tbl.WithScope(mustScope(t, o)).Delete(k); err != nil && !errors.Is(err, store.ErrNotFound) {
					rt.Fatal(err)
				}
				delete(model[o], k)
			},
			"advance": func(rt *rapid.T) {
				at := now().Add(time.Duration(rapid.IntRange(1, 40).Draw(rt, "minutes")) * time.Minute)
				clock.Store(&at)
			},
			"flush": func(rt *rapid.T) {
				if _, err := e.Flush(context.Background(), p); err != nil {
					rt.Fatal(err)
				}
			},
			"compact": func(rt *rapid.T) {
				if _, err := e.Compact(context.Background(), p, nil); err != nil {
					rt.Fatal(err)
				}
			},
			"expire": func(rt *rapid.T) {
				if _, err := tbl.Expire(now().Add(-l.TTL), 0); err != nil {
					rt.Fatal(err)
				}
				if _, err := e.Expire(context.Background(), p); err != nil {
					rt.Fatal(err)
				}
				for _, o := range owners {
					for k := range model[o] {
						if !live(k) {
							delete(model[o], k)
						}
					}
				}
			},
			"": func(rt *rapid.T) {
				for _, o := range owners {
					w := tbl.WithScope(mustScope(t, o))
					var want []string
					for _, k := range keysOf(model[o]) {
						got, err := w.Get(k)
						switch {
						case live(k):
							if err != nil || got.Note != model[o][k] {
								rt.Fatalf("%s: Get(%v) = %+v, %v; want note %s", o, k, got, err, model[o][k])
							}
							want = append(want, k.ID+"|"+model[o][k]+"|")
						case !errors.Is(err, store.ErrNotFound):
							rt.Fatalf("%s: Get(%v) of an expired row = %+v, %v; want not found", o, k, got, err)
						}
					}
					if n, err := w.Count(w.All()); err != nil || n != len(want) {
						rt.Fatalf("%s: Count = %d, %v; want %d", o, n, err, len(want))
					}
					var scanned []string
					for v, err := range w.Scan(w.All(), store.ScanOptions{}) {
						if err != nil {
							rt.Fatal(err)
						}
						scanned = append(scanned, v.ID+"|"+v.Note+"|")
					}
					if !slices.Equal(scanned, want) {
						rt.Fatalf("%s: Scan = %v; want %v", o, scanned, want)
					}
					if got := scanAll(t, e, p.WithScope(mustScope(t, o)), scan.Request{Columns: []string{"id", "note"}}); !slices.Equal(got, want) {
						rt.Fatalf("%s: union scan = %v; want %v", o, got, want)
					}
				}
			},
		})
	})
}

// keysOf returns m's keys in the table's key order (event time, then id).
func keysOf(m map[eventKey]string) []eventKey {
	keys := make([]eventKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b eventKey) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return keys
}
