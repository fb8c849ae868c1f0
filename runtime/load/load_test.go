package load_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/internal/reliability"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/load"
	"github.com/tablegen/tablegen/runtime/store"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sample returns owner's i-th message, every column exercised.
func sample(owner string, i int) chat.Message {
	m := chat.Message{RowID: int64(i) - 2, ConversationID: int64(i % 3), SenderID: owner, Role: chat.MessageRole(i % 3),
		Content: fmt.Sprintf("héllo %d, \"quoted\"", i), SentAt: epoch.Add(time.Duration(i) * time.Microsecond * 1001)}
	if i%2 == 0 {
		id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(owner+fmt.Sprint(i)))
		m.ClientMessageID = &id
		m.Attachments = []byte(fmt.Sprintf(`[{"name":"a%d"}]`, i))
		e := m.SentAt.Add(time.Hour)
		m.EditedAt = &e
	}
	return m
}

func ndjson(owner string, m chat.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"owner":%q,"row_id":%d,"conversation_id":%d,"sender_id":%q,"role":%q,"content":%q,"sent_at":%q`,
		owner, m.RowID, m.ConversationID, m.SenderID, m.Role.String(), m.Content, m.SentAt.Format(time.RFC3339Nano))
	if m.ClientMessageID != nil {
		fmt.Fprintf(&b, `,"client_message_id":%q,"attachments":%s,"edited_at":%q`, m.ClientMessageID.String(), m.Attachments, m.EditedAt.Format(time.RFC3339Nano))
	} else {
		b.WriteString(`,"attachments":null`)
	}
	b.WriteString("}\n")
	return b.String()
}

func csvRow(owner string, m chat.Message) string {
	cid, att, edited := "", "", ""
	if m.ClientMessageID != nil {
		cid, att, edited = m.ClientMessageID.String(), `"`+strings.ReplaceAll(string(m.Attachments), `"`, `""`)+`"`, m.EditedAt.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s,%d,%d,%s,%s,\"%s\",%s,%s,%s,%s\n", owner, m.RowID, m.ConversationID, m.SenderID, m.Role,
		strings.ReplaceAll(m.Content, `"`, `""`), att, cid, m.SentAt.Format(time.RFC3339Nano), edited)
}

const csvHeader = "owner,row_id,conversation_id,sender_id,role,content,attachments,client_message_id,sent_at,edited_at\n"

func newLoader(t *testing.T) (*store.DB, *load.Loader, *chat.MessageStore) {
	t.Helper()
	db, _ := reliability.OpenDB(t, &store.Options{})
	ld, err := load.New(db, chat.MessageSpec().Layout)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return db, ld, ms
}

// stored reads every message back with the generated store, by owner/row.
func stored(t *testing.T, ms *chat.MessageStore) map[string]chat.Message {
	t.Helper()
	out := map[string]chat.Message{}
	for o, err := range ms.AllOwners().Scan(store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%s/%d", o.Owner, o.Row.RowID)] = o.Row
	}
	return out
}

func same(a, b chat.Message) bool {
	return fmt.Sprintf("%v %v %v %s %v", a.RowID, a.ConversationID, a.SenderID, a.Role, a.Content) ==
		fmt.Sprintf("%v %v %v %s %v", b.RowID, b.ConversationID, b.SenderID, b.Role, b.Content) &&
		string(a.Attachments) == string(b.Attachments) && a.SentAt.Equal(b.SentAt) &&
		(a.ClientMessageID == nil) == (b.ClientMessageID == nil) && (a.ClientMessageID == nil || *a.ClientMessageID == *b.ClientMessageID) &&
		(a.EditedAt == nil) == (b.EditedAt == nil) && (a.EditedAt == nil || a.EditedAt.Equal(*b.EditedAt))
}

