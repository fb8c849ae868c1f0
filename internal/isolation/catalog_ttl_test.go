package isolation_test

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/generated/catalog"
	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestCatalogHidesExpiredRows checks the catalog's read paths of the
// expiry rule: the generated catalog's plain provider (Lookup) and its
// guarded one (Guarded, built from the layouts, no TTL option) of the
// stream table chat.typing_events hide rows older than the layout's TTL at
// the database's clock.
func TestCatalogHidesExpiredRows(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := chat.NewTypingEventStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"u1", "u2"} {
		ow, err := s.For(o)
		if err != nil {
			t.Fatal(err)
		}
		for i, age := range []time.Duration{time.Second, chat.TypingEventTTL + time.Second, time.Hour} {
			ev := chat.TypingEvent{OccurredAt: now.Add(-age), ConversationID: int64(i), UserID: o}
			if err := ow.Put(&ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, err := catalog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	count := func(r array.RecordReader, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Release()
		n := 0
		for r.Next() {
			n += int(r.RecordBatch().NumRows())
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p, ok := c.Lookup("chat.typing_events")
	if !ok {
		t.Fatal("no chat.typing_events in the catalog")
	}
	if n := count(p.Scan(context.Background(), scan.Request{})); n != 2 {
		t.Fatalf("catalog provider scan = %d rows; want the 2 live ones", n)
	}
	guarded, err := c.Guarded()
	if err != nil {
		t.Fatal(err)
	}
	g := guarded["chat.typing_events"]
	if n := count(g.Scan(context.Background(), scan.ActorRequest{Actor: access.Actor{UserID: "u1", Role: access.RoleUser}})); n != 1 {
		t.Fatalf("catalog guarded scan as u1 = %d rows; want 1", n)
	}
	if n := count(g.Scan(context.Background(), scan.ActorRequest{Actor: access.Actor{UserID: "d", Role: access.RoleDBA}, AllOwners: true})); n != 2 {
		t.Fatalf("catalog guarded AllOwners scan = %d rows; want 2", n)
	}
}
