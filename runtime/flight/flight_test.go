package flight_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/internal/reliability"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
	"github.com/tablegen/tablegen/runtime/where"
)

var messageColumns = []string{"row_id", "conversation_id", "sender_id", "role", "content", "attachments", "client_message_id", "sent_at", "edited_at"}

// whereLeaf draws one comparison of the where language on chat.messages.
func whereLeaf(t *rapid.T) string {
	n := rapid.IntRange(-2, 45).Draw(t, "n")
	switch rapid.IntRange(0, 10).Draw(t, "leaf") {
	case 0:
		return fmt.Sprintf("row_id < %d", n)
	case 1:
		return fmt.Sprintf("row_id >= %d", n)
	case 2:
		return fmt.Sprintf("conversation_id = %d", n%7)
	case 3:
		return fmt.Sprintf("role = '%s'", rapid.SampledFrom([]string{"user", "assistant", "system"}).Draw(t, "role"))
	case 4:
		return fmt.Sprintf("sender_id = '%s'", rapid.SampledFrom(owners).Draw(t, "sender"))
	case 5:
		return "sender_id IN ('alice', 'carol')"
	case 6:
		return fmt.Sprintf("content LIKE '%s says %d%%'", rapid.SampledFrom(owners).Draw(t, "who"), n%10)
	case 7:
		return "attachments IS NULL"
	case 8:
		return "client_message_id IS NOT NULL"
	case 9:
		return "edited_at IS NULL"
	}
	return fmt.Sprintf("sent_at >= '2026-01-01T00:%02d:00Z'", max(n, 0)%60)
}

func whereExpr(t *rapid.T, depth int) string {
	if depth == 0 || rapid.IntRange(0, 2).Draw(t, "kind") == 0 {
		return whereLeaf(t)
	}
	switch rapid.IntRange(0, 2).Draw(t, "op") {
	case 0:
		return "(" + whereExpr(t, depth-1) + " AND " + whereExpr(t, depth-1) + ")"
	case 1:
		return "(" + whereExpr(t, depth-1) + " OR " + whereExpr(t, depth-1) + ")"
	}
	return "NOT " + whereExpr(t, depth-1)
}

// TestDoGetMatchesInProcess is the differential test: a random ticket
// (projection, where filter, limit, batch size, owner) by a random actor
// gives over Flight exactly the rows and schema the in-process guarded scan
// gives the same actor, or both fail.
func TestDoGetMatchesInProcess(t *testing.T) {
	f := newFixture(t, 40, flight.Options{})
	clients := map[string]*flight.Client{}
	for tok := range tokens {
		clients[tok] = f.client(t, tok)
	}
	toks := slices.Sorted(func(yield func(string) bool) {
		for k := range tokens {
			if !yield(k) {
				return
			}
		}
	})
	g := f.tables["chat.messages"]
	rapid.Check(t, func(rt *rapid.T) {
		tok := rapid.SampledFrom(toks).Draw(rt, "token")
		actor := tokens[tok]
		tk := flight.Ticket{Table: "chat.messages"}
		switch rapid.IntRange(0, 3).Draw(rt, "cols") {
		case 0:
		case 1:
			tk.Columns = []string{}
		default:
			perm := rapid.Permutation(messageColumns).Draw(rt, "perm")
			tk.Columns = perm[:rapid.IntRange(1, len(perm)).Draw(rt, "ncols")]
		}
		if rapid.IntRange(0, 4).Draw(rt, "filtered") > 0 {
			tk.Where = whereExpr(rt, 2)
		}
		if rapid.Bool().Draw(rt, "limited") {
			tk.Limit = rapid.IntRange(1, 50).Draw(rt, "limit")
		}
		if rapid.Bool().Draw(rt, "batched") {
			tk.BatchSize = rapid.IntRange(1, 17).Draw(rt, "batch")
		}
		if actor.Role >= access.RoleDBA {
			switch rapid.IntRange(0, 2).Draw(rt, "scope") {
			case 0:
				tk.Owner = rapid.SampledFrom(owners).Draw(rt, "owner")
			case 1:
				tk.AllOwners = true
			}
		} else if rapid.Bool().Draw(rt, "own") {
			tk.Owner = actor.UserID
		}

		remote, err := clients[tok].Scan(context.Background(), tk)
		var got []string
		var gotErr error
		if err != nil {
			gotErr = err
		} else {
			got, _, gotErr = rows(remote)
		}

		// The model: the same request, in process.
		req := scan.ActorRequest{Actor: actor, AllOwners: tk.AllOwners, Request: scan.Request{Columns: tk.Columns, Limit: tk.Limit, BatchSize: tk.BatchSize}}
		if tk.Owner != "" {
			req.Actor.UserID = tk.Owner
		}
		if tk.Where != "" {
			e, err := where.Parse(tk.Where)
			if err != nil {
				rt.Fatalf("the generator wrote an unparsable filter %q: %v", tk.Where, err)
			}
			req.Filter = e
		}
		var want []string
		local, wantErr := g.Scan(context.Background(), req)
		if wantErr == nil {
			want, _, wantErr = rows(local)
		}
		if (gotErr == nil) != (wantErr == nil) {
			rt.Fatalf("ticket %s as %v: Flight error %v, in-process error %v", tk.Encode(), actor, gotErr, wantErr)
		}
		if !slices.Equal(got, want) {
			rt.Fatalf("ticket %s as %v: Flight returned %d rows, in process %d\nflight: %q\nlocal:  %q", tk.Encode(), actor, len(got), len(want), got, want)
		}
	})
}

