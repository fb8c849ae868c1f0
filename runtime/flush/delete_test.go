package flush_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// twin applies the same writes to two databases of chat.messages: ref is
// never flushed, flushed is flushed whenever the test says. Every query of
// the union of flushed must equal the same query of ref's hot rows.
type twin struct {
	t       testing.TB
	dir     string // of db
	ref, db *store.DB
	refS    *chat.MessageStore
	s       *chat.MessageStore
	e       *flush.Executor
	p       *scan.Provider
}

func newTwin(t testing.TB, per int, o *flush.Options) *twin {
	t.Helper()
	w := &twin{t: t, dir: t.TempDir(), ref: openDB(t, t.TempDir())}
	w.db = openDB(t, w.dir)
	if per > 0 {
		fillMessages(t, w.ref, per)
		fillMessages(t, w.db, per)
	}
	var err error
	if w.refS, err = chat.NewMessageStore(w.ref); err != nil {
		t.Fatal(err)
	}
	if w.s, err = chat.NewMessageStore(w.db); err != nil {
		t.Fatal(err)
	}
	w.e = newExecutor(t, w.db, t.TempDir(), o)
	w.p = messagesProvider(t, w.db)
	return w
}

// restart closes and reopens the flushed database with a fresh executor
// on the same root, as a process restart does.
func (w *twin) restart() {
	w.t.Helper()
	if err := w.db.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.db = openDB(w.t, w.dir)
	var err error
	if w.s, err = chat.NewMessageStore(w.db); err != nil {
		w.t.Fatal(err)
	}
	w.p = messagesProvider(w.t, w.db)
	w.e = newExecutor(w.t, w.db, w.e.Root(), nil)
}

func (w *twin) close() {
	_ = w.ref.Close()
	_ = w.db.Close()
}

