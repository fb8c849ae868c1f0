package isolation_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// owner draws owner ids meant to break a naive scope: prefixes of each
// other, the key encoding's escape (0x00), terminator (0x01) and escaped-nul
// (0xFF) bytes, separators, unicode, and arbitrary strings.
func owner() *rapid.Generator[string] {
	special := rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0x01, 0xFF, ':', '/', 'u', '1', '0'}), 1, 6)
	return rapid.OneOf(
		rapid.SampledFrom([]string{"u1", "u10", "u1\x00", "u1\x01", "u1\xff", "u1:", "u1/", "a:b", "a/b", "é", "日本"}),
		rapid.Map(special, func(b []byte) string { return string(b) }),
		rapid.StringN(1, 6, -1),
	)
}

// asText is an owner id as the value of a string column, which must be
// UTF-8: owner ids (scopes) may be any bytes, column text may not.
func asText(o string) string { return strings.ToValidUTF8(o, "\uFFFD") }

// openDB opens a fresh database; rapid runs many cases, each in its own
// directory, removed when the case ends.
func openDB(t *rapid.T) *store.DB { return openDBAt(t, nil) }

// openDBAt is openDB with the database clock now (store.Options.Now), which
// decides what a stream table's reads treat as expired.
func openDBAt(t *rapid.T, now func() time.Time) *store.DB {
	dir, err := os.MkdirTemp("", "isolation-*")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, &store.Options{NoSync: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
		_ = os.RemoveAll(dir)
	})
	return db
}

// tag is what a row carries to name its owner and version, so that a row
// returned to the wrong owner is recognised whatever the columns it shares.
func tag(owner string, n int) string { return fmt.Sprintf("%q|%d", owner, n) }

func collect[V any](t *rapid.T, seq func(func(V, error) bool)) []V {
	var out []V
	for v, err := range seq {
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		out = append(out, v)
	}
	return out
}

// filter draws a provider filter over chat.messages, often naming another
// owner (as sender, or as the prefix of the tagged content).
func filter(owners []string) *rapid.Generator[scan.Expr] {
	leaf := rapid.Custom(func(t *rapid.T) scan.Expr {
		o := rapid.SampledFrom(owners).Draw(t, "named")
		switch rapid.IntRange(0, 5).Draw(t, "leaf") {
		case 0:
			return &scan.Cmp{Column: "row_id", Op: rapid.SampledFrom([]scan.Op{scan.OpEq, scan.OpNe, scan.OpLt, scan.OpLe, scan.OpGt, scan.OpGe}).Draw(t, "op"), Value: rapid.Int64Range(0, 8).Draw(t, "id")}
		case 1:
			return &scan.Cmp{Column: "conversation_id", Op: scan.OpEq, Value: rapid.Int64Range(0, 3).Draw(t, "conv")}
		case 2:
			return &scan.Cmp{Column: "sender_id", Op: scan.OpEq, Value: asText(o)}
		case 3:
			return &scan.Prefix{Column: "content", Prefix: fmt.Sprintf("%q", o)}
		case 4:
			return &scan.IsNull{Column: "client_message_id", Not: rapid.Bool().Draw(t, "not")}
		default:
			return &scan.In{Column: "sender_id", Values: []any{asText(o), asText(owners[0])}}
		}
	})
	return rapid.OneOf(
		rapid.Just[scan.Expr](nil),
		leaf,
		rapid.Custom(func(t *rapid.T) scan.Expr {
			l, r := leaf.Draw(t, "l"), leaf.Draw(t, "r")
			switch rapid.IntRange(0, 2).Draw(t, "conn") {
			case 0:
				return &scan.And{L: l, R: r}
			case 1:
				return &scan.Or{L: l, R: r}
			}
			return &scan.Not{X: &scan.Or{L: l, R: r}}
		}),
	)
}

// scanContents runs a guarded scan and returns the content column.
func scanContents(t *rapid.T, g *scan.Guarded, r scan.ActorRequest, col string) ([]string, error) {
	r.Columns = []string{col}
	rd, err := g.Scan(context.Background(), r)
	if err != nil {
		return nil, err
	}
	defer rd.Release()
	var out []string
	for rd.Next() {
		c := rd.RecordBatch().Column(0).(*array.String)
		for i := 0; i < c.Len(); i++ {
			out = append(out, c.Value(i))
		}
	}
	return out, rd.Err()
}

