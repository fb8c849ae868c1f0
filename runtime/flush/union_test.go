package flush_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// queries exercise projection, every filter form, limits and batch sizes.
var queries = []scan.Request{
	{},
	{Columns: []string{"content", "row_id"}, BatchSize: 7},
	{Filter: &scan.Cmp{Column: "row_id", Op: scan.OpGt, Value: 100}},
	{Filter: &scan.Cmp{Column: "conversation_id", Op: scan.OpEq, Value: 3}, Columns: []string{"row_id", "sent_at"}},
	{Filter: &scan.And{L: &scan.Cmp{Column: "role", Op: scan.OpEq, Value: "assistant"}, R: &scan.Cmp{Column: "sent_at", Op: scan.OpGe, Value: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)}}},
	{Filter: &scan.IsNull{Column: "client_message_id"}},
	{Filter: &scan.IsNull{Column: "edited_at", Not: true}, Limit: 9},
	{Filter: &scan.Prefix{Column: "content", Prefix: "message 1"}},
	{Filter: &scan.In{Column: "row_id", Values: []any{1, 50, 299, 1000}}},
	{Filter: &scan.Or{L: &scan.Cmp{Column: "row_id", Op: scan.OpLt, Value: 3}, R: &scan.Cmp{Column: "content", Op: scan.OpEq, Value: "updated"}}},
	{Filter: &scan.Not{X: &scan.Cmp{Column: "conversation_id", Op: scan.OpNe, Value: 2}}},
	{Filter: &scan.Cmp{Column: "row_id", Op: scan.OpGt, Value: 1 << 40}},
	{Limit: 25, BatchSize: 4},
}

// TestUnionDifferential applies the same writes to two databases, flushes
// one of them at several points (one owner, everything, after updates of
// flushed rows), and checks that every query returns identical results from
// the union of the flushed one and a plain scan of the other.
func TestUnionDifferential(t *testing.T) {
	for _, lay := range layouts {
		t.Run(lay.name, func(t *testing.T) { unionDifferential(t, lay.o) })
	}
}

func unionDifferential(t *testing.T, lay *flush.Options) {
	const per = 200
	ref, flushed := openDB(t, t.TempDir()), openDB(t, t.TempDir())
	defer ref.Close()
	defer flushed.Close()
	dbs := []*store.DB{ref, flushed}
	for _, db := range dbs {
		fillMessages(t, db, per)
	}
	o := flush.Options{BatchSize: 33, RowGroupSize: 50}
	if lay != nil {
		o.PartitionByOwner = lay.PartitionByOwner
	}
	e := newExecutor(t, flushed, t.TempDir(), &o)
	p := messagesProvider(t, flushed)
	update := func(owner string, ids ...int64) {
		for _, db := range dbs {
			s, err := chat.NewMessageStore(db)
			if err != nil {
				t.Fatal(err)
			}
			ow, err := s.For(owner)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				m := message(owner, int(id-1))
				m.Content = "updated"
				m.ConversationID = 2
				if err := ow.Put(&m); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	compare := func(stage string) {
		t.Helper()
		for _, owner := range append([]string{""}, owners[:3]...) {
			rp, fp := messagesProvider(t, ref), p
			if owner != "" {
				scope := keyenc.AppendString(nil, owner)
				rp, fp = rp.WithScope(scope), fp.WithScope(scope)
			}
			for i, q := range queries {
				want := scanProvider(t, rp, q)
				got := scanAll(t, e, fp, q)
				if !slices.Equal(got, want) {
					t.Fatalf("%s, owner %q, query %d (%v): union returns %d rows, the reference %d\n got %v\nwant %v", stage, owner, i, q.Filter, len(got), len(want), head(got), head(want))
				}
				// Provider.Scan of a flushed table is the same union.
				if plain := scanProvider(t, fp, q); !slices.Equal(plain, want) {
					t.Fatalf("%s, owner %q, query %d (%v): Provider.Scan returns %d rows, the reference %d\n got %v\nwant %v", stage, owner, i, q.Filter, len(plain), len(want), head(plain), head(want))
				}
			}
		}
	}
	compare("before any flush")
	if _, err := e.FlushOwner(context.Background(), p, "u1"); err != nil {
		t.Fatal(err)
	}
	compare("after flushing u1")
	update("u1", 1, 2, 150) // now hot, newer than their flushed copies
	update("alice", 3)
	compare("after updating flushed rows")
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	compare("after flushing everything") // u1's rows 1, 2, 150 are in two files
	update("u1", 1)
	update("bob", 7, 8)
	compare("after updating again")

	// Pruning: a filter no segment can match opens none of them; one owner
	// opens only the files holding that owner's rows (its own two, or the
	// two multi-owner ones).
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	var st scan.UnionStats
	rdr, err := e.Scan(context.Background(), p, scan.Request{Filter: &scan.Cmp{Column: "row_id", Op: scan.OpGt, Value: 1 << 40}}, &st)
	if err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	if st.SegmentsRead != 0 || st.SegmentsSkipped != len(m.Segments) {
		t.Fatalf("key-range pruning: %+v", st)
	}
	st = scan.UnionStats{}
	rdr, err = e.Scan(context.Background(), p, scan.Request{Filter: &scan.Cmp{Column: "sent_at", Op: scan.OpLt, Value: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}, &st)
	if err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	if st.SegmentsRead != 0 {
		t.Fatalf("column-statistics pruning: %+v", st)
	}
	st = scan.UnionStats{}
	rdr, err = e.Scan(context.Background(), p.WithScope(keyenc.AppendString(nil, "u1")), scan.Request{}, &st)
	if err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	if st.SegmentsRead != 2 || st.SegmentsSkipped != len(m.Segments)-2 {
		t.Fatalf("owner pruning: %+v", st)
	}
}

// TestRowUpdatedDuringFlushStaysHot updates a row while the flush reads
// the snapshot: the flushed copy is the old one, the new one stays hot and
// wins.
func TestRowUpdatedDuringFlushStaysHot(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	fillMessages(t, db, 50)
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := s.For("alice")
	if err != nil {
		t.Fatal(err)
	}
	var o flush.Options
	updated := false
	flush.SetFault(&o, func(step flush.Step) error {
		if step == flush.StepBatch && !updated {
			updated = true
			m := message("alice", 9)
			m.Content = "written during the flush"
			return alice.Put(&m)
		}
		return nil
	})
	e := newExecutor(t, db, t.TempDir(), &o)
	p := messagesProvider(t, db)
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != res.Rows-1 {
		t.Fatalf("deleted %d of %d rows, want all but the updated one", res.Deleted, res.Rows)
	}
	got, err := alice.Get(10)
	if err != nil || got.Content != "written during the flush" {
		t.Fatalf("updated row: %+v %v", got, err)
	}
	rows := scanAll(t, e, p.WithScope(keyenc.AppendString(nil, "alice")), scan.Request{Columns: []string{"content"}, Filter: &scan.Cmp{Column: "row_id", Op: scan.OpEq, Value: 10}})
	if len(rows) != 1 || rows[0] != "written during the flush|" {
		t.Fatalf("union returns %q for the updated row", rows)
	}
	if probs, err := s.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify: %v %v", probs, err)
	}
}

// TestFlushSharedTable flushes a table without owners into one file.
func TestFlushSharedTable(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	s, err := chat.NewConversationStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		c := chat.Conversation{RowID: int64(i + 1), Title: fmt.Sprint("t", i), CreatedBy: "u" + fmt.Sprint(i%3), MemberCount: int32(i), CreatedAt: time.Unix(int64(i), 0)}
		if i%2 == 0 {
			c.Settings = []byte(`{"mute":true}`)
		}
		if err := s.Put(&c); err != nil {
			t.Fatal(err)
		}
	}
	l := chat.ConversationSpec().Layout
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := scanProvider(t, p, scan.Request{})
	e := newExecutor(t, db, t.TempDir(), nil)
	if _, err := e.FlushOwner(context.Background(), p, "x"); err == nil {
		t.Fatal("FlushOwner on a shared table succeeded")
	}
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Segments) != 1 || res.Segments[0].File != "part-00000001.parquet" || res.Segments[0].Owner != nil || res.Deleted != 40 {
		t.Fatalf("result %+v", res)
	}
	if got := scanAll(t, e, p, scan.Request{}); !slices.Equal(got, want) {
		t.Fatalf("union %v\nwant %v", head(got), head(want))
	}
	if probs, err := s.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify: %v %v", probs, err)
	}
}

