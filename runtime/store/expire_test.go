package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/rowid"
	"pgregory.net/rapid"
)

// eventKey and event are a hand-written stream table in the shape the
// generator emits: the key starts with the ascending event time.
type eventKey struct {
	At time.Time
	ID string
}

type event struct {
	At   time.Time
	ID   string
	Note string
}

func appendEventKey(dst []byte, k eventKey) []byte {
	return keyenc.AppendString(keyenc.AppendTimestamp(dst, k.At), k.ID)
}

func decodeEventKey(b []byte) (eventKey, error) {
	var k eventKey
	var err error
	if k.At, b, err = keyenc.DecodeTimestamp(b); err != nil {
		return k, err
	}
	if k.ID, b, err = keyenc.DecodeString(b); err != nil {
		return k, err
	}
	if len(b) != 0 {
		return k, fmt.Errorf("%d trailing bytes", len(b))
	}
	return k, nil
}

func appendEvent(dst []byte, v *event) []byte {
	dst = rowenc.AppendTimestamp(dst, 1, v.At)
	dst = rowenc.AppendString(dst, 2, v.ID)
	return rowenc.AppendString(dst, 3, v.Note)
}

func decodeEvent(b []byte, v *event, _ *rowenc.Arena) error {
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
}

func eventSpec(id uint32, kind layout.Kind) Spec[eventKey, event] {
	return Spec[eventKey, event]{
		Layout: layout.Table{
			ID: id, Namespace: "test", Name: fmt.Sprintf("events%d", id), Kind: kind,
			Key: []layout.KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "at", Type: "timestamp"},
				{Tag: 2, Name: "id", Type: "string"},
				{Tag: 3, Name: "note", Type: "string"},
			},
		},
		AppendKey: appendEventKey,
		DecodeKey: decodeEventKey,
		KeyOf:     func(v *event) eventKey { return eventKey{v.At, v.ID} },
		AppendRow: appendEvent,
		DecodeRow: decodeEvent,
	}
}

// fataler is what the helpers need of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

