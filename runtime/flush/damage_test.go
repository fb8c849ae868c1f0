package flush_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestFlushStopsAtDamagedRow: a row whose value does not decode stops the
// flush of its table with a *store.CorruptError naming the table and the
// row, flushing and deleting nothing; once the row is deleted (its index
// entries go with it) the flush succeeds and every other row is kept.
func TestFlushStopsAtDamagedRow(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	defer db.Close()
	const perOwner = 5
	fillMessages(t, db, perOwner)
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.For("bob")
	if err != nil {
		t.Fatal(err)
	}
	m := message("bob", 2)
	k := chat.UserRowID(m.RowID)
	rowKey := k.AppendKey(append(store.RowPrefix(chat.MessageSpec().Layout.ID), keyenc.AppendString(nil, "bob")...))
	if err := rawpebble.DB(db).Set(rowKey, []byte{0x0a, 0x7f}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	e := newExecutor(t, db, filepath.Join(dir, "cold"), nil)
	p := messagesProvider(t, db)
	_, err = e.Flush(context.Background(), p)
	var ce *store.CorruptError
	if !errors.As(err, &ce) || ce.Table != "chat.messages" || !strings.Contains(err.Error(), "chat.messages") || ce.Key == "" || !strings.Contains(err.Error(), ce.Key) {
		t.Fatalf("flush over a damaged row: %v, want a CorruptError naming the table and row", err)
	}
	if st := collect(t, db, e, p); len(st.hot) != len(owners)*perOwner || len(st.cold) != 0 {
		t.Fatalf("after the failed flush: %d hot rows, %d cold; want every row hot", len(st.hot), len(st.cold))
	}
	if err := bob.Delete(k); err != nil {
		t.Fatalf("delete the damaged row: %v", err)
	}
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatalf("flush after deleting the damaged row: %v", err)
	}
	if st := collect(t, db, e, p); len(st.cold) != len(owners)*perOwner-1 {
		t.Errorf("after the flush: %d cold rows, want %d", len(st.cold), len(owners)*perOwner-1)
	}
}

// TestRecoverLeavesWhatItCannotRemove: on a cold root whose files cannot be
// removed (a read-only mount), recovery leaves a leftover temporary file
// where it is, reports it in Recovery.Left, and union reads work: they read
// only what the manifest lists.
func TestRecoverLeavesWhatItCannotRemove(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	defer db.Close()
	const perOwner = 4
	fillMessages(t, db, perOwner)
	root := filepath.Join(dir, "cold")
	p := messagesProvider(t, db)
	if _, err := newExecutor(t, db, root, nil).Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	l := p.Layout()
	e := newExecutor(t, db, root, nil)
	leftover := filepath.Join(e.TableDir(&l), flush.ManifestName+".tmp")
	if err := os.WriteFile(leftover, []byte("{half a manifest"), 0o644); err != nil {
		t.Fatal(err)
	}
	var o flush.Options
	flush.SetRemove(&o, func(path string) error { return &os.PathError{Op: "remove", Path: path, Err: syscall.EROFS} })
	ro := newExecutor(t, db, root, &o)
	if got := scanAll(t, ro, p, scan.Request{}); len(got) != len(owners)*perOwner {
		t.Fatalf("union read on a read-only root: %d rows, want %d", len(got), len(owners)*perOwner)
	}
	rec, err := ro.Recover(p)
	if err != nil {
		t.Fatalf("recover on a read-only root: %v", err)
	}
	if len(rec.Left) != 1 || !strings.Contains(rec.Left[0], leftover) || len(rec.Removed) != 0 {
		t.Errorf("recovery left %v and removed %v; want the leftover left", rec.Left, rec.Removed)
	}
	if _, err := os.Stat(leftover); err != nil {
		t.Errorf("the leftover is gone: %v", err)
	}
}