// TestLoadRoundTrip loads the same rows from NDJSON and from CSV: the
// generated store reads back exactly the rows written, in every owner, and
// Verify finds the index entries right.
func TestLoadRoundTrip(t *testing.T) {
	for _, format := range []string{"ndjson", "csv"} {
		t.Run(format, func(t *testing.T) {
			_, ld, ms := newLoader(t)
			want := map[string]chat.Message{}
			var in strings.Builder
			if format == "csv" {
				in.WriteString(csvHeader)
			}
			for _, owner := range []string{"alice", "bob"} {
				for i := range 30 {
					m := sample(owner, i)
					want[fmt.Sprintf("%s/%d", owner, m.RowID)] = m
					if format == "csv" {
						in.WriteString(csvRow(owner, m))
					} else {
						in.WriteString(ndjson(owner, m))
					}
				}
			}
			var n int
			var err error
			if format == "csv" {
				n, err = ld.CSV("in.csv", strings.NewReader(in.String()))
			} else {
				n, err = ld.NDJSON("in.ndjson", strings.NewReader(in.String()))
			}
			if err != nil || n != 60 {
				t.Fatalf("load: %d rows, %v", n, err)
			}
			got := stored(t, ms)
			if len(got) != len(want) {
				t.Fatalf("%d rows stored, want %d", len(got), len(want))
			}
			for k, w := range want {
				if g, ok := got[k]; !ok || !same(g, w) {
					t.Fatalf("row %s: stored %+v, want %+v", k, g, w)
				}
			}
			problems, err := ms.Verify()
			if err != nil || len(problems) > 0 {
				t.Fatalf("Verify: %v %v", problems, err)
			}
			// Through the unique index the generated code reads.
			alice, _ := ms.For("alice")
			m := sample("alice", 4)
			if g, err := alice.GetByClientMessageID(*m.ClientMessageID); err != nil || !same(g, m) {
				t.Fatalf("GetByClientMessageID: %+v %v", g, err)
			}
		})
	}
}

// TestLoadRejects: each bad value is an error naming file:line:column, and
// the failed load writes nothing, not even the good rows before it.
func TestLoadRejects(t *testing.T) {
	good := ndjson("alice", sample("alice", 1)) + ndjson("alice", sample("alice", 2))
	cases := []struct{ name, line, want string }{
		{"bad enum", `{"owner":"alice","row_id":9,"conversation_id":1,"sender_id":"a","role":"robot","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:role: "robot" is not one of the enum's values user, assistant, system`},
		{"int range", `{"owner":"alice","row_id":9223372036854775808,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:row_id: "9223372036854775808" is not an int64`},
		{"fraction", `{"owner":"alice","row_id":1.5,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:row_id:`},
		{"not nullable", `{"owner":"alice","row_id":9,"conversation_id":1,"sender_id":null,"role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:sender_id: null, but the column is not nullable`},
		{"missing", `{"owner":"alice","row_id":9,"conversation_id":1,"role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:sender_id: missing`},
		{"bad utf8", "{\"owner\":\"alice\",\"row_id\":9,\"conversation_id\":1,\"sender_id\":\"a\xff\",\"role\":\"user\",\"content\":\"x\",\"sent_at\":\"2026-01-01T00:00:00Z\"}", `in.ndjson:3: the line is not valid UTF-8`},
		{"bad time", `{"owner":"alice","row_id":9,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"yesterday"}`, `in.ndjson:3:sent_at: "yesterday" is not an RFC 3339 timestamp`},
		{"nanos", `{"owner":"alice","row_id":9,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00.000000001Z"}`, `in.ndjson:3:sent_at: "2026-01-01T00:00:00.000000001Z" has sub-microsecond precision`},
		{"bad uuid", `{"owner":"alice","row_id":9,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z","client_message_id":"nope"}`, `in.ndjson:3:client_message_id: "nope" is not a uuid`},
		{"unknown column", `{"owner":"alice","row_id":9,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z","colour":"red"}`, `in.ndjson:3:colour: chat.messages has no such column`},
		{"no owner", `{"row_id":9,"conversation_id":1,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:owner: missing`},
		{"wrong type", `{"owner":"alice","row_id":"9","conversation_id":true,"sender_id":"a","role":"user","content":"x","sent_at":"2026-01-01T00:00:00Z"}`, `in.ndjson:3:conversation_id: a bool where a int64 is wanted`},
		{"duplicate key", strings.TrimSpace(ndjson("alice", sample("alice", 1))), `in.ndjson:3: the same key as the row at in.ndjson:1`},
		{"not an object", `[1,2]`, `in.ndjson:3: not a JSON object`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ld, ms := newLoader(t)
			n, err := ld.NDJSON("in.ndjson", strings.NewReader(good+c.line+"\n"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load = %d, %v; want an error containing %q", n, err, c.want)
			}
			if got := stored(t, ms); len(got) != 0 {
				t.Fatalf("a failed load wrote %d rows", len(got))
			}
		})
	}
	t.Run("csv", func(t *testing.T) {
		_, ld, ms := newLoader(t)
		in := csvHeader + csvRow("alice", sample("alice", 1)) + "alice,7,1,a,user,x,,,not-a-time,\n"
		_, err := ld.CSV("in.csv", strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), `in.csv:3:sent_at: "not-a-time" is not an RFC 3339 timestamp`) {
			t.Fatalf("csv: %v", err)
		}
		in = csvHeader + "alice,7,1,a,user,x,\"[1,\",,2026-01-01T00:00:00Z,\n"
		if _, err = ld.CSV("in.csv", strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "in.csv:2:attachments: not valid JSON") {
			t.Fatalf("csv bad json: %v", err)
		}
		in = csvHeader + "alice,7,1,a,user,x,,,,\n"
		if _, err = ld.CSV("in.csv", strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "in.csv:2:sent_at: null, but the column is not nullable") {
			t.Fatalf("csv empty timestamp: %v", err)
		}
		if _, err = ld.CSV("in.csv", strings.NewReader("row_id,nope\n")); err == nil || !strings.Contains(err.Error(), "in.csv:1:nope: chat.messages has no such column") {
			t.Fatalf("csv header: %v", err)
		}
		if got := stored(t, ms); len(got) != 0 {
			t.Fatalf("failed loads wrote %d rows", len(got))
		}
	})
}

