package bench

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sync"
	"testing"
)

var rowsFlag = flag.Int("rows", 100_000, "number of rows every benchmark loads")

var (
	rowsOnce sync.Once
	rowsData []Row
)

// benchRows returns the -rows rows, made once per process so every
// implementation loads exactly the same data.
func benchRows(b *testing.B) []Row {
	rowsOnce.Do(func() { rowsData = MakeRows(*rowsFlag, 1) })
	if len(rowsData) == 0 {
		b.Fatal("-rows must be positive")
	}
	return rowsData
}

// labeled runs a sub-benchmark with the pprof label workload=name, so that
// `go tool pprof -tagfocus workload=Get` separates the workload's samples
// from the untimed load before it (scripts/bench.sh profiles this way).
func labeled(b *testing.B, name string, fn func(b *testing.B)) {
	b.Run("op="+name, func(b *testing.B) {
		pprof.Do(context.Background(), pprof.Labels("workload", name), func(context.Context) { fn(b) })
	})
}

// BenchmarkInsert loads all rows into a new, empty database, in batches of
// BatchSize, with the secondary index maintained. One op is the whole load;
// ns/row divides it by the row count. Opening and closing the database are
// not timed.
func BenchmarkInsert(b *testing.B) {
	rows := benchRows(b)
	for _, impl := range Impls {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			parent := b.TempDir()
			pprof.Do(context.Background(), pprof.Labels("workload", "Insert"), func(context.Context) {
				insertLoop(b, impl, parent, rows)
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
		})
	}
}

// insertLoop is the timed loop of BenchmarkInsert.
func insertLoop(b *testing.B, impl Impl, parent string, rows []Row) {
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp(parent, "db")
		if err != nil {
			b.Fatal(err)
		}
		s, err := impl.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.Load(rows); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkRead runs the read workloads on one loaded and settled database
// per implementation (loaded once per run of this function, untimed).
func BenchmarkRead(b *testing.B) {
	rows := benchRows(b)
	n := len(rows)
	for _, impl := range Impls {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			s, err := impl.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					b.Error(err)
				}
			}()
			if err := s.Load(rows); err != nil {
				b.Fatal(err)
			}
			if err := s.Settle(); err != nil {
				b.Fatal(err)
			}
			labeled(b, "Get", func(b *testing.B) {
				ids := rand.New(rand.NewPCG(2, 3)).Perm(n)
				i := 0
				for b.Loop() {
					id := int64(ids[i%n])
					r, err := s.Get(id)
					if err != nil || r.ID != id {
						b.Fatalf("Get(%d) = row %d, %v", id, r.ID, err)
					}
					i++
				}
			})
			labeled(b, "Lookup", func(b *testing.B) {
				names := make([]string, Categories)
				for i := range names {
					names[i] = CategoryName(i)
				}
				var dst []Row
				total, i := 0, 0
				for b.Loop() {
					dst, err = s.ByCategory(names[i%Categories], dst[:0])
					if err != nil {
						b.Fatal(err)
					}
					total += len(dst)
					i++
				}
				b.ReportMetric(float64(total)/float64(b.N), "rows/op")
			})
			labeled(b, "ScanLimit10", func(b *testing.B) {
				var dst []Row
				for b.Loop() {
					dst, err = s.First(10, dst[:0])
					if err != nil || len(dst) != min(10, n) {
						b.Fatalf("First(10) = %d rows, %v", len(dst), err)
					}
				}
			})
			labeled(b, "FullScan", func(b *testing.B) {
				for b.Loop() {
					got := 0
					if err := s.ScanAll(func(*Row) error { got++; return nil }); err != nil {
						b.Fatal(err)
					}
					if got != n {
						b.Fatalf("ScanAll saw %d rows, want %d", got, n)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			})
			// Projection only where the library has one; the report
			// prints n/a for the others.
			if _, err := s.SumScore(); errors.Is(err, ErrNoProjection) {
				return
			}
			labeled(b, "Project", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.SumScore(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			})
		})
	}
}
