package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestFlushCommandQuarantine: a damaged row stops `tablegen flush`; with
// -quarantine DIR the row goes to a file under DIR and every other row is
// flushed.
func TestFlushCommandQuarantine(t *testing.T) {
	dbDir, root, qdir := t.TempDir(), t.TempDir(), t.TempDir()
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
	for i := range 5 {
		if err := ow.Put(&chat.Message{RowID: int64(i + 1), Content: "hi", SentAt: time.Unix(int64(i), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	key := chat.UserRowID(3).AppendKey(append(store.RowPrefix(chat.MessageSpec().Layout.ID), keyenc.AppendString(nil, "alice")...))
	if err := rawpebble.DB(db).Set(key, []byte{0x0a, 0x7f}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	flushRun := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(append([]string{"flush", "-schemas", "../../schemas", "-db", dbDir, "-to", root, "chat.messages"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := flushRun(); code != 1 || !strings.Contains(errs, "chat.messages") || !strings.Contains(errs, "0x") {
		t.Fatalf("flush over a damaged row: exit %d, stdout %q, stderr %q; want 1 naming the row", code, out, errs)
	}
	code, out, errs := flushRun("-quarantine", qdir)
	files, _ := filepath.Glob(filepath.Join(qdir, "chat", "messages", "*.json"))
	if code != 0 || len(files) != 1 || !strings.Contains(out, "quarantined a damaged row of chat.messages: "+files[0]) || !strings.Contains(out, "flushed chat.messages: 4 rows") {
		t.Fatalf("flush -quarantine: exit %d, stdout %q, stderr %q, files %q", code, out, errs, files)
	}
}
