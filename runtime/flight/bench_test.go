package flight_test

import (
	"context"
	"flag"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// BenchmarkScan20 scans a 20-column table (~160 B rows, as runtime/scan's
// benchmarks: a uint64 key, an int64 and 18 columns cycling int64, string,
// float64) in full, schema-driven, in process and over Flight on loopback,
// in the same run, so the two compare:
//
//	go test ./runtime/flight -run '^$' -bench Scan20 -benchtime 5x -flight.rows 200000
var benchRows = flag.Int("flight.rows", 100_000, "rows in the benchmark table")

func wideLayout() layout.Table {
	l := layout.Table{ID: 200, Namespace: "bench", Name: "wide", Kind: "system",
		Key: []layout.KeyColumn{{Name: "id", Type: "uint64"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "id", Type: "uint64"},
			{Tag: 2, Name: "grp", Type: "int64"},
		},
	}
	for j := range 18 {
		typ := []string{"int64", "string", "float64"}[j%3]
		l.Columns = append(l.Columns, layout.Column{Tag: int32(3 + j), Name: fmt.Sprintf("c%02d", j), Type: typ})
	}
	return l
}

func encodeWide(dst []byte, n *uint64) []byte {
	dst = rowenc.AppendUint64(dst, 1, *n)
	dst = rowenc.AppendInt64(dst, 2, int64(*n%1000))
	for j := range 18 {
		tag := protowire.Number(3 + j)
		switch j % 3 {
		case 0:
			dst = rowenc.AppendInt64(dst, tag, int64(*n*7919)+int64(j))
		case 1:
			dst = rowenc.AppendString(dst, tag, fmt.Sprintf("v%07d", (*n*31+uint64(j))%10_000_000))
		default:
			dst = rowenc.AppendFloat64(dst, tag, float64(*n)*1.5)
		}
	}
	return dst
}

func BenchmarkScan20(b *testing.B) {
	db, err := store.Open(b.TempDir(), &store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tab, err := store.NewTable(db, store.Spec[uint64, uint64]{
		Layout:    wideLayout(),
		AppendKey: keyenc.AppendUint64,
		DecodeKey: func(k []byte) (uint64, error) { v, _, err := keyenc.DecodeUint64(k); return v, err },
		KeyOf:     func(n *uint64) uint64 { return *n },
		AppendRow: encodeWide,
		DecodeRow: func(v []byte, n *uint64, _ *rowenc.Arena) error { return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	batch := db.NewBatch()
	for i := range uint64(*benchRows) {
		tab.PutIn(batch, &i)
		if batch.Len() == 10_000 {
			if err := batch.Commit(); err != nil {
				b.Fatal(err)
			}
			batch = db.NewBatch()
		}
	}
	if err := batch.Commit(); err != nil {
		b.Fatal(err)
	}
	if err := rawpebble.DB(db).Flush(); err != nil {
		b.Fatal(err)
	}
	l := wideLayout()
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		b.Fatal(err)
	}
	g, err := scan.NewGuarded(p, access.Policy{Table: "bench.wide", Kind: layout.System})
	if err != nil {
		b.Fatal(err)
	}
	actor := access.Actor{UserID: "admin", Role: access.RoleDBA}
	srv, err := flight.NewServer(map[string]*scan.Guarded{"bench.wide": g}, flight.Options{
		Auth: func(context.Context, string) (access.Actor, error) { return actor, nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	c, err := flight.Dial(lis.Addr().String(), flight.ClientOptions{Token: "t"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()

	local := func(b *testing.B) {
		r, err := g.Scan(context.Background(), scan.ActorRequest{Actor: actor})
		if err != nil {
			b.Fatal(err)
		}
		drain(b, r)
	}
	remote := func(b *testing.B) {
		r, err := c.Scan(context.Background(), flight.Ticket{Table: "bench.wide"})
		if err != nil {
			b.Fatal(err)
		}
		drain(b, r)
	}
	for _, run := range []struct {
		name string
		scan func(*testing.B)
	}{{"inprocess", local}, {"flight", remote}} {
		b.Run(run.name, func(b *testing.B) {
			for b.Loop() {
				run.scan(b)
			}
			b.ReportMetric(float64(*benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	// ratio alternates the two scans, so that the load of a shared machine
	// falls on both alike, and reports Flight's time over in-process time.
	b.Run("ratio", func(b *testing.B) {
		var in, fl time.Duration
		for b.Loop() {
			t0 := time.Now()
			local(b)
			t1 := time.Now()
			remote(b)
			in, fl = in+t1.Sub(t0), fl+time.Since(t1)
		}
		b.ReportMetric(float64(fl)/float64(in), "flight/inprocess")
	})
}

// drain reads every batch of r, checks the row count and releases r.
func drain(b *testing.B, r array.RecordReader) {
	n := int64(0)
	for r.Next() {
		n += r.RecordBatch().NumRows()
	}
	if r.Err() != nil || n != int64(*benchRows) {
		b.Fatalf("%d rows, %v", n, r.Err())
	}
	r.Release()
}
