package flush_test

import (
	"flag"
	"fmt"
	"testing"
)

var coldRows = flag.Int64("cold.rows", 50_000, "rows of BenchmarkColdGet's owner (issue 17 states its goals at 1000000)")

// BenchmarkColdGet compares Get of a flushed row (warm segment cache)
// with Get of a hot row, on one owner's -cold.rows rows (50 000), and Put
// of a new row whose unique value is checked against rows that are all
// cold or all hot.
func BenchmarkColdGet(b *testing.B) {
	rows := *coldRows
	for _, cold := range []bool{false, true} {
		x := openTickets(b)
		alice := x.owner(b, "alice")
		batch := x.db.NewBatch()
		for i := range rows {
			alice.PutIn(batch, &ticket{Seq: i, Code: fmt.Sprint("c", i), Tag: "x", Amount: i})
		}
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
		name := "hot"
		if cold {
			name = "cold"
			x.flush(b)
			if _, err := alice.Get(0); err != nil { // load the segment once
				b.Fatal(err)
			}
		}
		b.Run("get/"+name, func(b *testing.B) {
			i := int64(0)
			for b.Loop() {
				if _, err := alice.Get(i * 7919 % rows); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run("unique-put/"+name, func(b *testing.B) {
			i := int64(rows)
			for b.Loop() {
				if err := alice.Put(&ticket{Seq: i, Code: fmt.Sprint("c", i), Tag: "x"}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