// TestMessagesIsolation is the adversarial property test of the user table
// chat.messages: rapid draws owners and writes (with ids, conversations,
// senders and client ids shared across owners) and every read of every
// owner, through every API, must return exactly that owner's rows.
func TestMessagesIsolation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		db := openDB(t)
		root, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.For(""); err == nil {
			t.Fatal("For(\"\") succeeded; want an error")
		}
		owners := rapid.SliceOfNDistinct(owner(), 2, 4, rapid.ID[string]).Draw(t, "owners")
		if rapid.IntRange(0, 9).Draw(t, "long") == 0 {
			owners = append(owners, strings.Repeat(owners[0], 64<<10/len(owners[0])+1)) // ≥ 64 KiB, prefixed by another owner
		}
		stores := map[string]*chat.MessageOwnerStore{}
		model := map[string]map[int64]chat.Message{}
		for _, o := range owners {
			if stores[o], err = root.For(o); err != nil {
				t.Fatal(err)
			}
			model[o] = map[int64]chat.Message{}
		}
		clientIDs := []uuid.UUID{{1}, {2}, {3}}
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for n := range rapid.IntRange(1, 40).Draw(t, "writes") {
			o := rapid.SampledFrom(owners).Draw(t, "owner")
			m := chat.Message{
				RowID:          rapid.Int64Range(0, 8).Draw(t, "row_id"),
				ConversationID: rapid.Int64Range(0, 3).Draw(t, "conv"),
				SenderID:       asText(rapid.SampledFrom(owners).Draw(t, "sender")),
				Content:        tag(o, n),
				SentAt:         base.Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "sent")) * time.Second),
			}
			if rapid.Bool().Draw(t, "has client id") {
				u := rapid.SampledFrom(clientIDs).Draw(t, "client id")
				m.ClientMessageID = &u
			}
			if rapid.IntRange(0, 4).Draw(t, "delete") == 0 {
				if err := stores[o].Delete(chat.UserRowID(m.RowID)); err != nil {
					t.Fatal(err)
				}
				delete(model[o], m.RowID)
				continue
			}
			err := stores[o].Put(&m)
			clash := false
			if m.ClientMessageID != nil {
				for id, x := range model[o] {
					if id != m.RowID && x.ClientMessageID != nil && *x.ClientMessageID == *m.ClientMessageID {
						clash = true
					}
				}
			}
			var uv *store.UniqueViolationError
			switch {
			case clash && errors.As(err, &uv):
				continue
			case clash:
				t.Fatalf("Put of a client id %s already used by this owner = %v; want a unique violation", m.ClientMessageID, err)
			case err != nil:
				t.Fatalf("Put (no clash inside the owner; other owners' values must not count): %v", err)
			}
			model[o][m.RowID] = m
		}

		p, err := providerOf(db, chat.MessageSpec())
		if err != nil {
			t.Fatal(err)
		}
		g, err := scan.NewGuarded(p, access.PolicyOf(&messageLayout, ""))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, o := range owners {
			total += len(model[o])
			s := stores[o]
			mine := model[o]
			isMine := func(what string, m chat.Message) {
				w, ok := mine[m.RowID]
				if !ok || w.Content != m.Content {
					t.Fatalf("%s for owner %.20q returned row %d with content %.40q, not the owner's", what, o, m.RowID, m.Content)
				}
			}
			// Point reads of every key any owner holds.
			for id := range int64(9) {
				got, err := s.Get(chat.UserRowID(id))
				if _, ok := mine[id]; ok {
					if err != nil {
						t.Fatalf("Get(%d): %v", id, err)
					}
					isMine("Get", got)
				} else if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("owner %.20q: Get(%d) = %v, %v; want ErrNotFound", o, id, got.Content, err)
				}
				if has, err := s.Has(chat.UserRowID(id)); err != nil || has != (mine[id].Content != "") {
					t.Fatalf("owner %.20q: Has(%d) = %v, %v", o, id, has, err)
				}
			}
			// Every scan form.
			lo, hi := rapid.Int64Range(0, 9).Draw(t, "lo"), rapid.Int64Range(0, 9).Draw(t, "hi")
			for _, r := range []store.Range{s.All(), s.KeyRange(chat.UserRowID(lo), chat.UserRowID(hi))} {
				for _, rev := range []bool{false, true} {
					rows := collect(t, s.Scan(r, store.ScanOptions{Reverse: rev}))
					want := 0
					for id := range mine {
						if r.Start == nil || (id >= lo && id < hi) {
							want++
						}
					}
					if len(rows) != want {
						t.Fatalf("owner %.20q: Scan = %d rows; want %d", o, len(rows), want)
					}
					for _, m := range rows {
						isMine("Scan", m)
					}
					if n, err := s.Count(r); err != nil || n != want {
						t.Fatalf("owner %.20q: Count = %d, %v; want %d", o, n, err, want)
					}
				}
			}
			// Index lookups, and cursors taken from other owners' rows.
			for _, u := range clientIDs {
				got, err := s.GetByClientMessageID(u)
				if err == nil {
					isMine("GetByClientMessageID", got)
				} else if !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
			}
			for conv := range int64(4) {
				full := collect(t, s.ScanByConversation(conv, store.ScanOptions{}))
				for _, m := range full {
					isMine("ScanByConversation", m)
					if m.ConversationID != conv {
						t.Fatalf("ScanByConversation(%d) returned conversation %d", conv, m.ConversationID)
					}
				}
				for _, m := range collect(t, s.ScanByConversationRange(conv, conv+2, store.ScanOptions{Reverse: true})) {
					isMine("ScanByConversationRange", m)
				}
				// A cursor made by another owner's scan is refused, never
				// paged from: it names a position in that owner's rows.
				for _, other := range owners {
					if other == o {
						continue
					}
					var cur store.Cursor
					collect(t, stores[other].ScanByConversation(conv, store.ScanOptions{Limit: 1, Next: &cur}))
					var keyCur store.Cursor
					collect(t, stores[other].Scan(stores[other].All(), store.ScanOptions{Limit: 1, Next: &keyCur}))
					for what, seq := range map[string]iter.Seq2[chat.Message, error]{
						"ScanByConversation": s.ScanByConversation(conv, store.ScanOptions{After: cur}),
						"Scan":               s.Scan(s.All(), store.ScanOptions{After: keyCur}),
					} {
						if (what == "Scan" && keyCur.IsZero()) || (what != "Scan" && cur.IsZero()) {
							continue // the other owner has no rows there: a zero cursor
						}
						for m, err := range seq {
							if !errors.Is(err, store.ErrCursorMismatch) {
								t.Fatalf("owner %.20q: %s with a cursor of %.20q yielded %v, %v; want ErrCursorMismatch", o, what, other, m.Content, err)
							}
						}
					}
				}
			}
			// Guarded providers with any filter: a user (or service) acting as o sees only o's rows.
			for _, role := range []access.Role{access.RoleUser, access.RoleService, access.RoleDBA} {
				f := filter(owners).Draw(t, "filter")
				got, err := scanContents(t, g, scan.ActorRequest{Actor: access.Actor{UserID: o, Role: role}, Request: scan.Request{Filter: f}}, "content")
				if err != nil {
					t.Fatalf("guarded scan as %.20q (%s), filter %v: %v", o, role, f, err)
				}
				contents := map[string]bool{}
				for _, m := range mine {
					contents[m.Content] = true
				}
				for _, c := range got {
					if !contents[c] {
						t.Fatalf("guarded scan as %.20q (%s), filter %v returned %.40q, not one of the owner's rows", o, role, f, c)
					}
				}
				if f == nil && len(got) != len(mine) {
					t.Fatalf("guarded scan as %.20q: %d rows; want %d", o, len(got), len(mine))
				}
			}
			if _, err := scanContents(t, g, scan.ActorRequest{Actor: access.Actor{UserID: o, Role: access.RoleService}, AllOwners: true}, "content"); !isDenied(err) {
				t.Fatalf("AllOwners scan by a service actor = %v; want a *access.DeniedError", err)
			}
		}
		// Crossing owners: only explicitly, only for dba and system.
		for _, role := range []access.Role{access.RoleDBA, access.RoleSystem} {
			got, err := scanContents(t, g, scan.ActorRequest{Actor: access.Actor{UserID: "admin", Role: role}, AllOwners: true}, "content")
			if err != nil || len(got) != total {
				t.Fatalf("AllOwners scan as %s = %d rows, %v; want %d", role, len(got), err, total)
			}
		}
		n := 0
		for r, err := range root.AllOwners().Scan(store.ScanOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := model[r.Owner][r.Row.RowID]; !ok || w.Content != r.Row.Content {
				t.Fatalf("AllOwners().Scan returned row %d as %.20q's, which it is not", r.Row.RowID, r.Owner)
			}
			n++
		}
		if n != total {
			t.Fatalf("AllOwners().Scan = %d rows; want %d", n, total)
		}
		if _, err := store.OwnerScope(""); err == nil {
			t.Fatal("OwnerScope of an empty owner (the scope of an owner's provider) succeeded; want an error")
		}
		if _, err := scanContents(t, g, scan.ActorRequest{Actor: access.Actor{Role: access.RoleUser}}, "content"); !isDenied(err) {
			t.Fatalf("scan by an actor without user id = %v; want a *access.DeniedError", err)
		}
	})
}