// TestDoGetIsolation sends adversarial tickets and tokens: each gets a
// denial with the guard's reason, or only the actor's own rows.
func TestDoGetIsolation(t *testing.T) {
	f := newFixture(t, 10, flight.Options{})
	alice := f.client(t, "tok-alice")
	ctx := context.Background()
	scanRows := func(c *flight.Client, tk flight.Ticket) ([]string, error) {
		r, err := c.Scan(ctx, tk)
		if err != nil {
			return nil, err
		}
		got, _, err := rows(r)
		return got, err
	}
	wantCode := func(name string, err error, code codes.Code, text string) {
		t.Helper()
		if status.Code(err) != code || !strings.Contains(err.Error(), text) {
			t.Errorf("%s: error %v, want %v mentioning %q", name, err, code, text)
		}
	}

	_, err := scanRows(alice, flight.Ticket{Table: "chat.messages", Owner: "bob"})
	wantCode("another owner", err, codes.PermissionDenied, "only dba and system may read the rows of another owner")
	_, err = scanRows(alice, flight.Ticket{Table: "chat.messages", AllOwners: true})
	wantCode("all owners as a user", err, codes.PermissionDenied, "only dba and system may read across owners")
	_, err = scanRows(f.client(t, "tok-service"), flight.Ticket{Table: "chat.messages", Owner: "bob"})
	wantCode("another owner as a service", err, codes.PermissionDenied, "only dba and system")
	_, err = scanRows(alice, flight.Ticket{Table: "system.jobs"})
	wantCode("a system table as a user", err, codes.PermissionDenied, "needs role service or above")

	// Filters that name other owners' rows match none of them.
	for _, w := range []string{
		"sender_id = 'bob'",
		"content LIKE 'bob%' OR row_id >= 0",
		"NOT (content LIKE 'alice%')",
		"row_id >= 0 OR row_id < 0 OR row_id IS NULL",
	} {
		got, err := scanRows(alice, flight.Ticket{Table: "chat.messages", Where: w, Columns: []string{"content"}})
		if err != nil {
			t.Fatalf("where %q: %v", w, err)
		}
		for _, r := range got {
			if !strings.HasPrefix(r, "content=alice says") {
				t.Fatalf("where %q as alice returned another owner's row %q", w, r)
			}
		}
	}
	all, err := scanRows(alice, flight.Ticket{Table: "chat.messages", Columns: []string{"content"}})
	if err != nil || len(all) != 10 {
		t.Fatalf("alice's own rows: %d rows, %v; want 10", len(all), err)
	}

	// Crafted tickets.
	for name, raw := range map[string]string{
		"unknown field":   `{"table":"chat.messages","scope":"bob"}`,
		"not json":        `chat.messages`,
		"trailing data":   `{"table":"chat.messages"} {"table":"system.jobs"}`,
		"no table":        `{"owner":"alice"}`,
		"huge":            `{"table":"chat.messages","where":"` + strings.Repeat("(", flight.MaxTicketSize) + `"}`,
		"owner on shared": `{"table":"chat.conversations","owner":"alice"}`,
		"owner and all":   `{"table":"chat.messages","owner":"alice","all_owners":true}`,
		"bad filter":      `{"table":"chat.messages","where":"nope = 1"}`,
		"huge batches":    `{"table":"chat.messages","batch_size":1000000000}`,
		"negative limit":  `{"table":"chat.messages","limit":-1}`,
		"deep filter":     `{"table":"chat.messages","where":"` + strings.Repeat("NOT ", where.MaxDepth+5) + `row_id = 1"}`,
	} {
		_, err := rawDoGet(t, f.addr, "tok-alice", []byte(raw))
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
		}
	}
	_, err = scanRows(alice, flight.Ticket{Table: "chat.nope"})
	wantCode("unknown table", err, codes.NotFound, "chat.messages")

	// Forged, missing and malformed tokens get nothing, not even the list.
	for name, tok := range map[string]string{"forged": "tok-alicf", "empty": "", "dba prefix": "tok-dba "} {
		c := f.client(t, tok)
		_, err := scanRows(c, flight.Ticket{Table: "chat.conversations"})
		wantCode(name+" token DoGet", err, codes.Unauthenticated, "")
		_, err = c.Tables(ctx)
		wantCode(name+" token ListFlights", err, codes.Unauthenticated, "")
		err = c.Backup(ctx, filepath.Join(t.TempDir(), "b"))
		wantCode(name+" token backup", err, codes.Unauthenticated, "")
	}

	// A dba without a user id reads user tables across owners only.
	ops := f.client(t, "tok-ops")
	if got, err := scanRows(ops, flight.Ticket{Table: "chat.messages", AllOwners: true, Columns: []string{"row_id"}}); err != nil || len(got) != 30 {
		t.Fatalf("all owners as an id-less dba: %d rows, %v", len(got), err)
	}
	_, err = scanRows(ops, flight.Ticket{Table: "chat.messages"})
	wantCode("own rows as an id-less dba", err, codes.PermissionDenied, "the actor has no user id")
	if names, err := ops.Tables(ctx); err != nil || !slices.Contains(names, "chat.messages") {
		t.Fatalf("id-less dba's tables = %v, %v", names, err)
	}

	// Listing shows what the actor may read.
	names, err := alice.Tables(ctx)
	if err != nil || !slices.Equal(names, []string{"chat.conversations", "chat.messages", "chat.typing_events"}) {
		t.Fatalf("alice's tables = %v, %v", names, err)
	}
	names, err = f.client(t, "tok-service").Tables(ctx)
	if err != nil || slices.Contains(names, "system.audit_log") || !slices.Contains(names, "system.jobs") {
		t.Fatalf("service's tables = %v, %v; want system.jobs but not the dba-only system.audit_log", names, err)
	}
	names, err = f.client(t, "tok-dba").Tables(ctx)
	if err != nil || len(names) != len(f.tables) {
		t.Fatalf("dba's tables = %v, %v", names, err)
	}

	// Actions are for dba and system.
	err = alice.Backup(ctx, filepath.Join(t.TempDir(), "b"))
	wantCode("backup as a user", err, codes.PermissionDenied, "dba and system actors only")
	err = f.client(t, "tok-service").Backup(ctx, filepath.Join(t.TempDir(), "b"))
	wantCode("backup as a service", err, codes.PermissionDenied, "dba and system actors only")
	_, err = alice.Verify(ctx)
	wantCode("verify as a user", err, codes.PermissionDenied, "dba and system actors only")
}

