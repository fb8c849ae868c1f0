package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestDeleteUnchanged checks, against the generated typed store as the
// reference, that DeleteUnchanged moves exactly the rows whose value is
// unchanged to the cold tier (hot row gone, index entries kept, so they
// still point at the key), while rows changed since their version was
// taken stay hot, with their entries. Some checks list enough rows for
// the check to be split into parts read in parallel (up to four, whatever
// the machine's cores).
func TestDeleteUnchanged(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	// One database for all checks; each check gets its own owner, so the
	// checks are isolated as user tables isolate owners.
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	check := 0
	rapid.Check(t, func(rt *rapid.T) {
		check++
		owner := rapid.SampledFrom([]string{"a", "a\x00b", "u1", "u10"}).Draw(rt, "owner") + "#" + fmt.Sprint(check)
		os, err := ms.For(owner)
		if err != nil {
			rt.Fatal(err)
		}
		n := rapid.IntRange(1, 30).Draw(rt, "rows")
		if rapid.IntRange(0, 9).Draw(rt, "many") == 0 {
			n = rapid.IntRange(1100, 2100).Draw(rt, "many rows")
		}
		msgs := make([]chat.Message, n)
		for i := range msgs {
			msgs[i] = genMessage(rt, int64(i+1))
			if err := os.Put(&msgs[i]); err != nil {
				rt.Fatal(err)
			}
		}
		// Versions of every row as they are now.
		versions := rowVersions(rt, db, 9, keyenc.AppendString(nil, owner))
		// Change some rows afterwards: they must survive.
		changed := map[int64]bool{}
		for i := range msgs {
			if rapid.Bool().Draw(rt, "change") {
				msgs[i].Content += "!"
				if err := os.Put(&msgs[i]); err != nil {
					rt.Fatal(err)
				}
				changed[msgs[i].RowID] = true
			}
		}
		l := chat.MessageSpec().Layout
		if err := coldtier.RaiseColdSeq(db, &l, 1); err != nil {
			rt.Fatal(err)
		}
		deleted, err := coldtier.DeleteUnchanged(db, &l, 1, versions, rapid.Bool().Draw(rt, "sync"))
		if err != nil {
			rt.Fatal(err)
		}
		if deleted != n-len(changed) {
			rt.Fatalf("deleted %d rows, want %d", deleted, n-len(changed))
		}
		for _, m := range msgs {
			_, err := os.Get(chat.UserRowID(m.RowID))
			// No flush executor is attached: a moved row is still a row,
			// which this DB cannot read, and says so.
			if changed[m.RowID] != (err == nil) || (err != nil && !errors.Is(err, store.ErrNoColdReader)) {
				rt.Fatalf("row %d (changed %t): get err %v", m.RowID, changed[m.RowID], err)
			}
		}
		if hot := countKeys(rt, db, append(store.RowPrefix(9), keyenc.AppendString(nil, owner)...)); hot != len(changed) {
			rt.Fatalf("%d hot rows, want the %d changed ones", hot, len(changed))
		}
		// No dangling or missing entry: Verify compares every entry with
		// the rows, and the entries count matches the surviving rows.
		probs, err := ms.Verify()
		if err != nil || len(probs) != 0 {
			rt.Fatalf("Verify: %v %v", probs, err)
		}
		entries := countKeys(rt, db, append(store.IndexPrefix(9, 1), keyenc.AppendString(nil, owner)...))
		if entries != n {
			rt.Fatalf("%d by_conversation entries for %d rows", entries, n)
		}
		if count, err := os.Count(os.All()); err != nil || count != n {
			rt.Fatalf("Count after the move: %d %v, want %d", count, err, n)
		}
		// Redoing the move moves nothing more.
		again, err := coldtier.DeleteUnchanged(db, &l, 1, versions, false)
		if err != nil || again != 0 {
			rt.Fatalf("second DeleteUnchanged: %d, %v", again, err)
		}
	})
}

func genMessage(t *rapid.T, id int64) chat.Message {
	m := chat.Message{
		RowID:          id,
		ConversationID: rapid.Int64Range(-3, 3).Draw(t, "conv"),
		SenderID:       rapid.StringMatching(`[a-c\x00]{0,3}`).Draw(t, "sender"),
		Role:           chat.MessageRole(rapid.IntRange(0, 2).Draw(t, "role")),
		Content:        rapid.String().Draw(t, "content"),
	}
	switch rapid.IntRange(0, 2).Draw(t, "sent") {
	case 0: // zero time: not written, decoded as Go's zero time
	case 1:
		m.SentAt = time.Unix(0, 0).UTC()
	default:
		m.SentAt = time.UnixMicro(rapid.Int64Range(-1e15, 1e15).Draw(t, "sent_at")).UTC()
	}
	if rapid.Bool().Draw(t, "has_client_id") {
		// Unique per row (the index is unique), zero but for the last bytes
		// (the id) or random.
		var u uuid.UUID
		binary.BigEndian.PutUint64(u[8:], uint64(id))
		if rapid.Bool().Draw(t, "random_uuid") {
			u = uuid.New()
		}
		m.ClientMessageID = &u
	}
	return m
}

func rowVersions(t *rapid.T, db *store.DB, table uint32, scope []byte) []coldtier.RowVersion {
	prefix := store.RowPrefix(table)
	lower := append(bytes.Clone(prefix), scope...)
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: keyenc.PrefixEnd(lower)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out []coldtier.RowVersion
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, coldtier.RowVersion{Key: bytes.Clone(it.Key()[len(prefix):]), Hash: coldtier.RowHash(it.Value())})
	}
	return out
}

func countKeys(t *rapid.T, db *store.DB, prefix []byte) int {
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n
}