func newEvents(t fataler, db *DB, id uint32) *Table[eventKey, event] {
	t.Helper()
	tbl, err := NewTable(db, eventSpec(id, "stream"))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func scoped[K, V any](t fataler, tbl *Table[K, V], owner string) *Table[K, V] {
	t.Helper()
	scope, err := OwnerScope(owner)
	if err != nil {
		t.Fatal(err)
	}
	return tbl.WithScope(scope)
}

// hostileOwners are owner ids chosen to break a naive scope encoding:
// prefixes of each other, separators, the escape and terminator bytes.
var hostileOwners = []string{"u1", "u10", "u1\x00", "u1\x00\x01", "u1\x01", "u\xff", "\xff\xff", "a:b", "a/b", "a", "é", "\x00"}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ownedEvent is one row of the model: owner + event.
type ownedEvent struct {
	owner string
	ev    event
}

// modelOrder sorts like the table: by encoded owner scope, then key.
func modelOrder(a, b ownedEvent) int {
	ka := appendEventKey(keyenc.AppendString(nil, a.owner), eventKey{a.ev.At, a.ev.ID})
	kb := appendEventKey(keyenc.AppendString(nil, b.owner), eventKey{b.ev.At, b.ev.ID})
	return bytes.Compare(ka, kb)
}

// expectAfterExpire is the naive reference of Expire: per owner, drop rows
// before cutoff, then keep the newest max (0 = all).
func expectAfterExpire(model map[string]ownedEvent, cutoff time.Time, max int) []ownedEvent {
	byOwner := map[string][]ownedEvent{}
	for _, r := range model {
		if !r.ev.At.Before(cutoff) {
			byOwner[r.owner] = append(byOwner[r.owner], r)
		}
	}
	var out []ownedEvent
	for _, rows := range byOwner {
		slices.SortFunc(rows, modelOrder)
		if max > 0 && len(rows) > max {
			rows = rows[len(rows)-max:]
		}
		out = append(out, rows...)
	}
	slices.SortFunc(out, modelOrder)
	return out
}

func allRows(t *rapid.T, tbl *Table[eventKey, event], o ScanOptions, floor []byte) []ownedEvent {
	var out []ownedEvent
	for r, err := range tbl.ScanAllOwners(o, floor) {
		if err != nil {
			t.Fatalf("ScanAllOwners: %v", err)
		}
		out = append(out, ownedEvent{r.Owner, r.Row})
	}
	return out
}

// TestExpireModel draws owners, rows, a cutoff and a cap, and checks Expire,
// the scoped TTL reads, ScanAllOwners and Owners against a naive model.
func TestExpireModel(t *testing.T) {
	db, _ := openDB(t, &Options{NoSync: true})
	var id atomic.Uint32
	id.Store(100)
	rapid.Check(t, func(t *rapid.T) {
		tbl := newEvents(t, db, id.Add(1))
		owners := rapid.SliceOfNDistinct(rapid.OneOf(rapid.SampledFrom(hostileOwners), rapid.StringN(1, 8, -1)), 1, 5, rapid.ID).Draw(t, "owners")
		model := map[string]ownedEvent{}
		for i, n := 0, rapid.IntRange(0, 40).Draw(t, "rows"); i < n; i++ {
			owner := rapid.SampledFrom(owners).Draw(t, "owner")
			ev := event{
				At:   epoch.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "sec")) * time.Second),
				ID:   rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "id"),
				Note: rapid.String().Draw(t, "note"),
			}
			if err := scoped(t, tbl, owner).Put(&ev); err != nil {
				t.Fatal(err)
			}
			model[string(appendEventKey(keyenc.AppendString(nil, owner), eventKey{ev.At, ev.ID}))] = ownedEvent{owner, ev}
		}
		cutoff := epoch.Add(time.Duration(rapid.IntRange(0, 110).Draw(t, "cutoff")) * time.Second)
		floor := keyenc.AppendTimestamp(nil, cutoff)

		// Before expiry, the TTL-filtered reads already hide old rows.
		live := expectAfterExpire(model, cutoff, 0)
		if got := allRows(t, tbl, ScanOptions{}, floor); !slices.Equal(got, live) {
			t.Fatalf("ScanAllOwners(floor) = %v; want %v", got, live)
		}
		rev := allRows(t, tbl, ScanOptions{Reverse: true}, floor)
		slices.Reverse(rev)
		if !slices.Equal(rev, live) {
			t.Fatalf("reverse ScanAllOwners(floor) = %v; want %v", rev, live)
		}
		for _, owner := range owners {
			var want []event
			for _, r := range live {
				if r.owner == owner {
					want = append(want, r.ev)
				}
			}
			s := scoped(t, tbl, owner)
			var got []event
			for v, err := range s.Scan(liveRangeFrom(Range{}, cutoff), ScanOptions{}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, v)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("owner %q: Scan(liveRangeFrom) = %v; want %v", owner, got, want)
			}
		}
		var wantOwners []string
		for _, r := range live {
			if !slices.Contains(wantOwners, r.owner) {
				wantOwners = append(wantOwners, r.owner)
			}
		}
		var gotOwners []string
		for o, err := range tbl.owners(floor) {
			if err != nil {
				t.Fatal(err)
			}
			gotOwners = append(gotOwners, o)
		}
		if !slices.Equal(gotOwners, wantOwners) {
			t.Fatalf("Owners(floor) = %q; want %q", gotOwners, wantOwners)
		}

		// Paging across owners with cursors returns every row once.
		limit := rapid.IntRange(1, 5).Draw(t, "limit")
		var paged []ownedEvent
		var after Cursor
		for {
			page := allRows(t, tbl, ScanOptions{Limit: limit, After: after, Next: &after}, nil)
			paged = append(paged, page...)
			if len(page) < limit {
				break
			}
		}
		if want := expectAfterExpire(model, time.Time{}, 0); !slices.Equal(paged, want) {
			t.Fatalf("paged ScanAllOwners = %v; want %v", paged, want)
		}

		max := rapid.IntRange(0, 4).Draw(t, "max")
		want := expectAfterExpire(model, cutoff, max)
		n, err := tbl.Expire(cutoff, max)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(model)-len(want) {
			t.Fatalf("Expire removed %d rows; want %d", n, len(model)-len(want))
		}
		if got := allRows(t, tbl, ScanOptions{}, nil); !slices.Equal(got, want) {
			t.Fatalf("after Expire(%v, %d): %v; want %v", cutoff, max, got, want)
		}
		if n, err := tbl.Expire(cutoff, max); err != nil || n != 0 {
			t.Fatalf("second Expire = %d, %v; want 0, nil", n, err)
		}
	})
}

// TestExpireScopedView checks that Expire on an owner's view touches only
// that owner.
func TestExpireScopedView(t *testing.T) {
	db, _ := openDB(t, &Options{NoSync: true})
	tbl := newEvents(t, db, 1)
	for _, owner := range []string{"u1", "u10"} {
		ev := event{At: epoch, ID: "x"}
		if err := scoped(t, tbl, owner).Put(&ev); err != nil {
			t.Fatal(err)
		}
	}
	n, err := scoped(t, tbl, "u1").Expire(epoch.Add(time.Hour), 0)
	if err != nil || n != 1 {
		t.Fatalf("Expire(u1) = %d, %v; want 1, nil", n, err)
	}
	if ok, err := scoped(t, tbl, "u10").Has(eventKey{epoch, "x"}); err != nil || !ok {
		t.Fatalf("u10's row after expiring u1: Has = %v, %v; want true", ok, err)
	}
}