// TestPolicy checks FlushIfNeeded's row-count and age triggers.
func TestPolicy(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	fillMessages(t, db, 10) // sent_at from 2026-01-01 00:00 UTC, one per minute
	p := messagesProvider(t, db)
	now := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	e := newExecutor(t, db, t.TempDir(), &flush.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	for _, c := range []struct {
		pol  flush.Policy
		due  bool
		fail bool
	}{
		{flush.Policy{MaxRows: 60}, false, false},
		{flush.Policy{MaxRows: 59}, true, false},
		{flush.Policy{MaxAge: time.Hour, TimeColumn: "sent_at"}, false, false},
		{flush.Policy{MaxAge: 59*time.Minute + 59*time.Second, TimeColumn: "sent_at"}, true, false},
		{flush.Policy{MaxAge: time.Hour, TimeColumn: "edited_at"}, false, false},
		{flush.Policy{MaxAge: time.Minute, TimeColumn: "content"}, false, true},
		{flush.Policy{MaxAge: time.Minute}, false, true},
		{flush.Policy{}, false, true},
		{flush.Policy{MaxRows: -1}, false, true},
	} {
		due, why, err := e.Due(ctx, p, c.pol)
		if (err != nil) != c.fail || due != c.due {
			t.Errorf("policy %+v: due %t (%s), err %v; want due %t, error %t", c.pol, due, why, err, c.due, c.fail)
		}
	}
	res, err := e.FlushIfNeeded(ctx, p.WithScope(keyenc.AppendString(nil, "bob")), flush.Policy{MaxRows: 5})
	if err != nil || res == nil || res.Rows != 10 {
		t.Fatalf("FlushIfNeeded: %+v %v", res, err)
	}
	res, err = e.FlushIfNeeded(ctx, p, flush.Policy{MaxRows: 100})
	if err != nil || res != nil {
		t.Fatalf("FlushIfNeeded under the limit: %+v %v", res, err)
	}
	if n, err := e.HotRows(ctx, p); err != nil || n != 50 {
		t.Fatalf("HotRows: %d %v", n, err)
	}
}