// TestLoadUniqueViolation: two input rows with one unique value, or one
// input row with the value of a stored row, fail the whole load, naming the
// input row.
func TestLoadUniqueViolation(t *testing.T) {
	_, ld, ms := newLoader(t)
	a := sample("alice", 2)
	b := sample("alice", 3)
	b.ClientMessageID, b.Attachments, b.EditedAt = a.ClientMessageID, a.Attachments, a.EditedAt
	_, err := ld.NDJSON("in.ndjson", strings.NewReader(ndjson("alice", a)+ndjson("alice", b)))
	if err == nil || !strings.Contains(err.Error(), "unique index by_client_message_id") || !strings.Contains(err.Error(), "the row at in.ndjson:2: unique index by_client_message_id: the row has the values of the row at in.ndjson:1") {
		t.Fatalf("duplicate unique value in the file: %v", err)
	}
	if got := stored(t, ms); len(got) != 0 {
		t.Fatalf("the failed load wrote %d rows", len(got))
	}
	if _, err := ld.NDJSON("first.ndjson", strings.NewReader(ndjson("alice", a))); err != nil {
		t.Fatal(err)
	}
	_, err = ld.NDJSON("second.ndjson", strings.NewReader(ndjson("alice", sample("alice", 5))+ndjson("alice", b)))
	if err == nil || !strings.Contains(err.Error(), "the row at second.ndjson:2: unique index by_client_message_id: the row has the values of the already stored row") {
		t.Fatalf("unique value of a stored row: %v", err)
	}
	if got := stored(t, ms); len(got) != 1 {
		t.Fatalf("%d rows after the failed load, want the 1 loaded before", len(got))
	}
	// The same value under another owner is no conflict: unique is per owner.
	if _, err := ld.NDJSON("bob.ndjson", strings.NewReader(ndjson("bob", b))); err != nil {
		t.Fatalf("bob's row with alice's client id: %v", err)
	}
}