func TestExpireRefuses(t *testing.T) {
	db, _ := openDB(t, &Options{NoSync: true})
	if _, err := OwnerScope(""); err == nil {
		t.Fatal("OwnerScope(\"\") succeeded; want an error")
	}
	shared, err := NewTable(db, eventSpec(2, "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Expire(epoch, 0); err == nil || !strings.Contains(err.Error(), "owner-partitioned") {
		t.Fatalf("Expire on a shared table = %v; want an error naming owner-partitioned tables", err)
	}
	for _, err := range shared.ScanAllOwners(ScanOptions{}, nil) {
		if err == nil || !strings.Contains(err.Error(), "owner-partitioned") {
			t.Fatalf("ScanAllOwners on a shared table = %v; want an error", err)
		}
	}
	jobs := newJobs(t, db, 3, true)
	if _, err := jobs.Expire(epoch, 0); err == nil {
		t.Fatal("Expire on a table keyed by a string succeeded; want an error")
	}
	events := newEvents(t, db, 4)
	if _, err := events.Expire(epoch, -1); err == nil {
		t.Fatal("Expire with a negative cap succeeded; want an error")
	}
	for _, err := range scoped(t, events, "u1").ScanAllOwners(ScanOptions{}, nil) {
		if err == nil || !strings.Contains(err.Error(), "owner-scoped view") {
			t.Fatalf("ScanAllOwners on a scoped view = %v; want an error", err)
		}
	}
	for _, err := range scoped(t, events, "u1").Owners() {
		if err == nil {
			t.Fatal("Owners on a scoped view succeeded; want an error")
		}
	}
}

func TestExpirer(t *testing.T) {
	if _, err := StartExpirer(0, func(time.Time) (int, error) { return 0, nil }, ExpirerOptions{}); err == nil {
		t.Fatal("StartExpirer(0) succeeded; want an error")
	}
	db, _ := openDB(t, &Options{NoSync: true})
	tbl := newEvents(t, db, 1)
	ev := event{At: epoch, ID: "x"}
	if err := scoped(t, tbl, "u1").Put(&ev); err != nil {
		t.Fatal(err)
	}
	removed := make(chan int, 100)
	stop, err := StartExpirer(time.Millisecond, func(now time.Time) (int, error) { return tbl.Expire(now, 0) },
		ExpirerOptions{Now: func() time.Time { return epoch.Add(time.Minute) }, OnRun: func(n int, err error) {
			if err == nil {
				removed <- n
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if n := <-removed; n != 1 {
		t.Fatalf("first run removed %d rows; want 1", n)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop = %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("second stop = %v", err)
	}

	// Failures are reported by stop even without OnRun.
	boom := errors.New("boom")
	ran := make(chan struct{}, 1)
	stop, err = StartExpirer(time.Millisecond, func(time.Time) (int, error) {
		select {
		case ran <- struct{}{}:
		default:
		}
		return 0, boom
	}, ExpirerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-ran
	if err := stop(); !errors.Is(err, boom) {
		t.Fatalf("stop = %v; want an error wrapping boom", err)
	}
	// goleak in TestMain checks that no expirer goroutine is left.
}

// TestMarkSurvivesRestart checks that the store's mark is durable and that
// a rowid.Generator on it never reissues ids after the DB is reopened.
func TestMarkSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clock := epoch
	now := func() time.Time { return clock }
	var last rowid.ID
	for round := range 3 {
		db, err := Open(dir, &Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		m, err := db.Mark("test/node-0")
		if err != nil {
			t.Fatal(err)
		}
		g, err := rowid.New(rowid.Options{Mark: m, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			id, err := g.Next()
			if err != nil {
				t.Fatal(err)
			}
			if id <= last {
				t.Fatalf("round %d: id %d after %d; ids must keep increasing across restarts", round, id, last)
			}
			last = id
		}
		if v, err := m.Load(); err != nil || v <= int64(0) {
			t.Fatalf("Load = %d, %v; want the saved lease", v, err)
		}
		clock = clock.Add(-time.Second) // even a clock that steps back cannot repeat ids
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, _ := openDB(t, &Options{NoSync: true})
	if _, err := db.Mark(""); err == nil {
		t.Fatal("Mark(\"\") succeeded; want an error")
	}
	m, err := db.Mark("fresh")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := m.Load(); err != nil || v != 0 {
		t.Fatalf("Load of a new mark = %d, %v; want 0", v, err)
	}
	if err := db.pdb.Set(m.key, []byte("bad"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Load of a damaged mark = %v; want an error", err)
	}
}
