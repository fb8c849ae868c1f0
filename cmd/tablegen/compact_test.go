package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestCompactCommand: three flushes leave three segments per owner;
// compact merges each owner's into one file, with a one-line summary, and
// the rows are all still there; a second run has nothing to merge.
func TestCompactCommand(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	put := func(from, to int) {
		db, err := store.Open(dbDir, &store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ms, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		for _, owner := range []string{"alice", "bob"} {
			ow, err := ms.For(owner)
			if err != nil {
				t.Fatal(err)
			}
			for i := from; i < to; i++ {
				m := chat.Message{RowID: int64(i + 1), Content: "hi", SentAt: time.Unix(int64(i), 0)}
				if err := ow.Put(&m); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	cmd := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(append([]string{args[0], "-schemas", "../../schemas"}, args[1:]...), &out, &errb)
		return code, out.String(), errb.String()
	}
	for r := range 3 {
		put(r*10, r*10+10)
		if code, out, errs := cmd("flush", "-db", dbDir, "-to", root, "chat.messages", "-partition-by-owner"); code != 0 {
			t.Fatalf("flush %d: exit %d %q %q", r, code, out, errs)
		}
	}
	code, out, errs := cmd("compact", "-db", dbDir, "-to", root, "chat.messages")
	summary := regexp.MustCompile(`^compacted chat\.messages: 6 segments into 2 files \([0-9.]+ KiB, 60 rows\) under \S+; 0 dead rows dropped, 0 expired segments removed, 0 tombstones dropped\n$`)
	if code != 0 || !summary.MatchString(out) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, owner := range []string{"alice", "bob"} {
		parts, _ := filepath.Glob(filepath.Join(root, "chat", "messages", "owner-dir="+owner, "*.parquet"))
		if len(parts) != 1 {
			t.Errorf("owner %s: %d Parquet files after compact, want 1: %v", owner, len(parts), parts)
		}
	}
	// Every row is still a row: read through an executor on the cold root.
	db, err := store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flush.New(db, root, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, owner := range []string{"alice", "bob"} {
		ow, _ := ms.For(owner)
		n, err := ow.Count(store.Range{})
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if total != 60 {
		t.Fatalf("%d rows after compact, want 60", total)
	}
	code, outs, _ := cmd("compact", "-db", dbDir, "-to", root, "chat.messages", "-owner", "alice")
	if code != 0 || outs != "compacted chat.messages owner alice: nothing to merge\n" {
		t.Fatalf("second compact: exit %d, %q", code, outs)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"compact", "-db", dbDir, "chat.messages"}, 2, "-to is required"},
		{[]string{"compact", "-to", root, "chat.messages"}, 2, "-db is required"},
		{[]string{"compact", "-db", dbDir, "-to", root}, 2, "want exactly one table name"},
		{[]string{"compact", "-db", dbDir, "-to", root, "chat.messages", "-target", "0"}, 2, "must be positive"},
		{[]string{"compact", "-db", dbDir, "-to", root, "chat.conversations", "-owner", "x"}, 1, "has no owners"},
		{[]string{"compact", "-db", dbDir, "-to", filepath.Join(root, "missing"), "chat.messages"}, 1, "no cold root"},
		{[]string{"compact", "-addr", "127.0.0.1:1", "-db", dbDir, "chat.messages"}, 2, "drop -db, -to, -owner and -target"},
	} {
		code, _, errs := cmd(c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", c.args, code, errs, c.code, c.msg)
		}
	}
}