// TestDoGetCancelFreesIterators: a client that reads one batch of a large
// scan and goes away ends the server's scan. The database is then closed
// while the server still runs: Close waits for every running scan and
// reports any iterator or snapshot left open, so it returning cleanly
// within the fixture's timeout shows the cancelled scan let go.
func TestDoGetCancelFreesIterators(t *testing.T) {
	f := newFixture(t, 3000, flight.Options{})
	c := f.client(t, "tok-dba")
	for range 3 {
		r, err := c.Scan(context.Background(), flight.Ticket{Table: "chat.messages", AllOwners: true, BatchSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Next() || r.RecordBatch().NumRows() != 10 {
			t.Fatalf("first batch: %v", r.Err())
		}
		r.Release() // the client goes away mid-scan
	}
	// Close with the server running: it waits for the three scans.
	closed := make(chan error, 1)
	go func() { closed <- f.db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close after cancelled scans: %v", err)
		}
	case <-time.After(reliability.CloseTimeout):
		t.Fatalf("Close did not return within %v: a cancelled scan still holds the database", reliability.CloseTimeout)
	}
	// The endpoint now reports the closed database, not a crash.
	r, err := c.Scan(context.Background(), flight.Ticket{Table: "chat.conversations"})
	if err == nil {
		_, _, err = rows(r)
	}
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("scan after Close: %v, want Unavailable", err)
	}
}

