package flush_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

var benchRows = flag.Int("rows", 100_000, "rows of the flush benchmarks' 20-column table")

// wideLayout is a 20-column shared table of about 160 bytes per row.
func wideLayout() store.Layout {
	cols := []store.ColumnLayout{{Tag: 1, Name: "id", Type: "int64"}}
	types := []string{"int64", "int64", "int64", "int32", "int32", "int32", "string", "string", "string", "string",
		"float64", "float64", "timestamp", "timestamp", "bool", "enum", "uuid", "string", "duration"}
	for i, t := range types {
		c := store.ColumnLayout{Tag: int32(i + 2), Name: fmt.Sprintf("c%02d_%s", i+2, t), Type: t}
		if t == "enum" {
			c.Values = []string{"new", "running", "done"}
		}
		if i == 17 {
			c.Nullable = true
		}
		cols = append(cols, c)
	}
	return store.Layout{ID: 4242, Namespace: "bench", Name: "wide", Kind: "shared",
		Key: []store.KeyColumn{{Name: "id", Type: "int64"}}, Columns: cols}
}

func wideRow(dst []byte, i int64) []byte {
	dst = rowenc.AppendInt64(dst, 1, i)
	dst = rowenc.AppendInt64(dst, 2, i*7)
	dst = rowenc.AppendInt64(dst, 3, i%1000)
	dst = rowenc.AppendInt64(dst, 4, -i)
	dst = rowenc.AppendInt32(dst, 5, int32(i%97))
	dst = rowenc.AppendInt32(dst, 6, int32(i%13))
	dst = rowenc.AppendInt32(dst, 7, 42)
	dst = rowenc.AppendString(dst, 8, "user-"+strconv.FormatInt(i%5000, 10))
	dst = rowenc.AppendString(dst, 9, "some moderately long text "+strconv.FormatInt(i, 36))
	dst = rowenc.AppendString(dst, 10, "category-"+strconv.FormatInt(i%20, 10))
	dst = rowenc.AppendString(dst, 11, "x")
	dst = rowenc.AppendFloat64(dst, 12, float64(i)*0.5)
	dst = rowenc.AppendFloat64(dst, 13, 1.0/float64(i+1))
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	dst = rowenc.AppendTimestamp(dst, 14, t)
	dst = rowenc.AppendTimestamp(dst, 15, t.Add(time.Hour))
	dst = rowenc.AppendBool(dst, 16, i%2 == 0)
	dst = rowenc.AppendEnum(dst, 17, int32(i%3))
	var u [16]byte
	copy(u[:], strconv.FormatInt(i*2654435761, 16))
	dst = rowenc.AppendUUID(dst, 18, u)
	if i%3 != 0 {
		dst = rowenc.AppendString(dst, 19, "note")
	}
	return rowenc.AppendDuration(dst, 20, time.Duration(i)*time.Second)
}

// loadWide writes n rows in key order.
func loadWide(b *testing.B, db *store.DB, n int) {
	l := wideLayout()
	prefix := store.RowPrefix(l.ID)
	batch := db.Pebble().NewBatch()
	var key, val []byte
	for i := range int64(n) {
		key = keyenc.AppendInt64(append(key[:0], prefix...), i)
		val = wideRow(val[:0], i)
		if err := batch.Set(key, val, nil); err != nil {
			b.Fatal(err)
		}
		if batch.Len() > 32<<20 {
			if err := batch.Commit(pebble.NoSync); err != nil {
				b.Fatal(err)
			}
			batch = db.Pebble().NewBatch()
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFlush compares a flush of -rows rows (snapshot scan, Arrow,
// Parquet, keys file, manifest, deletion) with its floor measured in the
// same run: a raw Pebble scan of the same rows plus a pqarrow write of the
// same rows prebuilt in memory, with the same writer settings. Ratio =
// flush / baseline. The flush also reports its peak RSS (VmHWM, reset
// before the flush) and peak Go heap.
func BenchmarkFlush(b *testing.B) {
	n := *benchRows
	l := wideLayout()
	dbDir := b.TempDir()
	db := openDB(b, dbDir)
	defer db.Close()
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		b.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithMaxRowGroupLength(flush.DefaultRowGroupSize), parquet.WithCreatedBy("tablegen"))

	b.Run("baseline", func(b *testing.B) {
		loadWide(b, db, n)
		// Prebuild the rows in memory, outside the timer.
		rdr, err := p.Scan(context.Background(), scan.Request{})
		if err != nil {
			b.Fatal(err)
		}
		var recs []arrow.RecordBatch
		for rdr.Next() {
			recs = append(recs, flush.ParquetForm(rdr.RecordBatch()))
		}
		rdr.Release()
		defer func() {
			for _, r := range recs {
				r.Release()
			}
		}()
		out := filepath.Join(b.TempDir(), "baseline.parquet")
		b.ResetTimer()
		for range b.N {
			it, err := db.Pebble().NewIter(&pebble.IterOptions{LowerBound: store.RowPrefix(l.ID), UpperBound: keyenc.PrefixEnd(store.RowPrefix(l.ID))})
			if err != nil {
				b.Fatal(err)
			}
			var bytes int
			for ok := it.First(); ok; ok = it.Next() {
				bytes += len(it.Value())
			}
			if err := it.Close(); err != nil {
				b.Fatal(err)
			}
			f, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			bw := bufio.NewWriterSize(f, 1<<20)
			fw, err := pqarrow.NewFileWriter(recs[0].Schema(), bw, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range recs {
				if err := fw.WriteBuffered(r); err != nil {
					b.Fatal(err)
				}
			}
			if err := fw.Close(); err != nil {
				b.Fatal(err)
			}
			if err := bw.Flush(); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "rows/s")
		// Leave the table empty for the next sub-benchmark.
		if err := db.Pebble().DeleteRange(store.RowPrefix(l.ID), keyenc.PrefixEnd(store.RowPrefix(l.ID)), pebble.Sync); err != nil {
			b.Fatal(err)
		}
	})

	b.Run("flush", func(b *testing.B) {
		var peakRSS, peakHeap float64
		for i := range b.N {
			b.StopTimer()
			loadWide(b, db, n)
			root := b.TempDir()
			e := newExecutor(b, db, root, nil)
			runtime.GC()
			resetPeakRSS()
			stop := sampleHeap()
			b.StartTimer()
			res, err := e.Flush(context.Background(), p)
			b.StopTimer()
			heap := stop()
			if err != nil {
				b.Fatal(err)
			}
			if res.Rows != int64(n) || res.Deleted != int64(n) {
				b.Fatalf("round %d: flushed %d, deleted %d, want %d", i, res.Rows, res.Deleted, n)
			}
			peakRSS = max(peakRSS, peakRSSMiB())
			peakHeap = max(peakHeap, heap)
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "rows/s")
		b.ReportMetric(peakRSS, "peak-RSS-MiB")
		b.ReportMetric(peakHeap, "peak-heap-MiB")
	})
}

// resetPeakRSS resets the kernel's VmHWM (Linux: clear_refs 5).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMiB reads VmHWM, the peak resident set since the last reset.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// sampleHeap samples the Go heap in use every 5 ms until the returned func
// is called, which returns the peak in MiB.
func sampleHeap() func() float64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak.Load()) / (1 << 20)
	}
}
