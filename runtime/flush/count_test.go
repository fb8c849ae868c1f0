package flush_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestCountDuringFlush: Count reads a table's hot rows and its cold
// markers from one snapshot. A flush moves rows from the first keyspace to
// the second in one commit and a rewrite moves a row back, so two reads
// taken at different times counted a row moved between them twice or not
// at all (seen as "Count 183, Scan 182" in TestCompactConcurrentReads).
func TestCountDuringFlush(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	ow, err := s.For("alice")
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000 // enough rows that counting the hot ones takes a while
	rows := make([]chat.Message, n)
	for i := range rows {
		rows[i] = message("alice", i)
		if err := ow.Put(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	e := newExecutor(t, db, t.TempDir(), nil)
	p := messagesProvider(t, db)
	var stop atomic.Bool
	var wrong atomic.Int64 // the first wrong count, +1
	var counts atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			got, err := ow.Count(store.Range{})
			if err != nil {
				t.Error(err)
				return
			}
			counts.Add(1)
			if got != n {
				wrong.CompareAndSwap(0, int64(got)+1)
			}
		}
	}()
	for round := 0; round < 20 && wrong.Load() == 0; round++ {
		if _, err := e.Flush(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		for i := range rows { // back to hot, one row at a time
			if err := ow.Put(&rows[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	if w := wrong.Load(); w != 0 {
		t.Fatalf("Count during a flush and rewrites = %d; want %d (after %d counts)", w-1, n, counts.Load())
	}
	t.Logf("%d counts", counts.Load())
}
