package gen_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/generated/system"
	"github.com/tablegen/tablegen/runtime/store"
)

// These tests run the generated code of the repository's own schemas
// (generated/, which tablegen check keeps in step with the generator), so
// what they assert is the behaviour a user gets, not the text of a golden.

// TestEntityJSON checks that json.Marshal of a generated entity uses the
// column names and the text of enums, and that the JSON decodes back to
// the same row: bytes as base64, timestamps as RFC 3339, nulls as null.
func TestEntityJSON(t *testing.T) {
	sent := time.Date(2026, 3, 1, 12, 30, 0, 123456000, time.UTC)
	id := uuid.MustParse("0b5e8a62-5a8d-4c59-9f0e-1d2b3c4d5e6f")
	m := chat.Message{RowID: 7, ConversationID: 3, SenderID: "alan", Role: chat.MessageRoleAssistant,
		Content: "hi", Attachments: json.RawMessage(`[{"name":"a.png"}]`), ClientMessageID: &id, SentAt: sent}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"row_id":7,"conversation_id":3,"sender_id":"alan","role":"assistant","content":"hi",` +
		`"attachments":[{"name":"a.png"}],"client_message_id":"0b5e8a62-5a8d-4c59-9f0e-1d2b3c4d5e6f",` +
		`"sent_at":"2026-03-01T12:30:00.123456Z","edited_at":null}`
	if string(got) != want {
		t.Fatalf("json.Marshal(message) =\n%s\nwant\n%s", got, want)
	}
	var back chat.Message
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if back.Role != m.Role || !back.SentAt.Equal(sent) || back.EditedAt != nil || *back.ClientMessageID != id || string(back.Attachments) != string(m.Attachments) {
		t.Fatalf("round trip: got %+v, want %+v", back, m)
	}

	c := chat.Conversation{RowID: 1, Title: "t", Avatar: []byte{0xff, 0x00, 'A'}, CreatedAt: sent, UpdatedAt: sent}
	got, err = json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"avatar":"/wBB"`, `"settings":null`, `"member_count":0`, `"created_at":"2026-03-01T12:30:00.123456Z"`} {
		if !strings.Contains(string(got), part) {
			t.Errorf("json.Marshal(conversation) = %s, want it to contain %s", got, part)
		}
	}

	if err := json.Unmarshal([]byte(`{"role":"robot"}`), &back); err == nil || !strings.Contains(err.Error(), "valid values are user, assistant, system") {
		t.Errorf("unmarshal of an unknown enum value: err = %v, want one listing the valid values", err)
	}
}

// enumText is what the generated enum types share.
type enumText interface {
	String() string
	MarshalText() ([]byte, error)
}

// TestEnumText checks every value of generated enums: MarshalText gives
// the schema spelling, which String also gives, UnmarshalText and Parse<Enum>
// read it back; the first ordinal past the values is refused by
// MarshalText and shown as Type(n) by String.
func TestEnumText(t *testing.T) {
	check := func(t *testing.T, typ string, values []string, at func(int32) enumText, parse func(string) (int32, error), unmarshal func([]byte) (int32, error)) {
		for i, v := range values {
			e := at(int32(i))
			text, err := e.MarshalText()
			if err != nil || string(text) != v || e.String() != v {
				t.Errorf("%s(%d): MarshalText = %q, %v; String = %q; want %q", typ, i, text, err, e.String(), v)
			}
			if p, err := parse(v); err != nil || p != int32(i) {
				t.Errorf("Parse%s(%q) = %d, %v; want %d", typ, v, p, err, i)
			}
			if u, err := unmarshal(text); err != nil || u != int32(i) {
				t.Errorf("%s.UnmarshalText(%q) = %d, %v; want %d", typ, text, u, err, i)
			}
		}
		unknown := at(int32(len(values)))
		if text, err := unknown.MarshalText(); err == nil {
			t.Errorf("%s(%d).MarshalText() = %q, want an error", typ, len(values), text)
		}
		if s, want := unknown.String(), typ+"("; !strings.HasPrefix(s, want) {
			t.Errorf("%s(%d).String() = %q, want %s…)", typ, len(values), s, want)
		}
		if _, err := parse(strings.ToUpper(values[0])); err == nil {
			t.Errorf("Parse%s(%q) succeeded; spellings are exact", typ, strings.ToUpper(values[0]))
		}
	}
	t.Run("MessageRole", func(t *testing.T) {
		check(t, "MessageRole", []string{"user", "assistant", "system"},
			func(i int32) enumText { return chat.MessageRole(i) },
			func(s string) (int32, error) { v, err := chat.ParseMessageRole(s); return int32(v), err },
			func(b []byte) (int32, error) { var v chat.MessageRole; err := v.UnmarshalText(b); return int32(v), err })
	})
	t.Run("JobStatus", func(t *testing.T) {
		check(t, "JobStatus", []string{"new", "queued", "running", "completed", "failed", "cancelled"},
			func(i int32) enumText { return system.JobStatus(i) },
			func(s string) (int32, error) { v, err := system.ParseJobStatus(s); return int32(v), err },
			func(b []byte) (int32, error) { var v system.JobStatus; err := v.UnmarshalText(b); return int32(v), err })
	})
}

// TestEntityKey checks that Key returns the typed key of a row, composite
// keys included, so a row read from anywhere can be fetched or deleted
// without building its key by hand.
func TestEntityKey(t *testing.T) {
	db, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := system.NewTableStore(db)
	if err != nil {
		t.Fatal(err)
	}
	row := system.Table{NamespaceID: "billing", TableName: "invoices", SchemaVersion: 2}
	if k := row.Key(); k != (system.TableID{NamespaceID: "billing", TableName: "invoices"}) {
		t.Fatalf("Key() = %+v", k)
	}
	if err := tables.Put(&row); err != nil {
		t.Fatal(err)
	}
	got, err := tables.Get(row.Key())
	if err != nil || got.SchemaVersion != 2 {
		t.Fatalf("Get(row.Key()) = %+v, %v", got, err)
	}
	if err := tables.Delete(got.Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := tables.Get(row.Key()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete(got.Key()): err = %v, want store.ErrNotFound", err)
	}
	if k := (chat.Message{RowID: 9}).Key(); k != chat.UserRowID(9) {
		t.Fatalf("Message.Key() = %v, want 9", k)
	}
}

// TestTypedErrors checks that the errors of generated lookups and unique
// indexes show the values as the typed values the caller passed, never
// their key encoding.
func TestTypedErrors(t *testing.T) {
	db, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users, err := system.NewUserStore(db)
	if err != nil {
		t.Fatal(err)
	}
	email := "alan@example.com"
	alan := system.User{UserID: "u1", Username: "alan", Email: &email}
	if err := users.Put(&alan); err != nil {
		t.Fatal(err)
	}
	_, err = users.GetByEmail("grace@example.com")
	if want := `store: system.users: by_email = "grace@example.com": not found`; err == nil || err.Error() != want || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetByEmail of a missing email: err = %v, want %s wrapping store.ErrNotFound", err, want)
	}
	other := system.User{UserID: "u2", Username: "alan2", Email: &email}
	err = users.Put(&other)
	var uv *store.UniqueViolationError
	if want := `store: system.users: by_email = "alan@example.com" already belongs to row alan, cannot also belong to row alan2 (unique index); delete or change the existing row first`; !errors.As(err, &uv) || err.Error() != want {
		t.Errorf("Put of a second row with the same email: err = %v, want %s", err, want)
	}
}
