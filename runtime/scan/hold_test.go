package scan_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestScanHoldsTheDB: DB.Close with a reader open ends the reader with
// ErrClosed instead of closing Pebble under its iterator (which panicked),
// and a scan after Close is ErrClosed, not a Pebble panic (a Flight client
// can start a scan at any moment, also while the service shuts down).
func TestScanHoldsTheDB(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []row
	for i := range 50 {
		var r row
		r[cTenant], r[cSeq], r[cRole], r[cActive], r[cCounter] = "t", int64(i), int32(1), true, uint64(i)
		r[cCreated] = time.Unix(int64(i), 0).UTC()
		rows = append(rows, r)
	}
	load(t, db, 7, rows)
	l := peopleLayout(7)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := p.Scan(context.Background(), scan.Request{BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close with a reader open: %v", err)
	}
	for rdr.Next() {
	}
	if !errors.Is(rdr.Err(), store.ErrClosed) {
		t.Fatalf("reader after Close: err %v, want store.ErrClosed", rdr.Err())
	}
	rdr.Release()
	if _, err := p.Scan(context.Background(), scan.Request{}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Scan after Close = %v, want store.ErrClosed", err)
	}
}
