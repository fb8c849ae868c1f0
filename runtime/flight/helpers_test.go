package flight_test

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/internal/reliability"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// owners of the fixture's user table.
var owners = []string{"alice", "bob", "carol"}

// tokens of the fixture: a user token per owner, a service, a dba.
var tokens = map[string]access.Actor{
	"tok-alice":   {UserID: "alice", Role: access.RoleUser},
	"tok-bob":     {UserID: "bob", Role: access.RoleUser},
	"tok-carol":   {UserID: "carol", Role: access.RoleUser},
	"tok-service": {UserID: "alice", Role: access.RoleService},
	"tok-dba":     {UserID: "admin", Role: access.RoleDBA},
	"tok-ops":     {Role: access.RoleDBA}, // a dba without a user id: every owner's rows only with all_owners
}

// tokenAuth is the fixture's AuthFunc: a constant-time lookup of known
// tokens, as a service would do.
func tokenAuth(_ context.Context, token string) (access.Actor, error) {
	for t, a := range tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return a, nil
		}
	}
	return access.Actor{}, errors.New("unknown token")
}

// fixture is a database with chat.messages (user), chat.conversations
// (shared, public) and system.jobs (system) behind a Flight endpoint on
// 127.0.0.1.
type fixture struct {
	db     *store.DB
	dir    string
	tables map[string]*scan.Guarded
	srv    *flight.Server
	addr   string
}

// newFixture fills messages with perOwner rows per owner and starts the
// server. The DB's cleanup (registered first, so it runs last) fails the
// test when an iterator or snapshot was left open.
func newFixture(t testing.TB, perOwner int, o flight.Options) *fixture {
	t.Helper()
	db, dir := reliability.OpenDB(t, &store.Options{})
	f := &fixture{db: db, dir: dir}
	fill(t, db, perOwner)
	f.tables = guardedTables(t, db)
	if o.Auth == nil {
		o.Auth = tokenAuth
	}
	o.DB = db
	srv, err := flight.NewServer(f.tables, o)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	f.srv, f.addr = srv, lis.Addr().String()
	return f
}

// guardedTables is what a service writes: every table's provider behind
// its access guard (the fixture's tables, as a catalog's Guarded).
func guardedTables(t testing.TB, db *store.DB) map[string]*scan.Guarded {
	t.Helper()
	tables, err := chat.Guarded(db)
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// message returns owner's i-th fixture message: values vary with i so that
// filters on every column select different rows, nullable columns are null
// one time in three.
func message(owner string, i int) chat.Message {
	m := chat.Message{
		RowID:          int64(i),
		ConversationID: int64(i % 7),
		SenderID:       owners[i%len(owners)],
		Role:           chat.MessageRole(i % 3),
		Content:        fmt.Sprintf("%s says %d", owner, i),
		SentAt:         epoch.Add(time.Duration(i) * time.Minute),
	}
	if i%3 != 0 {
		id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("%s/%d", owner, i)))
		m.ClientMessageID = &id
		m.Attachments = []byte(fmt.Sprintf(`[{"name":"f%d"}]`, i))
	}
	if i%4 == 0 {
		e := m.SentAt.Add(time.Second)
		m.EditedAt = &e
	}
	return m
}

func fill(t testing.TB, db *store.DB, perOwner int) {
	t.Helper()
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range owners {
		os, err := ms.For(owner)
		if err != nil {
			t.Fatal(err)
		}
		b := db.NewBatch()
		for i := range perOwner {
			m := message(owner, i)
			os.PutIn(b, &m)
			if b.Len() >= 1000 {
				if err := b.Commit(); err != nil {
					t.Fatal(err)
				}
				b = db.NewBatch()
			}
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := chat.NewConversationStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		c := chat.Conversation{RowID: int64(i), Title: fmt.Sprintf("c%d", i), CreatedBy: owners[i%3], MemberCount: int32(i), CreatedAt: epoch, UpdatedAt: epoch}
		if err := cs.Put(&c); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) client(t testing.TB, token string) *flight.Client {
	t.Helper()
	c, err := flight.Dial(f.addr, flight.ClientOptions{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// rows renders every row of rdr as one line of column=value cells, and
// releases it.
func rows(rdr array.RecordReader) ([]string, *arrow.Schema, error) {
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			var sb strings.Builder
			for j, c := range b.Columns() {
				fmt.Fprintf(&sb, "%s=%s ", b.ColumnName(j), c.ValueStr(i))
				if c.IsNull(i) {
					sb.WriteString("(null) ")
				}
			}
			out = append(out, sb.String())
		}
	}
	return out, rdr.Schema(), rdr.Err()
}
