package flush_test

import (
	"fmt"
	"testing"

	"github.com/tablegen/tablegen/runtime/flush"
)

// BenchmarkColdGetCompacted compares Get of flushed rows spread over 20
// small segments (20 flushes of 500 rows) with the same rows after
// Compact merged them into one: "first" reads 20 rows, one per original
// segment, through a new executor each time (an empty segment cache, as
// after a restart), "warm" one row with the cache loaded.
func BenchmarkColdGetCompacted(b *testing.B) {
	const flushes, per = 20, 500
	for _, compacted := range []bool{false, true} {
		x := openTickets(b)
		alice := x.owner(b, "alice")
		for f := range int64(flushes) {
			for i := f * per; i < (f+1)*per; i++ {
				if err := alice.Put(&ticket{Seq: i, Code: fmt.Sprint("c", i), Tag: "x", Amount: i}); err != nil {
					b.Fatal(err)
				}
			}
			x.flush(b)
		}
		name := "segments=20"
		if compacted {
			name = "compacted"
			if _, err := x.e.Compact(b.Context(), x.p, nil); err != nil {
				b.Fatal(err)
			}
		}
		root := x.e.Root()
		b.Run("first/"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := flush.New(x.db, root, nil); err != nil {
					b.Fatal(err)
				}
				for f := range int64(flushes) {
					if _, err := alice.Get(f*per + 7); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run("warm/"+name, func(b *testing.B) {
			i := int64(0)
			for b.Loop() {
				if _, err := alice.Get(i * 7919 % (flushes * per)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