func isDenied(err error) bool {
	var d *access.DeniedError
	return errors.As(err, &d)
}

// TestTypingEventsIsolation is the same property for the stream table
// chat.typing_events, plus its TTL: no read returns another owner's row or
// a row older than the TTL, before and after Expire.
func TestTypingEventsIsolation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		db := openDBAt(t, clock)
		base, err := chat.NewTypingEventStore(db)
		if err != nil {
			t.Fatal(err)
		}
		root := base.WithClock(clock)
		if _, err := root.For(""); err == nil {
			t.Fatal("For(\"\") succeeded; want an error")
		}
		owners := rapid.SliceOfNDistinct(owner(), 2, 4, rapid.ID[string]).Draw(t, "owners")
		type entry struct {
			ev   chat.TypingEvent
			live bool
		}
		model := map[string]map[string]entry{}
		stores := map[string]*chat.TypingEventOwnerStore{}
		for _, o := range owners {
			if stores[o], err = root.For(o); err != nil {
				t.Fatal(err)
			}
			model[o] = map[string]entry{}
		}
		cutoff := now.Add(-chat.TypingEventTTL)
		for n := range rapid.IntRange(1, 30).Draw(t, "writes") {
			o := rapid.SampledFrom(owners).Draw(t, "owner")
			age := time.Duration(rapid.IntRange(0, 60).Draw(t, "age")) * time.Second
			ev := chat.TypingEvent{
				OccurredAt:     now.Add(-age),
				ConversationID: rapid.Int64Range(0, 2).Draw(t, "conv"),
				UserID:         tag(o, n),
			}
			if err := stores[o].Put(&ev); err != nil {
				t.Fatal(err)
			}
			model[o][string(evKey(ev).AppendKey(nil))] = entry{ev, !ev.OccurredAt.Before(cutoff)}
		}
		p, err := providerOf(db, chat.TypingEventSpec())
		if err != nil {
			t.Fatal(err)
		}
		g, err := scan.NewGuarded(p, access.PolicyOf(&typingLayout, ""))
		if err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			total := 0
			for _, o := range owners {
				s := stores[o]
				live := 0
				for _, e := range model[o] {
					got, err := s.Get(evKey(e.ev))
					switch {
					case e.live && (err != nil || got.UserID != e.ev.UserID):
						t.Fatalf("%s: owner %.20q: Get(%v) = %v, %v; want its live row", when, o, evKey(e.ev), got.UserID, err)
					case !e.live && !errors.Is(err, store.ErrNotFound):
						t.Fatalf("%s: owner %.20q: Get of an expired row = %v, %v; want ErrNotFound", when, o, got.UserID, err)
					}
					if e.live {
						live++
					}
				}
				for _, other := range owners {
					for _, e := range model[other] {
						if _, mine := model[o][string(evKey(e.ev).AppendKey(nil))]; mine {
							continue
						}
						if ok, err := s.Has(evKey(e.ev)); err != nil || ok {
							t.Fatalf("%s: owner %.20q: Has(a key only %.20q holds) = %v, %v", when, o, other, ok, err)
						}
					}
				}
				total += live
				for _, rev := range []bool{false, true} {
					rows := collect(t, s.Scan(s.All(), store.ScanOptions{Reverse: rev}))
					rows = append(rows, collect(t, s.Scan(s.PrefixOccurredAt(now.Add(-40*time.Second)), store.ScanOptions{}))...)
					for _, ev := range rows {
						if e, ok := model[o][string(evKey(ev).AppendKey(nil))]; !ok || !e.live || e.ev.UserID != ev.UserID {
							t.Fatalf("%s: owner %.20q: Scan returned %v (%.40q): another owner's or expired", when, o, evKey(ev), ev.UserID)
						}
					}
				}
				if n, err := s.Count(s.All()); err != nil || n != live {
					t.Fatalf("%s: owner %.20q: Count = %d, %v; want %d", when, o, n, err, live)
				}
				got, err := scanContents(t, g, scan.ActorRequest{Actor: access.Actor{UserID: o, Role: access.RoleUser},
					Request: scan.Request{Filter: &scan.Cmp{Column: "occurred_at", Op: scan.OpGe, Value: now.Add(-time.Hour)}}}, "user_id")
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != live {
					t.Fatalf("%s: guarded scan as %.20q: %d rows; want %d live", when, o, len(got), live)
				}
				for _, u := range got {
					if !strings.HasPrefix(u, fmt.Sprintf("%q|", o)) {
						t.Fatalf("%s: guarded scan as %.20q returned %.40q", when, o, u)
					}
				}
			}
			all := 0
			for r, err := range root.AllOwners().Scan(store.ScanOptions{Reverse: true}) {
				if err != nil {
					t.Fatal(err)
				}
				if e, ok := model[r.Owner][string(evKey(r.Row).AppendKey(nil))]; !ok || !e.live {
					t.Fatalf("%s: AllOwners().Scan returned an expired or foreign row", when)
				}
				all++
			}
			if all != total {
				t.Fatalf("%s: AllOwners().Scan = %d rows; want %d", when, all, total)
			}
		}
		check("before Expire")
		if _, err := root.Expire(now); err != nil {
			t.Fatal(err)
		}
		check("after Expire")
	})
}

