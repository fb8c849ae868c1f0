package flight_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
)

// TestDoGetReadsColdRows is issue 19's "streams are hot + cold": a service
// that flushes (its executor attached to the DB) serves its flushed rows
// over DoGet, to the owner and across owners, filtered and limited as hot
// rows are; the ticket's hot_only reads the hot rows alone.
func TestDoGetReadsColdRows(t *testing.T) {
	f := newFixture(t, 40, flight.Options{})
	scanAs := func(token string, tk flight.Ticket) []string {
		t.Helper()
		r, err := f.client(t, token).Scan(context.Background(), tk)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := rows(r)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	tickets := []struct {
		token string
		tk    flight.Ticket
	}{
		{"tok-alice", flight.Ticket{Table: "chat.messages"}},
		{"tok-bob", flight.Ticket{Table: "chat.messages", Where: "conversation_id = 3", Columns: []string{"row_id", "content"}}},
		{"tok-dba", flight.Ticket{Table: "chat.messages", AllOwners: true, Limit: 70}},
		{"tok-ops", flight.Ticket{Table: "chat.messages", AllOwners: true, Where: "role = 'assistant'"}},
	}
	var before [][]string
	for _, c := range tickets {
		before = append(before, scanAs(c.token, c.tk))
	}
	l := chat.MessageSpec().Layout
	p, err := scan.NewProvider(f.db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := flush.New(f.db, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.FlushOwner(context.Background(), p, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.FlushOwner(context.Background(), p, "bob"); err != nil {
		t.Fatal(err)
	}
	for i, c := range tickets {
		if got := scanAs(c.token, c.tk); !slices.Equal(got, before[i]) {
			t.Errorf("ticket %+v as %s after the flush: %d rows, want the %d from before", c.tk, c.token, len(got), len(before[i]))
		}
	}
	hot := scanAs("tok-dba", flight.Ticket{Table: "chat.messages", AllOwners: true, HotOnly: true})
	if len(hot) != 40 {
		t.Errorf("hot_only across owners: %d rows, want carol's 40", len(hot))
	}
}
