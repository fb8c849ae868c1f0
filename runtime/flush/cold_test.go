package flush_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// ticket is the row of the hand-written table of the cold-tier tests: an
// owner-scoped table with a sparse unique index (an empty code has no
// entry) and a non-unique one.
type ticket struct {
	Seq    int64
	Code   string
	Tag    string
	Amount int64
}

const ticketTable = 40

func ticketLayout() layout.Table {
	return layout.Table{
		ID: ticketTable, Namespace: "test", Name: "tickets", Kind: layout.User,
		Key: []layout.KeyColumn{{Name: "seq", Type: "int64"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "seq", Type: "int64"},
			{Tag: 2, Name: "code", Type: "string"},
			{Tag: 3, Name: "tag", Type: "string"},
			{Tag: 4, Name: "amount", Type: "int64"},
		},
		Indexes: []layout.Index{
			{ID: 1, Name: "by_code", Columns: []string{"code"}, Unique: true},
			{ID: 2, Name: "by_tag", Columns: []string{"tag"}},
		},
	}
}

func ticketSpec() store.Spec[int64, ticket] {
	return store.Spec[int64, ticket]{
		Layout:    ticketLayout(),
		AppendKey: func(dst []byte, k int64) []byte { return keyenc.AppendInt64(dst, k) },
		DecodeKey: func(b []byte) (int64, error) { k, _, err := keyenc.DecodeInt64(b); return k, err },
		KeyOf:     func(v *ticket) int64 { return v.Seq },
		AppendRow: func(dst []byte, v *ticket) []byte {
			dst = rowenc.AppendInt64(dst, 1, v.Seq)
			dst = rowenc.AppendString(dst, 2, v.Code)
			dst = rowenc.AppendString(dst, 3, v.Tag)
			return rowenc.AppendInt64(dst, 4, v.Amount)
		},
		DecodeRow: func(b []byte, v *ticket, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.Seq = d.Int64()
				case 2:
					v.Code = d.String()
				case 3:
					v.Tag = d.String()
				case 4:
					v.Amount = d.Int64()
				}
			}
			return d.Err()
		},
		Indexes: []store.IndexSpec[ticket]{
			{ID: 1, Name: "by_code", Unique: true, AppendValues: func(dst []byte, v *ticket) ([]byte, bool) {
				if v.Code == "" {
					return dst, false
				}
				return keyenc.AppendString(dst, v.Code), true
			}},
			{ID: 2, Name: "by_tag", AppendValues: func(dst []byte, v *ticket) ([]byte, bool) {
				return keyenc.AppendString(dst, v.Tag), true
			}},
		},
	}
}

// tickets is one open database with the ticket table and an executor.
type tickets struct {
	db  *store.DB
	tbl *store.Table[int64, ticket]
	e   *flush.Executor
	p   *scan.Provider
}

func openTickets(t testing.TB) *tickets { return openTicketsWith(t, nil) }

// coveringTicketSpec is ticketSpec with by_tag covering: its entries keep
// their rows' copies across flushes and compactions.
func coveringTicketSpec() store.Spec[int64, ticket] {
	s := ticketSpec()
	s.Layout.Indexes[1].Covering = true
	return s
}

// layouts are the two cold layouts of user and stream tables: multi-owner
// files (the default) and per-owner Hive directories.
var layouts = []struct {
	name string
	o    *flush.Options
}{{"multi-owner", nil}, {"per-owner", &flush.Options{PartitionByOwner: true}}}

func openTicketsWith(t testing.TB, o *flush.Options) *tickets {
	return openTicketsSpec(t, o, ticketSpec())
}