// TestProviderFiltersNamingOtherOwners pins one case explicitly: u1's scan
// with a filter that matches only u10's rows returns nothing, not u10's rows.
func TestProviderFiltersNamingOtherOwners(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"u1", "u10"} {
		s, err := root.For(o)
		if err != nil {
			t.Fatal(err)
		}
		m := chat.Message{RowID: 1, SenderID: o, Content: o}
		if err := s.Put(&m); err != nil {
			t.Fatal(err)
		}
	}
	p, err := providerOf(db, chat.MessageSpec())
	if err != nil {
		t.Fatal(err)
	}
	g, err := scan.NewGuarded(p, access.PolicyOf(&messageLayout, ""))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := g.Scan(context.Background(), scan.ActorRequest{
		Actor:   access.Actor{UserID: "u1", Role: access.RoleUser},
		Request: scan.Request{Filter: &scan.Cmp{Column: "sender_id", Op: scan.OpEq, Value: "u10"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	for rd.Next() {
		if n := rd.RecordBatch().NumRows(); n > 0 {
			t.Fatalf("u1's scan for sender u10 returned %d rows; want none", n)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(collectOwners(t, root), []string{"u1", "u10"}) {
		t.Fatal("AllOwners().Owners() does not list u1 and u10")
	}
}

func collectOwners(t *testing.T, root *chat.MessageStore) []string {
	var out []string
	for o, err := range root.AllOwners().Owners() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

func evKey(ev chat.TypingEvent) chat.TypingEventID {
	return chat.TypingEventID{OccurredAt: ev.OccurredAt, ConversationID: ev.ConversationID, UserID: ev.UserID}
}

// The layouts of the shipped tables, for their providers and policies.
var (
	messageLayout = chat.MessageSpec().Layout
	typingLayout  = chat.TypingEventSpec().Layout
)

// providerOf is the schema-driven provider of the table spec describes.
func providerOf[K, V any](db *store.DB, spec store.Spec[K, V]) (*scan.Provider, error) {
	return scan.NewProvider(db, &spec.Layout, scan.Options{})
}
