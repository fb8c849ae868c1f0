package flush_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

var (
	benchRows     = flag.Int("rows", 100_000, "rows of the flush benchmarks' 20-column table")
	benchDict     = flag.String("dict", "strings", "flush benchmark dictionary encoding: strings, all or none")
	benchZstd     = flag.Int("zstd", 0, "flush benchmark ZSTD level (0 = flush.DefaultZstdLevel)")
	benchRowGroup = flag.Int64("rowgroup", 0, "flush benchmark rows per row group (0 = flush.DefaultRowGroupSize)")
)

// benchOptions are the executor options the flush benchmarks use, from
// the flags above.
func benchOptions(b *testing.B) flush.Options {
	o := flush.Options{CompressionLevel: *benchZstd, RowGroupSize: *benchRowGroup}
	switch *benchDict {
	case "strings":
		o.Dictionary = flush.DictionaryStrings
	case "all":
		o.Dictionary = flush.DictionaryAll
	case "none":
		o.Dictionary = flush.DictionaryNone
	default:
		b.Fatalf("-dict %q: want strings, all or none", *benchDict)
	}
	return o
}

// settle compacts the benchmark table's rows into sstables, so that the
// memtable flushes and compactions a load triggers do not run inside the
// timed part of either side.
func settle(b *testing.B, db *store.DB, l *layout.Table) {
	prefix := store.RowPrefix(l.ID)
	if err := rawpebble.DB(db).Compact(context.Background(), prefix, keyenc.PrefixEnd(prefix), false); err != nil {
		b.Fatal(err)
	}
}

// wideLayout is a 20-column shared table of about 160 bytes per row.
func wideLayout() layout.Table {
	cols := []layout.Column{{Tag: 1, Name: "id", Type: "int64"}}
	types := []string{"int64", "int64", "int64", "int32", "int32", "int32", "string", "string", "string", "string",
		"float64", "float64", "timestamp", "timestamp", "bool", "enum", "uuid", "string", "duration"}
	for i, t := range types {
		c := layout.Column{Tag: int32(i + 2), Name: fmt.Sprintf("c%02d_%s", i+2, t), Type: t}
		if t == "enum" {
			c.Values = []string{"new", "running", "done"}
		}
		if i == 17 {
			c.Nullable = true
		}
		cols = append(cols, c)
	}
	return layout.Table{ID: 4242, Namespace: "bench", Name: "wide", Kind: "shared",
		Key: []layout.KeyColumn{{Name: "id", Type: "int64"}}, Columns: cols}
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
	batch := rawpebble.DB(db).NewBatch()
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
			batch = rawpebble.DB(db).NewBatch()
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
// before the flush; start-RSS is the process's RSS when it starts, with
// the database open and loaded), its peak Go heap and the file size. The
// writer settings come from the -dict, -zstd and -rowgroup flags (the
// executor's defaults when unset); the baseline writes with the same.
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
	opts := benchOptions(b)
	props, err := flush.WriterProperties(opts, &l)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("baseline", func(b *testing.B) {
		loadWide(b, db, n)
		settle(b, db, &l)
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
			it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: store.RowPrefix(l.ID), UpperBound: keyenc.PrefixEnd(store.RowPrefix(l.ID))})
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
		if err := rawpebble.DB(db).DeleteRange(store.RowPrefix(l.ID), keyenc.PrefixEnd(store.RowPrefix(l.ID)), pebble.Sync); err != nil {
			b.Fatal(err)
		}
	})

	b.Run("flush", func(b *testing.B) {
		var peakRSS, peakHeap, startRSS, fileMiB float64
		for i := range b.N {
			b.StopTimer()
			loadWide(b, db, n)
			settle(b, db, &l)
			root := b.TempDir()
			o := opts
			e := newExecutor(b, db, root, &o)
			// Return the heap freed by earlier rounds to the OS, so the
			// peak is this flush's and not what Go kept from before.
			debug.FreeOSMemory()
			resetPeakRSS()
			startRSS = max(startRSS, peakRSSMiB())
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
			fileMiB = float64(res.Bytes) / (1 << 20)
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "rows/s")
		b.ReportMetric(peakRSS, "peak-RSS-MiB")
		b.ReportMetric(startRSS, "start-RSS-MiB")
		b.ReportMetric(peakHeap, "peak-heap-MiB")
		b.ReportMetric(fileMiB, "file-MiB")
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

// sampleHeap samples the Go heap in use (HeapInuse: the bytes of in-use
// spans) every 5 ms until the returned func is called, which returns the
// peak in MiB. It reads runtime/metrics, which does not stop the world as
// runtime.ReadMemStats does: 200 pauses a second of the flush's goroutines
// would be charged to the flush and not to its baseline.
func sampleHeap() func() float64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			if inuse := samples[0].Value.Uint64() + samples[1].Value.Uint64(); inuse > peak.Load() {
				peak.Store(inuse)
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

// BenchmarkFlushMessages flushes -rows rows of chat.messages (spread over
// the test owners, one file each) through the schema-driven provider,
// which `tablegen flush` uses, and through the generated one, which a
// program with generated code uses; ratio = generated / schema.
func BenchmarkFlushMessages(b *testing.B) {
	per := max(*benchRows/len(owners), 1)
	for _, c := range []struct {
		name string
		p    func(testing.TB, *store.DB) *scan.Provider
	}{{"schema", schemaProvider}, {"generated", messagesProvider}} {
		b.Run(c.name, func(b *testing.B) {
			// A DB of its own: the rows an earlier sub-benchmark flushed
			// are cold rows whose files went with its temporary
			// directory, so loading the same keys again would read them.
			db := openDB(b, b.TempDir())
			defer db.Close()
			p := c.p(b, db)
			l := p.Layout()
			for range b.N {
				b.StopTimer()
				fillMessages(b, db, per)
				settle(b, db, &l)
				o := benchOptions(b)
				e := newExecutor(b, db, b.TempDir(), &o)
				b.StartTimer()
				res, err := e.Flush(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				if res.Rows != int64(per*len(owners)) {
					b.Fatalf("flushed %d rows, want %d", res.Rows, per*len(owners))
				}
			}
			b.ReportMetric(float64(per*len(owners))/(b.Elapsed().Seconds()/float64(b.N)), "rows/s")
		})
	}
}