// both runs f on the store of each database.
func (w *twin) both(owner string, f func(*chat.MessageOwnerStore) error) {
	w.t.Helper()
	for _, s := range []*chat.MessageStore{w.refS, w.s} {
		ow, err := s.For(owner)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := f(ow); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *twin) put(owner string, id int64, content string) {
	w.t.Helper()
	m := message(owner, int(id-1))
	m.Content = content
	w.both(owner, func(s *chat.MessageOwnerStore) error { return s.Put(&m) })
}

func (w *twin) del(owner string, id int64) {
	w.t.Helper()
	w.both(owner, func(s *chat.MessageOwnerStore) error { return s.Delete(chat.UserRowID(id)) })
}

// quickQueries are the queries of the random differential test: a full
// scan, a key filter, a column filter that prunes segments by statistics,
// and a limit.
var quickQueries = []scan.Request{queries[0], queries[2], queries[4], queries[12]}

// compare runs every query, across owners and for some owners alone, on
// the union of the flushed database and on the reference's hot rows (read
// with the schema-driven provider, the flushed side with the generated one).
func (w *twin) compare(stage string) { w.compareWith(stage, queries, owners[:3]) }

func (w *twin) compareWith(stage string, queries []scan.Request, views []string) {
	w.t.Helper()
	for _, owner := range append([]string{""}, views...) {
		rp, fp := schemaProvider(w.t, w.ref), w.p
		if owner != "" {
			scope := keyenc.AppendString(nil, owner)
			rp, fp = rp.WithScope(scope), fp.WithScope(scope)
		}
		for i, q := range queries {
			want := scanProvider(w.t, rp, q)
			got := scanAll(w.t, w.e, fp, q)
			if !slices.Equal(got, want) {
				w.t.Fatalf("%s, owner %q, query %d (%v): union returns %d rows, the reference %d\n got %v\nwant %v", stage, owner, i, q.Filter, len(got), len(want), head(got), head(want))
			}
			// Provider.Scan of a flushed table is the same union.
			if plain := scanProvider(w.t, fp, q); !slices.Equal(plain, want) {
				w.t.Fatalf("%s, owner %q, query %d (%v): Provider.Scan returns %d rows, the reference %d\n got %v\nwant %v", stage, owner, i, q.Filter, len(plain), len(want), head(plain), head(want))
			}
		}
	}
}

func (w *twin) flush(owner string) *flush.Result {
	w.t.Helper()
	var res *flush.Result
	var err error
	if owner == "" {
		res, err = w.e.Flush(context.Background(), w.p)
	} else {
		res, err = w.e.FlushOwner(context.Background(), w.p, owner)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// TestDeleteAfterFlush deletes flushed rows through every path of the store
// (Delete, DeleteIn, a batch mixing puts and deletes) and checks that the
// union no longer returns them, in every query, before and after the next
// flush, and that deleting a row that was never flushed works as before.
func TestDeleteAfterFlush(t *testing.T) {
	w := newTwin(t, 60, &flush.Options{BatchSize: 16, RowGroupSize: 20})
	defer w.close()
	w.flush("")
	w.compare("after the flush")
	w.del("alice", 1)
	w.del("u1", 60)
	for _, db := range []*store.DB{w.ref, w.db} {
		s, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		bob, err := s.For("bob")
		if err != nil {
			t.Fatal(err)
		}
		b := db.NewBatch()
		for id := int64(5); id <= 30; id += 5 {
			bob.DeleteIn(b, chat.UserRowID(id))
		}
		m := message("bob", 999)
		bob.PutIn(b, &m) // a new row in the same batch
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	w.compare("after deleting flushed rows")
	var st scan.UnionStats
	rdr, err := w.e.Scan(context.Background(), w.p, scan.Request{}, &st)
	if err != nil {
		t.Fatal(err)
	}
	render(t, rdr) // the scan hides rows as it reads them
	rdr.Release()
	if st.Deleted != 8 {
		t.Fatalf("the union hid %d flushed rows, want 8", st.Deleted)
	}
	w.put("alice", 500, "hot, never flushed")
	w.del("alice", 500)
	w.compare("after deleting a hot row")
	w.flush("")
	w.compare("after the second flush")
}

// TestDeletePlainTable does the same for a stream table, which has no
// indexes: its writes take the plain writers' path.
func TestDeletePlainTable(t *testing.T) {
	// The database's clock is when the fixture events are fresh: expired
	// rows are never flushed nor read.
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return typingEvent(0).OccurredAt }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := chat.NewTypingEventStore(db)
	if err != nil {
		t.Fatal(err)
	}
	var keys []chat.TypingEventID
	for _, o := range []string{"a", "b"} {
		ow, err := s.For(o)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			ev := typingEvent(i)
			if err := ow.Put(&ev); err != nil {
				t.Fatal(err)
			}
			if o == "a" {
				keys = append(keys, chat.TypingEventID{OccurredAt: ev.OccurredAt, ConversationID: ev.ConversationID, UserID: ev.UserID})
			}
		}
	}
	typing := chat.TypingEventSpec().Layout
	p, err := scan.NewProvider(db, &typing, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newExecutor(t, db, t.TempDir(), nil)
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	a, err := s.For("a")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys[:5] {
		if err := a.Delete(k); err != nil {
			t.Fatal(err)
		}
	}
	b := db.NewBatch()
	a.DeleteIn(b, keys[5])
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := len(scanAll(t, e, p, scan.Request{})); n != 40-6 {
		t.Fatalf("union has %d rows after deleting 6 of 40 flushed rows", n)
	}
	ev := typingEvent(0) // keys[0] again
	if err := a.Put(&ev); err != nil {
		t.Fatal(err)
	}
	if n := len(scanAll(t, e, p, scan.Request{})); n != 40-5 {
		t.Fatalf("union has %d rows after putting one back, want 35", n)
	}
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if n := len(scanAll(t, e, p, scan.Request{})); n != 40-5 {
		t.Fatalf("union has %d rows after flushing it again, want 35", n)
	}
}

// TestDeleteDuringFlush deletes rows the flush has already read (they are
// in its snapshot and go into its file) at several steps; none may come
// back, and the flush must not count them as deleted by it.
func TestDeleteDuringFlush(t *testing.T) {
	for _, step := range []flush.Step{flush.StepReserved, flush.StepBatch, flush.StepFilesWritten, flush.StepManifestWritten, flush.StepDeleteChunk} {
		t.Run(string(step), func(t *testing.T) {
			var o flush.Options
			o.BatchSize, o.DeleteBatch = 16, 32
			var w *twin
			fired := false
			flush.SetFault(&o, func(s flush.Step) error {
				if s == step && !fired {
					fired = true
					w.del("alice", 7)
					w.del("u10", 40)
					w.put("bob", 3, "updated during the flush")
				}
				return nil
			})
			w = newTwin(t, 50, &o)
			defer w.close()
			res := w.flush("")
			if !fired {
				t.Fatalf("step %s never happened", step)
			}
			if step != flush.StepDeleteChunk && res.Deleted != res.Rows-3 {
				t.Fatalf("flushed %d rows, deleted %d hot ones; want all but the 3 changed", res.Rows, res.Deleted)
			}
			w.compare("after the flush")
			w.flush("")
			w.compare("after another flush")
		})
	}
}

// TestDeleteAndPutAgain deletes flushed rows, puts them back with new
// values, flushes, deletes and puts again: the row put last always wins,
// a deleted one never comes back.
func TestDeleteAndPutAgain(t *testing.T) {
	w := newTwin(t, 30, nil)
	defer w.close()
	w.flush("")
	w.del("alice", 2)
	w.put("alice", 2, "second life")
	w.compare("put again, hot")
	w.flush("alice")
	w.compare("put again, flushed")
	w.del("alice", 2)
	w.compare("deleted again")
	w.flush("")
	w.compare("deleted again, flushed")
	w.put("alice", 2, "third life")
	w.flush("")
	w.compare("third life, flushed")
	w.del("alice", 3)
	w.put("alice", 3, "back before the flush")
	w.flush("")
	w.compare("deleted and put back between flushes")
}

// TestDeleteCrash crashes a flush at each step, deletes flushed and
// unflushed rows while the flush is stopped there (before recovery runs)
// and after recovery, and checks after a restart that no deleted row is
// ever returned and every other row is, once.
func TestDeleteCrash(t *testing.T) {
	for _, step := range []flush.Step{flush.StepReserved, flush.StepBatch, flush.StepFilesWritten, flush.StepManifestWritten, flush.StepDeleteChunk, flush.StepDeleted} {
		t.Run(string(step), func(t *testing.T) {
			var o flush.Options
			o.BatchSize, o.DeleteBatch = 16, 32
			flush.SetFault(&o, func(s flush.Step) error {
				if s == step {
					return errCrash
				}
				return nil
			})
			w := newTwin(t, 40, nil)
			defer w.close()
			w.flush("u1") // an earlier, complete flush
			w.e = newExecutor(t, w.db, w.e.Root(), &o)
			if _, err := w.e.Flush(context.Background(), w.p); !errors.Is(err, errCrash) {
				t.Fatalf("flush returned %v, want the injected crash", err)
			}
			w.del("alice", 1) // in the crashed flush's snapshot
			w.del("u1", 2)    // flushed by the complete flush
			w.put("bob", 4, "changed after the crash")
			w.restart()       // a crash and a restart
			w.del("alice", 2) // before recovery
			if _, err := w.e.Recover(w.p); err != nil {
				t.Fatal(err)
			}
			w.compare("after recovery")
			w.del("alice", 3)
			w.del("bob", 4)
			w.compare("after deleting again")
			w.flush("")
			w.compare("after a complete flush")
		})
	}
}

// TestRecoverRaisesMarker simulates a database restored from a backup
// taken before its table was flushed: the cold marker is gone, so the
// store would delete without tombstones. Recovery raises the marker from
// the manifest before any deletion can resurrect a flushed row.
func TestRecoverRaisesMarker(t *testing.T) {
	w := newTwin(t, 20, nil)
	defer w.close()
	w.flush("")
	l := w.p.Layout()
	if seq, err := coldtier.ColdSeq(w.db, &l); err != nil || seq != uint64(len(owners)) {
		t.Fatalf("cold marker after flushing %d owners: %d %v", len(owners), seq, err)
	}
	// The "old backup": no marker.
	if err := rawpebble.DB(w.db).Delete(coldMarkerKey(l.ID), nil); err != nil {
		t.Fatal(err)
	}
	w.restart()
	if seq, err := coldtier.ColdSeq(w.db, &l); err != nil || seq != 0 {
		t.Fatalf("marker of the restored database: %d %v, want 0", seq, err)
	}
	if _, err := w.e.Recover(w.p); err != nil {
		t.Fatal(err)
	}
	m, err := w.e.Manifest(w.p)
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := coldtier.ColdSeq(w.db, &l); err != nil || seq != m.NextSeq-1 {
		t.Fatalf("marker after recovery: %d %v, want %d (every listed segment)", seq, err, m.NextSeq-1)
	}
	w.del("ünï", 9)
	w.compare("after deleting a flushed row")
}

// TestUnionDifferentialRandom applies random puts, updates, deletes and
// flushes (of one owner or all) to the twin databases and compares every
// query after each flush and at the end.
func TestUnionDifferentialRandom(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newTwin(rapidTB{t, rt}, 0, &flush.Options{BatchSize: 8, RowGroupSize: 10, DeleteBatch: 16})
		defer w.close()
		who := rapid.SampledFrom(owners[:3])
		ids := rapid.Int64Range(1, 40)
		n := rapid.IntRange(1, 30).Draw(rt, "ops")
		for i := range n {
			switch op := rapid.IntRange(0, 9).Draw(rt, "op"); {
			case op < 5:
				w.put(who.Draw(rt, "owner"), ids.Draw(rt, "id"), fmt.Sprint("v", i))
			case op < 8:
				w.del(who.Draw(rt, "owner"), ids.Draw(rt, "id"))
			case op == 8:
				w.flush(who.Draw(rt, "owner"))
				w.compareWith(fmt.Sprintf("op %d: after flushing one owner", i), quickQueries, owners[:1])
			default:
				w.flush("")
				w.compareWith(fmt.Sprintf("op %d: after flushing all", i), quickQueries, owners[:1])
			}
		}
		w.compare("at the end")
	})
}

// typingEvent is the i-th fixture event of an owner.
func typingEvent(i int) chat.TypingEvent {
	return chat.TypingEvent{
		OccurredAt:     time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC),
		ConversationID: int64(i % 3),
		UserID:         fmt.Sprint("user", i%4),
		State:          chat.TypingEventState(i % 2),
	}
}

// coldMarkerKey is the store's cold marker key of a table (see store's
// flush.go): 0x01 + BE uint32 0 + "cold/" + BE uint32 table id.
func coldMarkerKey(tableID uint32) []byte {
	key := binary.BigEndian.AppendUint32([]byte{0x01}, 0)
	key = append(key, "cold/"...)
	return binary.BigEndian.AppendUint32(key, tableID)
}

// rapidTB lets the test helpers fail a rapid check: failures go to rt,
// temporary directories come from the test.
type rapidTB struct {
	testing.TB
	rt *rapid.T
}

func (r rapidTB) Helper()                        {}
func (r rapidTB) Fatal(args ...any)              { r.rt.Fatal(args...) }
func (r rapidTB) Fatalf(format string, a ...any) { r.rt.Fatalf(format, a...) }
func (r rapidTB) Error(args ...any)              { r.rt.Error(args...) }
func (r rapidTB) Errorf(format string, a ...any) { r.rt.Errorf(format, a...) }
func (r rapidTB) FailNow()                       { r.rt.FailNow() }
