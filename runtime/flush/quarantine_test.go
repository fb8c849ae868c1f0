package flush_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// plantDamage overwrites message i of owner o with bytes that do not
// decode (distinct per row) and returns the row's Pebble key and the bytes.
func plantDamage(t *testing.T, db *store.DB, o string, i int) (key, value []byte) {
	t.Helper()
	m := message(o, i)
	k := chat.UserRowID(m.RowID)
	key = k.AppendKey(append(store.RowPrefix(chat.MessageSpec().Layout.ID), keyenc.AppendString(nil, o)...))
	value = []byte{0x0a, 0x7f, byte(i), 0xee}
	if err := rawpebble.DB(db).Set(key, value, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	return key, value
}

// quarantineFiles reads every quarantine file under dir.
func quarantineFiles(t *testing.T, dir string) map[string]flush.Quarantined {
	t.Helper()
	out := map[string]flush.Quarantined{}
	files, err := filepath.Glob(filepath.Join(dir, "chat", "messages", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".tmp") {
			// A write killed midway; the next attempt at the row
			// rewrites it (the name is the row's hash), and recovery
			// removes it.
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var q flush.Quarantined
		if err := json.Unmarshal(data, &q); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = q
	}
	return out
}

// TestFlushQuarantinesDamagedRows: with Options.Quarantine a flush over
// damaged rows moves each aside (its exact key and value in a quarantine
// file naming the table and the reason), deletes it and its index entries
// from the hot store, lists the files in Result.Quarantined, and flushes
// every other row; without the option the same table stops the flush.
func TestFlushQuarantinesDamagedRows(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	defer db.Close()
	const perOwner = 6
	fillMessages(t, db, perOwner)
	planted := map[string][]byte{}
	for _, d := range []struct {
		o string
		i int
	}{{"bob", 2}, {"alice", 4}, {"bob", 5}} {
		k, v := plantDamage(t, db, d.o, d.i)
		planted[string(k)] = v
	}
	p := messagesProvider(t, db)
	if _, err := newExecutor(t, db, filepath.Join(dir, "cold"), nil).Flush(context.Background(), p); !errors.As(err, new(*store.CorruptError)) {
		t.Fatalf("flush without Quarantine over damaged rows: %v, want a CorruptError", err)
	}

	qdir := filepath.Join(dir, "quarantine")
	e := newExecutor(t, db, filepath.Join(dir, "cold"), &flush.Options{Quarantine: qdir})
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatalf("flush with Quarantine: %v", err)
	}
	if len(res.Quarantined) != len(planted) {
		t.Errorf("Result.Quarantined = %q, want %d files", res.Quarantined, len(planted))
	}
	files := quarantineFiles(t, qdir)
	got := map[string][]byte{}
	for f, q := range files {
		if q.Table != "chat.messages" || q.TableID != chat.MessageSpec().Layout.ID || q.Reason == "" {
			t.Errorf("%s: table %q id %d reason %q", f, q.Table, q.TableID, q.Reason)
		}
		got[string(q.Key)] = q.Value
	}
	if len(got) != len(planted) || len(files) != len(planted) {
		t.Fatalf("quarantine holds %d files for %d rows, want %d", len(files), len(got), len(planted))
	}
	for k, v := range planted {
		if !bytes.Equal(got[k], v) {
			t.Errorf("quarantined value of %x is %x, want %x", k, got[k], v)
		}
		if _, closer, err := rawpebble.DB(db).Get([]byte(k)); err == nil {
			_ = closer.Close()
			t.Errorf("damaged row %x is still in the hot store", k)
		}
	}
	for _, f := range res.Quarantined {
		if _, ok := files[f]; !ok {
			t.Errorf("Result.Quarantined names %s, which is not a quarantine file", f)
		}
	}
	if st := collect(t, db, e, p); len(st.cold) != len(owners)*perOwner-len(planted) || len(st.hot) != 0 {
		t.Errorf("after the flush: %d cold rows, %d hot; want %d cold", len(st.cold), len(st.hot), len(owners)*perOwner-len(planted))
	}
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Verify(); err != nil || len(problems) != 0 {
		t.Errorf("verify after the quarantine: %v %v; want no dangling entry", problems, err)
	}
}

// TestQuarantineWrittenBeforeDelete: a flush that stops right after a
// damaged row's quarantine file is durable (as a crash there would) has
// deleted nothing: the row is still hot and its file holds its bytes. The
// next flush writes the same file again (named by key and value) and
// deletes the row, so the quarantine holds each row exactly once.
func TestQuarantineWrittenBeforeDelete(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	defer db.Close()
	const perOwner = 4
	fillMessages(t, db, perOwner)
	key, value := plantDamage(t, db, "u1", 1)
	qdir := filepath.Join(dir, "quarantine")
	boom := errors.New("crash after the quarantine write")
	o := flush.Options{Quarantine: qdir}
	flush.SetFault(&o, func(s flush.Step) error {
		if s == flush.StepQuarantined {
			return boom
		}
		return nil
	})
	p := messagesProvider(t, db)
	if _, err := newExecutor(t, db, filepath.Join(dir, "cold"), &o).Flush(context.Background(), p); !errors.Is(err, boom) {
		t.Fatalf("flush: %v, want the injected stop", err)
	}
	v, closer, err := rawpebble.DB(db).Get(key)
	if err != nil || !bytes.Equal(v, value) {
		t.Fatalf("after a stop between quarantine and delete the row reads %x, %v; want it hot", v, err)
	}
	_ = closer.Close()
	first := quarantineFiles(t, qdir)
	if len(first) != 1 {
		t.Fatalf("quarantine holds %d files, want 1", len(first))
	}
	e := newExecutor(t, db, filepath.Join(dir, "cold"), &flush.Options{Quarantine: qdir})
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	again := quarantineFiles(t, qdir)
	if len(again) != 1 || !slices.Equal(res.Quarantined, slices.Collect(maps.Keys(again))) {
		t.Fatalf("after the second flush the quarantine holds %v (result %q), want the one file", again, res.Quarantined)
	}
	for _, q := range again {
		if !bytes.Equal(q.Key, key) || !bytes.Equal(q.Value, value) {
			t.Errorf("quarantine file holds %x=%x, want %x=%x", q.Key, q.Value, key, value)
		}
	}
	if st := collect(t, db, e, p); len(st.cold) != len(owners)*perOwner-1 || len(st.hot) != 0 {
		t.Errorf("after the flush: %d cold, %d hot; want %d cold", len(st.cold), len(st.hot), len(owners)*perOwner-1)
	}
}

// TestQuarantineTempRemovedByRecovery: a quarantine write interrupted
// before its rename leaves a temporary file. When the row is repaired
// before the next flush, no attempt rewrites that file, so recovery must
// remove it, and must leave every other file of the directory alone.
func TestQuarantineTempRemovedByRecovery(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	defer db.Close()
	fillMessages(t, db, 4)
	plantDamage(t, db, "u1", 1)
	qdir := filepath.Join(dir, "quarantine")
	tdir := filepath.Join(qdir, "chat", "messages")
	temps := func() []string {
		t.Helper()
		m, err := filepath.Glob(filepath.Join(tdir, "*.tmp"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	boom := errors.New("crash before the quarantine file's rename")
	o := flush.Options{Quarantine: qdir}
	flush.SetFault(&o, func(s flush.Step) error {
		if s == flush.StepBeforeRename && len(temps()) > 0 {
			return boom
		}
		return nil
	})
	p := messagesProvider(t, db)
	if _, err := newExecutor(t, db, filepath.Join(dir, "cold"), &o).Flush(context.Background(), p); !errors.Is(err, boom) {
		t.Fatalf("flush: %v, want the injected stop", err)
	}
	left := temps()
	if len(left) != 1 {
		t.Fatalf("after the stop the quarantine directory has temporary files %q, want 1", left)
	}
	// A file recovery must not touch: not a name a quarantine write makes.
	other := filepath.Join(tdir, "notes.json.tmp")
	if err := os.WriteFile(other, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The row is repaired: written again through the store.
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	ow, err := s.For("u1")
	if err != nil {
		t.Fatal(err)
	}
	m := message("u1", 1)
	if err := ow.Put(&m); err != nil {
		t.Fatal(err)
	}

	e := newExecutor(t, db, filepath.Join(dir, "cold"), &flush.Options{Quarantine: qdir})
	rec, err := e.Recover(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rec.Removed, left[0]) {
		t.Errorf("Recovery.Removed = %q, want it to list %s", rec.Removed, left[0])
	}
	if _, err := os.Stat(left[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s after recovery: %v, want it removed", left[0], err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("recovery touched %s, which no quarantine write makes: %v", other, err)
	}
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Quarantined) != 0 || len(quarantineFiles(t, qdir)) != 0 {
		t.Errorf("the flush after the repair quarantined %q; the directory holds %v", res.Quarantined, quarantineFiles(t, qdir))
	}
}