// TestBackupAction backs up over Flight as a dba and reads the copy.
func TestBackupAction(t *testing.T) {
	f := newFixture(t, 25, flight.Options{})
	dir := filepath.Join(t.TempDir(), "backup")
	c := f.client(t, "tok-dba")
	if err := c.Backup(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if err := c.Backup(context.Background(), dir); status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second backup into the same directory: %v", err)
	}
	db, err := store.Open(dir, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m, err := range ms.AllOwners().Scan(store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		want := message(m.Owner, int(m.Row.RowID))
		if m.Row.Content != want.Content {
			t.Fatalf("backed-up row %s/%d = %q, want %q", m.Owner, m.Row.RowID, m.Row.Content, want.Content)
		}
		n++
	}
	if n != 25*len(owners) {
		t.Fatalf("the backup holds %d messages, want %d", n, 25*len(owners))
	}
	if _, err := c.Verify(context.Background()); status.Code(err) != codes.Unimplemented {
		t.Fatalf("verify without a verifier: %v", err)
	}
	if _, err := c.Compact(context.Background(), "chat.messages"); status.Code(err) != codes.Unimplemented {
		t.Fatalf("compact without a compactor: %v", err)
	}
}

// TestCompactAction runs the service's compactor for a dba, on tables the
// endpoint serves only.
func TestCompactAction(t *testing.T) {
	var asked string
	f := newFixture(t, 5, flight.Options{Compact: func(_ context.Context, table string) (flight.CompactResult, error) {
		asked = table
		return flight.CompactResult{Rows: 7, Files: 1, Retired: 3, Bytes: 100}, nil
	}})
	c := f.client(t, "tok-dba")
	got, err := c.Compact(context.Background(), "chat.messages")
	if err != nil || got != (flight.CompactResult{Rows: 7, Files: 1, Retired: 3, Bytes: 100}) || asked != "chat.messages" {
		t.Fatalf("Compact = %+v, %v (asked %q)", got, err, asked)
	}
	if _, err := c.Compact(context.Background(), "chat.nope"); status.Code(err) != codes.NotFound {
		t.Fatalf("compact of a table not served: %v", err)
	}
}

// TestVerifyAction runs the service's verifier for a dba.
func TestVerifyAction(t *testing.T) {
	f := newFixture(t, 5, flight.Options{Verify: func(context.Context) ([]string, error) {
		return []string{"chat.messages: one problem"}, nil
	}})
	got, err := f.client(t, "tok-dba").Verify(context.Background())
	if err != nil || !slices.Equal(got, []string{"chat.messages: one problem"}) {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	if _, err := f.client(t, "tok-dba").Scan(context.Background(), flight.Ticket{Table: "chat.messages", Owner: "bob", Where: "row_id = 3"}); err != nil {
		t.Fatal(err)
	}
}

// TestNoGRPCInRuntime: the store and the packages beside it never compile
// gRPC; only this package (and what imports it) does. runtime/scan (and so
// the generated table packages) joins the list once its Parquet reading has
// moved to runtime/flush: pqarrow imports arrow/flight today.
func TestNoGRPCInRuntime(t *testing.T) {
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	for _, pkg := range []string{"../store", "../access", "../keyenc", "../rowenc", "../load"} {
		out, err := exec.Command(gobin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		if strings.Contains(string(out), "google.golang.org/grpc") {
			t.Errorf("%s depends on google.golang.org/grpc", pkg)
		}
	}
}
