package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowid"
	"github.com/tablegen/tablegen/runtime/store"
)

func TestFlushCommand(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	putMessages(t, dbDir, []string{"alice", "bob"}, 10, func(string, int) string { return "hi" })
	flushRun := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(append([]string{"flush", "-schemas", "../../schemas"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	summary := regexp.MustCompile(`^flushed chat\.messages owner alice: 10 rows to 1 files \([0-9.]+ KiB\) under \S+ in \S+ \([0-9]+ rows/s\); 10 hot rows deleted, 0 changed during the flush and stay hot\n$`)
	// -partition-by-owner: one file per owner, under owner-dir=<owner>/.
	code, out, errs := flushRun("-db", dbDir, "chat.messages", "-to", root, "-owner", "alice", "-partition-by-owner")
	if code != 0 || !summary.MatchString(out) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = flushRun("-db", dbDir, "-to", root, "chat.messages", "-dictionary", "none", "-zstd-level", "9", "-partition-by-owner", "-cache-mib", "1", "-memtable-mib", "1")
	if code != 0 || !strings.HasPrefix(out, "flushed chat.messages: 10 rows to 1 files") || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, f := range []string{"owner-dir=alice/part-00000001.parquet", "owner-dir=bob/part-00000002.parquet", "_manifest.json"} {
		if _, err := os.Stat(filepath.Join(root, "chat", "messages", f)); err != nil {
			t.Error(err)
		}
	}
	code, out, _ = flushRun("-db", dbDir, "-to", root, "chat.messages")
	if code != 0 || out != "flushed chat.messages: no hot rows, nothing written\n" {
		t.Fatalf("empty flush: exit %d, %q", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-db", dbDir, "chat.messages"}, 2, "-to is required"},
		{[]string{"-to", root, "chat.messages"}, 2, "-db is required"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-owner", ""}, 2, "-owner is empty"},
		{[]string{"-db", dbDir, "-to", root}, 2, "want a table name"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-keep-newest", "-1"}, 2, "-keep-newest -1 is negative"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-time-column", "sent_at"}, 2, "add one of them or drop -time-column"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "chat.nope"}, 1, "unknown table"},
		{[]string{"-db", dbDir, "-to", root, "chat.conversations", "-owner", "x"}, 1, "has no owners"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "chat.conversations", "-owner", "x"}, 1, "chat.conversations is a shared table: it has no owners; drop -owner"},
		{[]string{"-db", dbDir, "-to", root, "chat.nope"}, 1, "unknown table"},
		{[]string{"-db", filepath.Join(dbDir, "missing"), "-to", root, "chat.messages"}, 1, "no database directory"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-dictionary", "some"}, 2, "want strings, all or none"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-zstd-level", "0"}, 2, "outside 1..22"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-cache-mib", "0"}, 2, "-cache-mib 0 is outside 1..1048576"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-memtable-mib", "1048577"}, 2, "-memtable-mib 1048577 is outside 1..1048576"},
	} {
		code, _, errs := flushRun(c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// TestFlushCommandSelects: -older-than with -time-column flushes only the
// rows dated before the cutoff; the others stay hot. Without -time-column
// a table whose key is not one row id column is refused.
func TestFlushCommandSelects(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	db, err := store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	ow, err := ms.For("alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		sent := time.Now().Add(-time.Hour)
		if i%2 == 0 {
			sent = time.Now().Add(-1000 * time.Hour)
		}
		if err := ow.Put(&chat.Message{RowID: int64(i + 1), Content: "hi", SentAt: sent}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if code := run([]string{"flush", "-schemas", "../../schemas", "-db", dbDir, "-to", root, "chat.typing_events", "-older-than", "720h"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "chat.typing_events: OlderThan without TimeColumn dates rows by their row id, but the key (occurred_at timestamp, conversation_id int64, user_id string) is not one int64 or uint64 row id column; name the timestamp column that dates a row (tablegen flush -time-column)") {
		t.Fatalf("-older-than alone on a table without a row id key: exit %d, stderr %q", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	code := run([]string{"flush", "-schemas", "../../schemas", "-db", dbDir, "-to", root, "chat.messages", "-older-than", "720h", "-time-column", "sent_at"}, &out, &errb)
	if code != 0 || !strings.HasPrefix(out.String(), "flushed chat.messages: 5 rows to 1 files") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	db, err = store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: store.RowPrefix(9), UpperBound: store.RowPrefix(10)})
	if err != nil {
		t.Fatal(err)
	}
	hot := 0
	for ok := it.First(); ok; ok = it.Next() {
		hot++
	}
	it.Close()
	if hot != 5 {
		t.Fatalf("%d hot rows after flushing the old ones, want the 5 recent", hot)
	}
}

// TestFlushCommandPolicy: -keep-newest keeps each owner's newest rows hot,
// -older-than without -time-column dates rows by their row id, a table
// declared flush: never is refused when named alone and skipped, with the
// summary saying so, when named among others.
func TestFlushCommandPolicy(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	db, err := store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	// Row ids issued 0..9 days ago, two owners; sent_at says the opposite
	// order, so key order and -time-column disagree on which are newest.
	now := time.Now()
	for _, owner := range []string{"alice", "bob"} {
		ow, err := ms.For(owner)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			id := int64(rowid.First(now.Add(-time.Duration(i) * 24 * time.Hour)))
			m := chat.Message{RowID: id, Content: "hi", SentAt: now.Add(-time.Duration(10-i) * 24 * time.Hour)}
			if err := ow.Put(&m); err != nil {
				t.Fatal(err)
			}
		}
	}
	cs, err := chat.NewConversationStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Put(&chat.Conversation{RowID: 1, Title: "general", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	flushRun := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(append([]string{"flush", "-schemas", "../../schemas", "-db", dbDir, "-to", root, "-partition-by-owner"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	hot := func() map[string][]int64 {
		t.Helper()
		db, err := store.Open(dbDir, &store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ms, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]int64{}
		prefix := store.RowPrefix(9)
		it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			owner, rest, err := keyenc.DecodeString(it.Key()[len(prefix):])
			if err != nil {
				t.Fatal(err)
			}
			id, _, err := keyenc.DecodeInt64(rest)
			if err != nil {
				t.Fatal(err)
			}
			got[owner] = append(got[owner], id)
		}
		it.Close()
		// Every row still reads through the typed API.
		for _, owner := range []string{"alice", "bob"} {
			ow, err := ms.For(owner)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := ow.Count(ow.All()); err != nil || n != 10 {
				t.Fatalf("%s: Count %d %v after the flush, want 10", owner, n, err)
			}
		}
		return got
	}
	ids := func(days ...int) []int64 {
		var out []int64
		for _, d := range days {
			out = append(out, int64(rowid.First(now.Add(-time.Duration(d)*24*time.Hour))))
		}
		return out
	}

	// Newest by sent_at: the rows with the oldest ids.
	code, out, errs := flushRun("chat.messages", "-keep-newest", "8", "-time-column", "sent_at")
	if code != 0 || !strings.HasPrefix(out, "flushed chat.messages: 4 rows to 2 files") {
		t.Fatalf("-keep-newest -time-column: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if got, want := hot(), ids(9, 8, 7, 6, 5, 4, 3, 2); !slices.Equal(got["alice"], want) || !slices.Equal(got["bob"], want) {
		t.Fatalf("hot after -keep-newest 8 by sent_at: %v, want %v for each owner", got, want)
	}
	// Newest by key order: the rows with the newest ids.
	code, out, errs = flushRun("chat.messages", "-keep-newest", "5", "-owner", "alice")
	if code != 0 || !strings.HasPrefix(out, "flushed chat.messages owner alice: 3 rows to 1 files") {
		t.Fatalf("-keep-newest by key: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if got := hot(); !slices.Equal(got["alice"], ids(6, 5, 4, 3, 2)) {
		t.Fatalf("alice's hot rows after -keep-newest 5 by key: %v", got["alice"])
	}
	// By row id age, over two tables: the shared one is declared never by
	// default and skipped.
	code, out, errs = flushRun("-older-than", "84h", "chat.messages", "chat.conversations")
	if code != 0 || !strings.HasPrefix(out, "flushed chat.messages: 9 rows to 2 files") ||
		!strings.HasSuffix(out, "\nflushed 1 of 2 tables; skipped chat.conversations: declared flush: never (set flush: allowed in the YAML to flush them)\n") {
		t.Fatalf("-older-than by row id over two tables: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if got := hot(); !slices.Equal(got["alice"], ids(3, 2)) || !slices.Equal(got["bob"], ids(3, 2)) {
		t.Fatalf("hot after -older-than 84h by row id: %v", got)
	}
	// A selection that takes nothing says so.
	code, out, errs = flushRun("chat.messages", "-keep-newest", "2")
	if code != 0 || out != "flushed chat.messages: no hot row selected, nothing written\n" {
		t.Fatalf("a flush selecting nothing: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// Named alone, a flush: never table is refused.
	code, out, errs = flushRun("chat.conversations")
	if code != 1 || !strings.Contains(errs, "flush: chat.conversations is declared flush: never (the default of system and shared tables), so its rows stay hot; set flush: allowed in its YAML to flush it") {
		t.Fatalf("flush of a flush: never table: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// putMessages writes n chat.messages rows (row ids 1..n, sent_at i seconds
// after 1970) for each owner into the database at dbDir and closes it;
// content gives each row's text.
func putMessages(t *testing.T, dbDir string, owners []string, n int, content func(owner string, i int) string) {
	t.Helper()
	db, err := store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range owners {
		ow, err := ms.For(owner)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			m := chat.Message{RowID: int64(i + 1), Content: content(owner, i), SentAt: time.Unix(int64(i), 0)}
			if err := ow.Put(&m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
