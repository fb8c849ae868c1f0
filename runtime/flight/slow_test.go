package flight_test

import (
	"context"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// countingAlloc tracks the Arrow memory a scan holds: now and at most.
type countingAlloc struct {
	memory.Allocator
	cur, peak, calls atomic.Int64
}

func (a *countingAlloc) add(n int) {
	a.calls.Add(1)
	c := a.cur.Add(int64(n))
	for p := a.peak.Load(); c > p && !a.peak.CompareAndSwap(p, c); p = a.peak.Load() {
	}
}

func (a *countingAlloc) Allocate(n int) []byte { a.add(n); return a.Allocator.Allocate(n) }
func (a *countingAlloc) Free(b []byte)         { a.add(-len(b)); a.Allocator.Free(b) }
func (a *countingAlloc) Reallocate(n int, b []byte) []byte {
	a.add(n - len(b))
	return a.Allocator.Reallocate(n, b)
}

// liveHeap is the heap in use after a collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestSlowClientBoundsServerMemory: a client that stops reading a large
// DoGet stream does not make the server buffer the table. The server
// writes one batch at a time and blocks on gRPC flow control, so while the
// client stalls the Arrow memory of the scan stays at a few batches and
// the live heap grows by far less than the table; the client then reads
// every row.
func TestSlowClientBoundsServerMemory(t *testing.T) {
	const (
		rows    = 24_000
		payload = 1 << 10 // bytes per row: a 24 MiB table
		batch   = 256     // rows per batch: 256 KiB batches
	)
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := layout.Table{ID: 40, Namespace: "t", Name: "big", Kind: layout.System,
		Key:     []layout.KeyColumn{{Name: "id", Type: "int64"}},
		Columns: []layout.Column{{Tag: 1, Name: "id", Type: "int64"}, {Tag: 2, Name: "body", Type: "string"}}}
	type item struct {
		id   int64
		body string
	}
	tbl, err := store.NewTable(db, store.Spec[int64, item]{
		Layout:    l,
		AppendKey: func(dst []byte, k int64) []byte { return keyenc.AppendInt64(dst, k) },
		DecodeKey: func(b []byte) (int64, error) { k, _, err := keyenc.DecodeInt64(b); return k, err },
		KeyOf:     func(v *item) int64 { return v.id },
		AppendRow: func(dst []byte, v *item) []byte {
			return rowenc.AppendString(rowenc.AppendInt64(dst, 1, v.id), 2, v.body)
		},
		DecodeRow: func([]byte, *item, *rowenc.Arena) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	body := strings.Repeat("x", payload)
	for i := range rows {
		tbl.PutIn(b, &item{id: int64(i), body: body})
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}

	alloc := &countingAlloc{Allocator: memory.NewGoAllocator()}
	p, err := scan.NewProvider(db, &l, scan.Options{Allocator: alloc})
	if err != nil {
		t.Fatal(err)
	}
	g, err := scan.NewGuarded(p, access.Policy{Table: "t.big", Kind: layout.System})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := flight.NewServer(map[string]*scan.Guarded{"t.big": g}, flight.Options{Auth: tokenAuth})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	c, err := flight.Dial(lis.Addr().String(), flight.ClientOptions{Token: "tok-dba"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	before := liveHeap()
	rr, err := c.Scan(context.Background(), flight.Ticket{Table: "t.big", BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if !rr.Next() {
		t.Fatalf("no first batch: %v", rr.Err())
	}
	got := rr.RecordBatch().NumRows()
	// The client stalls. Wait until the server stops allocating: it is
	// blocked on flow control (or has sent everything, which the bound
	// below would catch).
	for last, quiet := int64(-1), 0; quiet < 5; {
		time.Sleep(40 * time.Millisecond)
		if n := alloc.calls.Load(); n == last {
			quiet++
		} else {
			last, quiet = n, 0
		}
	}
	tableBytes := int64(rows * payload)
	stalledArrow := alloc.cur.Load()
	stalledHeap := liveHeap() - before
	if stalledArrow > 8*batch*payload {
		t.Errorf("while the client stalls the scan holds %d bytes of Arrow memory; want at most 8 batches (%d)", stalledArrow, 8*batch*payload)
	}
	if stalledHeap > tableBytes/3 {
		t.Errorf("while the client stalls the live heap grew by %d bytes, a third of the %d-byte table or more: the server buffers the stream", stalledHeap, tableBytes)
	}
	for rr.Next() {
		got += rr.RecordBatch().NumRows()
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if got != rows {
		t.Fatalf("read %d rows, want %d", got, rows)
	}
	if peak := alloc.peak.Load(); peak > 8*batch*payload {
		t.Errorf("the scan held up to %d bytes of Arrow memory; want at most 8 batches (%d)", peak, 8*batch*payload)
	}
	t.Logf("stalled: Arrow %d B, heap +%d B; peak Arrow %d B; table %d B", stalledArrow, stalledHeap, alloc.peak.Load(), tableBytes)
}
