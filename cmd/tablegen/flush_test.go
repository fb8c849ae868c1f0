package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

func TestFlushCommand(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	db, err := store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"alice", "bob"} {
		ow, err := ms.For(owner)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			m := chat.Message{RowID: int64(i + 1), Content: "hi", SentAt: time.Unix(int64(i), 0)}
			if err := ow.Put(&m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	flushRun := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(append([]string{"flush", "-schemas", "../../schemas"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	summary := regexp.MustCompile(`^flushed chat\.messages owner alice: 10 rows to 1 files \([0-9.]+ KiB\) under \S+ in \S+ \([0-9]+ rows/s\); 10 hot rows deleted, 0 changed during the flush and stay hot\n$`)
	code, out, errs := flushRun("-db", dbDir, "chat.messages", "-to", root, "-owner", "alice")
	if code != 0 || !summary.MatchString(out) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = flushRun("-db", dbDir, "-to", root, "chat.messages", "-dictionary", "none", "-zstd-level", "9")
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
		{[]string{"-db", dbDir, "-to", root}, 2, "want exactly one table name"},
		{[]string{"-db", dbDir, "-to", root, "chat.conversations", "-owner", "x"}, 1, "has no owners"},
		{[]string{"-db", dbDir, "-to", root, "chat.nope"}, 1, "unknown table"},
		{[]string{"-db", filepath.Join(dbDir, "missing"), "-to", root, "chat.messages"}, 1, "no database directory"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-dictionary", "some"}, 2, "want strings, all or none"},
		{[]string{"-db", dbDir, "-to", root, "chat.messages", "-zstd-level", "0"}, 2, "outside 1..22"},
	} {
		code, _, errs := flushRun(c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// TestFlushCommandSelects: -older-than with -time-column flushes only the
// rows dated before the cutoff; the others stay hot, and the pair of
// flags goes together.
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
	if code := run([]string{"flush", "-schemas", "../../schemas", "-db", dbDir, "-to", root, "chat.messages", "-older-than", "720h"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "-time-column") {
		t.Fatalf("-older-than alone: exit %d, stderr %q", code, errb.String())
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
