package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// txBenchRows is the number of rows of the transaction benchmarks' table.
const txBenchRows = 1000

// txBenchTable opens a database with one wide table (two indexes when
// indexed) of txBenchRows rows.
func txBenchTable(b *testing.B, indexed bool) (*DB, *Table[int64, wide]) {
	b.Helper()
	db, _ := openDB(b, benchOptions())
	t := newWide(b, db, 1, indexed)
	batch := db.NewBatch()
	for i := range int64(txBenchRows) {
		v := makeWide(i)
		t.PutIn(batch, &v)
	}
	if err := batch.Commit(); err != nil {
		b.Fatal(err)
	}
	return db, t
}

// BenchmarkTxReadWrite: an uncontended read-modify-write of one row, as a
// Get then a Put outside any transaction (the baseline, which can lose
// updates under concurrency), as one DB.Update reading and writing it, and
// through Table.Update. Goal: Update ≤ 1.5× GetPut.
func BenchmarkTxReadWrite(b *testing.B) {
	for _, indexed := range []bool{true, false} {
		name := map[bool]string{true: "indexed", false: "plain"}[indexed]
		b.Run(name+"/GetPut", func(b *testing.B) {
			_, t := txBenchTable(b, indexed)
			i := int64(0)
			for b.Loop() {
				v, err := t.Get(i % txBenchRows)
				if err != nil {
					b.Fatal(err)
				}
				v.Count++
				if err := t.Put(&v); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(name+"/Update", func(b *testing.B) {
			db, t := txBenchTable(b, indexed)
			ctx := context.Background()
			i := int64(0)
			for b.Loop() {
				err := db.Update(ctx, func(tx *Tx) error {
					tt := t.In(tx)
					v, err := tt.Get(i % txBenchRows)
					if err != nil {
						return err
					}
					v.Count++
					return tt.Put(&v)
				})
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(name+"/TableUpdate", func(b *testing.B) {
			_, t := txBenchTable(b, indexed)
			i := int64(0)
			for b.Loop() {
				if err := t.Update(i%txBenchRows, func(v *wide) error { v.Count++; return nil }); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkTxView: ten point reads, as ten Gets and inside one View (one
// snapshot). Goal: View ≤ 1.2× Gets.
func BenchmarkTxView(b *testing.B) {
	b.Run("Gets", func(b *testing.B) {
		_, t := txBenchTable(b, true)
		i := int64(0)
		for b.Loop() {
			for range 10 {
				if _, err := t.Get(i % txBenchRows); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		}
	})
	b.Run("View", func(b *testing.B) {
		db, t := txBenchTable(b, true)
		ctx := context.Background()
		i := int64(0)
		for b.Loop() {
			err := db.View(ctx, func(tx *Tx) error {
				tt := t.In(tx)
				for range 10 {
					if _, err := tt.Get(i % txBenchRows); err != nil {
						return err
					}
					i += 7
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTxContention: 2 and 8 goroutines incrementing a row each
// (disjoint) or all the same row (shared) with DB.Update, reporting
// commits/s and retries/commit (always 0: a single writer never
// conflicts), next to blind Puts of the same rows from as many goroutines,
// the commit path alone that any design of transactions would share.
// ns/op is wall time per commit.
func BenchmarkTxContention(b *testing.B) {
	for _, goroutines := range []int{2, 8} {
		for _, shared := range []bool{false, true} {
			rows := map[bool]string{false: "disjoint", true: "shared"}[shared]
			for _, mode := range []string{"Update", "Put"} {
				b.Run(fmt.Sprintf("%d/%s/%s", goroutines, rows, mode), func(b *testing.B) {
					db, t := txBenchTable(b, true)
					ctx := context.Background()
					b.ResetTimer()
					start := time.Now()
					var wg sync.WaitGroup
					for g := range goroutines {
						n := b.N / goroutines
						if g < b.N%goroutines {
							n++
						}
						k := int64(g)
						if shared {
							k = 0
						}
						wg.Go(func() {
							v := makeWide(k)
							for range n {
								var err error
								if mode == "Put" {
									v.Count++
									err = t.Put(&v)
								} else {
									err = db.Update(ctx, func(tx *Tx) error {
										tt := t.In(tx)
										v, err := tt.Get(k)
										if err != nil {
											return err
										}
										v.Count++
										return tt.Put(&v)
									})
								}
								if err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					wg.Wait()
					elapsed := time.Since(start)
					b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
					b.ReportMetric(0, "retries/commit")
				})
			}
		}
	}
}
