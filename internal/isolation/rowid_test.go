package isolation_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/runtime/rowid"
	"github.com/tablegen/tablegen/runtime/store"
)

// newMessageIDs returns a row id generator for chat.messages whose
// high-water mark lives in db's metadata keyspace, so ids survive restarts
// together with the rows they were given to.
func newMessageIDs(db *store.DB, now func() time.Time) (*rowid.Generator, error) {
	mark, err := db.Mark("chat.messages/node-0")
	if err != nil {
		return nil, err
	}
	return rowid.New(rowid.Options{Node: 0, Mark: mark, Now: now})
}

// Example_rowIDs feeds chat.messages with ids from a rowid.Generator whose
// mark is kept in the same database.
func Example_rowIDs() {
	dir, err := os.MkdirTemp("", "rowid-example-*")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(dir, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ids, err := newMessageIDs(db, time.Now)
	if err != nil {
		fmt.Println(err)
		return
	}
	messages, err := chat.NewMessageStore(db)
	if err != nil {
		fmt.Println(err)
		return
	}
	alice, err := messages.For("alice")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{"hello", "how are you?"} {
		id, err := ids.Next()
		if err != nil {
			fmt.Println(err)
			return
		}
		m := chat.Message{RowID: int64(id), Content: text, SentAt: id.Time()}
		if err := alice.Put(&m); err != nil {
			fmt.Println(err)
			return
		}
	}
	for m, err := range alice.Scan(alice.All(), store.ScanOptions{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(m.Content)
	}
	// Output:
	// hello
	// how are you?
}

// TestRowIDsSurviveRestarts writes messages with generated ids, closes and
// reopens the database several times, with a clock that even steps back, and
// checks that no id is ever issued twice and ids keep increasing.
func TestRowIDsSurviveRestarts(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	seen := map[int64]bool{}
	var last int64
	for round := range 4 {
		db, err := store.Open(dir, &store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := newMessageIDs(db, now)
		if err != nil {
			t.Fatal(err)
		}
		messages, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		s, err := messages.For("u1")
		if err != nil {
			t.Fatal(err)
		}
		for range 500 {
			id, err := ids.Next()
			if err != nil {
				t.Fatal(err)
			}
			if seen[int64(id)] || int64(id) <= last {
				t.Fatalf("round %d: id %d reissued or not increasing (last %d)", round, id, last)
			}
			seen[int64(id)], last = true, int64(id)
			m := chat.Message{RowID: int64(id), Content: fmt.Sprint(round)}
			if err := s.Put(&m); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.Count(s.All()); err != nil || n != len(seen) {
			t.Fatalf("round %d: %d messages, %v; want %d (an id collision would overwrite a row)", round, n, err, len(seen))
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(-time.Minute) // a clock that stepped back cannot make ids repeat
	}
}