func openTicketsSpec(t testing.TB, o *flush.Options, spec store.Spec[int64, ticket]) *tickets {
	t.Helper()
	db := openDB(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	l := spec.Layout
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &tickets{db: db, tbl: tbl, e: newExecutor(t, db, t.TempDir(), o), p: p}
}

func (x *tickets) owner(t testing.TB, o string) *store.Table[int64, ticket] {
	scope, err := store.OwnerScope(o)
	if err != nil {
		t.Fatal(err)
	}
	return x.tbl.WithScope(scope)
}

func (x *tickets) flush(t testing.TB) {
	t.Helper()
	if _, err := x.e.Flush(context.Background(), x.p); err != nil {
		t.Fatal(err)
	}
}

// TestColdUniqueHeld is issue 15 D4 and issue 17's opening example: after
// a flush, the unique value of a flushed row still belongs to it, so a
// resend with the same value is refused, the row is found by its unique
// value, and the table still counts it.
func TestColdUniqueHeld(t *testing.T) {
	x := openTickets(t)
	alice := x.owner(t, "alice")
	orig := ticket{Seq: 7, Code: "INV-2026-0007", Tag: "open", Amount: 100}
	if err := alice.Put(&orig); err != nil {
		t.Fatal(err)
	}
	x.flush(t)
	if n := countPrefix(t, x.db, store.RowPrefix(ticketTable)); n != 0 {
		t.Fatalf("%d hot rows after the flush; the test needs the row cold", n)
	}
	resend := ticket{Seq: 8, Code: "INV-2026-0007", Tag: "open", Amount: 100}
	var uv *store.UniqueViolationError
	if err := alice.Put(&resend); !errors.As(err, &uv) || uv.Index != "by_code" || uv.ExistingKey != "7" {
		t.Fatalf("Put of a resend whose unique value belongs to a flushed row: %v, want a UniqueViolationError naming row 7", err)
	}
	got, err := alice.GetUnique(1, &ticket{Code: "INV-2026-0007"})
	if err != nil || got != orig {
		t.Fatalf("GetUnique of the flushed row: %+v %v", got, err)
	}
	if n, err := alice.Count(alice.All()); err != nil || n != 1 {
		t.Fatalf("Count: %d %v, want 1", n, err)
	}
	if got := unionRows(t, x, "alice"); len(got) != 1 {
		t.Fatalf("union scan: %v, want the one row", got)
	}
	// Another owner's unique scope is its own.
	if err := x.owner(t, "bob").Put(&resend); err != nil {
		t.Fatal(err)
	}
}

// unionRows renders owner o's rows as the provider's union scan returns
// them.
func unionRows(t testing.TB, x *tickets, o string) []string {
	t.Helper()
	scope, err := store.OwnerScope(o)
	if err != nil {
		t.Fatal(err)
	}
	return scanAll(t, x.e, x.p.WithScope(scope), scan.Request{})
}

func renderTicket(v ticket) string {
	return fmt.Sprintf("%d|%s|%s|%d|", v.Seq, v.Code, v.Tag, v.Amount)
}

// ticketModel is the naive reference: per owner, seq → row.
type ticketModel map[string]map[int64]ticket

func (m ticketModel) sorted(o string) []ticket {
	var out []ticket
	for _, v := range m[o] {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// holder returns the seq of owner o's row with unique code c, if any.
func (m ticketModel) holder(o, c string) (int64, bool) {
	if c == "" {
		return 0, false
	}
	for s, v := range m[o] {
		if v.Code == c {
			return s, true
		}
	}
	return 0, false
}

var (
	ticketOwners = []string{"a", "b"}
	ticketCodes  = []string{"", "c0", "c1", "c2"}
	ticketTags   = []string{"x", "y"}
)

// TestColdModel drives random puts, updates, deletes, unique inserts,
// transactions, flushes, selective flushes (FlushSelect) and compactions against an in-memory model and, after every
// step, compares every typed read (Get, Has, Count, Scan forward, reverse
// and paged, IndexScan, GetUnique) and the provider's union scan with it:
// hot and cold rows are one table, hot winning, unique indexes held
// across tiers.
func TestColdModel(t *testing.T) {
	for _, lay := range layouts {
		t.Run(lay.name, func(t *testing.T) { coldModel(t, lay.o, ticketSpec()) })
		t.Run(lay.name+"/covering", func(t *testing.T) { coldModel(t, lay.o, coveringTicketSpec()) })
	}
}

func coldModel(t *testing.T, o *flush.Options, spec store.Spec[int64, ticket]) {
	rapid.Check(t, func(rt *rapid.T) {
		x := openTicketsSpec(t, o, spec)
		m := ticketModel{"a": {}, "b": {}}
		draw := func() (string, ticket) {
			o := rapid.SampledFrom(ticketOwners).Draw(rt, "owner")
			return o, ticket{
				Seq:    rapid.Int64Range(0, 7).Draw(rt, "seq"),
				Code:   rapid.SampledFrom(ticketCodes).Draw(rt, "code"),
				Tag:    rapid.SampledFrom(ticketTags).Draw(rt, "tag"),
				Amount: rapid.Int64Range(-5, 5).Draw(rt, "amount"),
			}
		}
		// put applies a put to the model, or reports the unique violation
		// the store must return.
		put := func(o string, v ticket) (violates bool) {
			if s, ok := m.holder(o, v.Code); ok && s != v.Seq {
				return true
			}
			m[o][v.Seq] = v
			return false
		}
		checkPut := func(err error, violates bool) {
			var uv *store.UniqueViolationError
			switch {
			case violates && !errors.As(err, &uv):
				rt.Fatalf("want a unique violation, got %v", err)
			case !violates && err != nil:
				rt.Fatal(err)
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"put": func(rt *rapid.T) {
				o, v := draw()
				violates := put(o, v)
				checkPut(x.owner(t, o).Put(&v), violates)
			},
			"create": func(rt *rapid.T) {
				o, v := draw()
				_, exists := m[o][v.Seq]
				err := x.owner(t, o).Create(&v)
				if exists {
					if !errors.Is(err, store.ErrExists) {
						rt.Fatalf("Create over row %d: %v, want ErrExists", v.Seq, err)
					}
					return
				}
				checkPut(err, put(o, v))
			},
			"delete": func(rt *rapid.T) {
				o, v := draw()
				delete(m[o], v.Seq)
				if err := x.owner(t, o).Delete(v.Seq); err != nil {
					rt.Fatal(err)
				}
			},
			"update": func(rt *rapid.T) {
				// Update in a transaction: read, change, write back, and
				// a second put; an error from fn writes nothing.
				o, v := draw()
				fail := rapid.Bool().Draw(rt, "fail")
				old, exists := m[o][v.Seq]
				err := x.db.Update(context.Background(), func(tx *store.Tx) error {
					w := x.owner(t, o).In(tx)
					err := w.Update(v.Seq, func(r *ticket) error { r.Amount++; return nil })
					if exists != (err == nil) {
						return fmt.Errorf("Update of row %d (exists %t): %v", v.Seq, exists, err)
					}
					if fail {
						return errBoom
					}
					return nil
				})
				switch {
				case fail && !errors.Is(err, errBoom):
					rt.Fatalf("failed transaction: %v", err)
				case !fail && err != nil:
					rt.Fatal(err)
				case !fail && exists:
					old.Amount++
					m[o][v.Seq] = old
				}
			},
			"flush": func(rt *rapid.T) {
				x.flush(t)
				if n := countPrefix(t, x.db, store.RowPrefix(ticketTable)); n != 0 {
					rt.Fatalf("%d hot rows after a flush of every row", n)
				}
			},
			"flushSome": func(rt *rapid.T) {
				// A selective flush: only rows with amount < th go cold.
				th := rapid.Int64Range(-5, 6).Draw(rt, "threshold")
				if _, err := x.e.FlushSelect(context.Background(), x.p, flush.Select{Where: &scan.Cmp{Column: "amount", Op: scan.OpLt, Value: th}}); err != nil {
					rt.Fatal(err)
				}
				for _, o := range ticketOwners {
					scope, _ := store.OwnerScope(o)
					for _, v := range m[o] {
						key := keyenc.AppendInt64(append(store.RowPrefix(ticketTable), scope...), v.Seq)
						_, closer, err := rawpebble.DB(x.db).Get(key)
						if err == nil {
							closer.Close()
							if v.Amount < th {
								rt.Fatalf("%s: row %d (amount %d) is still hot after a flush of amount < %d", o, v.Seq, v.Amount, th)
							}
						}
					}
				}
			},
			"compact": func(rt *rapid.T) { compactStep(t, rt, x) },
			"": func(rt *rapid.T) {
				for _, o := range ticketOwners {
					checkTickets(t, rt, x, m, o)
				}
				checkAllOwners(rt, x, m)
				// Entries, covering copies included, agree with the rows,
				// hot and flushed.
				if probs, err := x.tbl.Verify(); err != nil || len(probs) != 0 {
					rt.Fatalf("Verify: %v %v", probs, err)
				}
			},
		})
	})
}

var errBoom = errors.New("boom")

func collectTickets(rt *rapid.T, seq func(func(ticket, error) bool)) []ticket {
	var out []ticket
	for v, err := range seq {
		if err != nil {
			rt.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func checkTickets(t testing.TB, rt *rapid.T, x *tickets, m ticketModel, o string) {
	w := x.owner(t, o)
	want := m.sorted(o)
	for s := range int64(8) {
		v, ok := m[o][s]
		got, err := w.Get(s)
		switch {
		case ok && (err != nil || got != v):
			rt.Fatalf("%s: Get(%d) = %+v, %v; want %+v", o, s, got, err, v)
		case !ok && !errors.Is(err, store.ErrNotFound):
			rt.Fatalf("%s: Get(%d) = %+v, %v; want not found", o, s, got, err)
		}
		if has, err := w.Has(s); err != nil || has != ok {
			rt.Fatalf("%s: Has(%d) = %t, %v; want %t", o, s, has, err, ok)
		}
	}
	if n, err := w.Count(w.All()); err != nil || n != len(want) {
		rt.Fatalf("%s: Count = %d, %v; want %d", o, n, err, len(want))
	}
	if got := collectTickets(rt, w.Scan(w.All(), store.ScanOptions{})); !slices.Equal(got, want) {
		rt.Fatalf("%s: Scan = %+v; want %+v", o, got, want)
	}
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if got := collectTickets(rt, w.Scan(w.All(), store.ScanOptions{Reverse: true})); !slices.Equal(got, rev) {
		rt.Fatalf("%s: reverse Scan = %+v; want %+v", o, got, rev)
	}
	// Paging: pages of 3 by cursor, forward and reverse, give the same rows.
	for _, reverse := range []bool{false, true} {
		var paged []ticket
		var after store.Cursor
		for {
			page := collectTickets(rt, w.Scan(w.All(), store.ScanOptions{Reverse: reverse, After: after, Next: &after, Limit: 3}))
			paged = append(paged, page...)
			if len(page) < 3 {
				break
			}
		}
		wantPaged := want
		if reverse {
			wantPaged = rev
		}
		if !slices.Equal(paged, wantPaged) {
			rt.Fatalf("%s: paged Scan (reverse %t) = %+v; want %+v", o, reverse, paged, wantPaged)
		}
	}
	// Key range: seq in [2, 5).
	var inRange []ticket
	for _, v := range want {
		if v.Seq >= 2 && v.Seq < 5 {
			inRange = append(inRange, v)
		}
	}
	if got := collectTickets(rt, w.Scan(w.KeyRange(2, 5), store.ScanOptions{})); !slices.Equal(got, inRange) {
		rt.Fatalf("%s: Scan [2,5) = %+v; want %+v", o, got, inRange)
	}
	for _, tag := range ticketTags {
		var wantTag []ticket
		for _, v := range want {
			if v.Tag == tag {
				wantTag = append(wantTag, v)
			}
		}
		got := collectTickets(rt, w.IndexScan(2, w.PrefixRange(keyenc.AppendString(nil, tag)), store.ScanOptions{}))
		if !slices.Equal(got, wantTag) {
			rt.Fatalf("%s: IndexScan by_tag %q = %+v; want %+v", o, tag, got, wantTag)
		}
	}
	for _, c := range ticketCodes[1:] {
		s, ok := m.holder(o, c)
		got, err := w.GetUnique(1, &ticket{Code: c})
		switch {
		case ok && (err != nil || got != m[o][s]):
			rt.Fatalf("%s: GetUnique %q = %+v, %v; want %+v", o, c, got, err, m[o][s])
		case !ok && !errors.Is(err, store.ErrNotFound):
			rt.Fatalf("%s: GetUnique %q = %+v, %v; want not found", o, c, got, err)
		}
	}
	var wantRows []string
	for _, v := range want {
		wantRows = append(wantRows, renderTicket(v))
	}
	if got := unionRows(t, x, o); !slices.Equal(got, wantRows) {
		rt.Fatalf("%s: union scan = %v; want %v", o, got, wantRows)
	}
}

// checkAllOwners compares the cross-owner reads (ScanAllOwners, both
// directions, and Owners) with the model.
func checkAllOwners(rt *rapid.T, x *tickets, m ticketModel) {
	var want, owners []string
	for _, o := range ticketOwners { // sorted, and encoded owners sort the same
		for _, v := range m.sorted(o) {
			want = append(want, o+"/"+renderTicket(v))
		}
		if len(m[o]) > 0 {
			owners = append(owners, o)
		}
	}
	for _, reverse := range []bool{false, true} {
		var got []string
		for r, err := range x.tbl.ScanAllOwners(store.ScanOptions{Reverse: reverse}, nil) {
			if err != nil {
				rt.Fatal(err)
			}
			got = append(got, r.Owner+"/"+renderTicket(r.Row))
		}
		w := slices.Clone(want)
		if reverse {
			slices.Reverse(w)
		}
		if !slices.Equal(got, w) {
			rt.Fatalf("ScanAllOwners (reverse %t) = %v; want %v", reverse, got, w)
		}
	}
	var got []string
	for o, err := range x.tbl.Owners() {
		if err != nil {
			rt.Fatal(err)
		}
		got = append(got, o)
	}
	if !slices.Equal(got, owners) {
		rt.Fatalf("Owners = %v; want %v", got, owners)
	}
}

// event is the row of a hand-written stream table: keyed by event time
// and id, expiring after an hour.
type event struct {
	At   time.Time
	ID   string
	Note string
}

type eventKey struct {
	At time.Time
	ID string
}

func eventSpec() store.Spec[eventKey, event] {
	return store.Spec[eventKey, event]{
		Layout: layout.Table{
			ID: 41, Namespace: "test", Name: "events", Kind: layout.Stream, TTL: time.Hour,
			Key: []layout.KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "at", Type: "timestamp"},
				{Tag: 2, Name: "id", Type: "string"},
				{Tag: 3, Name: "note", Type: "string"},
			},
		},
		AppendKey: func(dst []byte, k eventKey) []byte {
			return keyenc.AppendString(keyenc.AppendTimestamp(dst, k.At), k.ID)
		},
		DecodeKey: func(b []byte) (eventKey, error) {
			at, rest, err := keyenc.DecodeTimestamp(b)
			if err != nil {
				return eventKey{}, err
			}
			id, _, err := keyenc.DecodeString(rest)
			return eventKey{at, id}, err
		},
		KeyOf: func(v *event) eventKey { return eventKey{v.At, v.ID} },
		AppendRow: func(dst []byte, v *event) []byte {
			dst = rowenc.AppendTimestamp(dst, 1, v.At)
			dst = rowenc.AppendString(dst, 2, v.ID)
			return rowenc.AppendString(dst, 3, v.Note)
		},
		DecodeRow: func(b []byte, v *event, _ *rowenc.Arena) error {
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

// TestColdTTL: flushed rows of a stream table expire like hot ones. Reads
// hide them past the TTL, and Expire removes their cold markers (counted
// with the hot rows it removes), after which no read, typed or union,
// returns them even on a view whose clock is turned back.
func TestColdTTL(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	// The database's clock: two hours back while the rows are written and
	// flushed (a flush leaves expired rows hot for Expire, so every row
	// must be live then), now afterwards.
	var clock atomic.Pointer[time.Time]
	flushedAt := now.Add(-2 * time.Hour)
	clock.Store(&flushedAt)
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return *clock.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tbl, err := store.NewTable(db, eventSpec())
	if err != nil {
		t.Fatal(err)
	}
	scope, _ := store.OwnerScope("alice")
	w := tbl.WithScope(scope).WithClock(func() time.Time { return now })
	for i := range 6 { // 0, 20, …, 100 minutes old
		v := event{At: now.Add(-time.Duration(i) * 20 * time.Minute), ID: fmt.Sprint(i), Note: "n"}
		if err := w.Put(&v); err != nil {
			t.Fatal(err)
		}
	}
	l := eventSpec().Layout
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newExecutor(t, db, t.TempDir(), nil)
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if n := countPrefix(t, db, store.RowPrefix(41)); n != 0 {
		t.Fatalf("%d hot rows after the flush", n)
	}
	clock.Store(&now)
	// 0, 20, 40 and 60 minutes old are live (60 is at the TTL); 80 and
	// 100 are past it.
	if n, err := w.Count(w.All()); err != nil || n != 4 {
		t.Fatalf("Count of flushed stream rows: %d %v, want 4 live", n, err)
	}
	if _, err := w.Get(eventKey{now.Add(-80 * time.Minute), "4"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of an expired flushed row: %v, want not found", err)
	}
	if v, err := w.Get(eventKey{now.Add(-20 * time.Minute), "1"}); err != nil || v.Note != "n" {
		t.Fatalf("Get of a live flushed row: %+v %v", v, err)
	}
	removed, err := tbl.Expire(now.Add(-time.Hour), 0)
	if err != nil || removed != 2 {
		t.Fatalf("Expire: %d %v, want the 2 expired flushed rows", removed, err)
	}
	if n := countPrefix(t, db, store.ColdPrefix(41)); n != 4 {
		t.Fatalf("%d cold markers after Expire, want 4", n)
	}
	past := tbl.WithScope(scope).WithClock(func() time.Time { return now.Add(-3 * time.Hour) })
	if n, err := past.Count(past.All()); err != nil || n != 4 {
		t.Fatalf("Count with the clock turned back after Expire: %d %v, want 4", n, err)
	}
	if got := scanAll(t, e, p, scan.Request{Columns: []string{"id"}}); len(got) != 4 {
		t.Fatalf("union scan after Expire: %v, want 4 rows", got)
	}
}
