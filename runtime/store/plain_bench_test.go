package store

import (
	"sync/atomic"
	"testing"
)

// BenchmarkInsertSingle: one Put per row into a table without indexes,
// the path that takes the plain writers' read lock (see DB.deleteUnchanged)
// instead of the commit mutex; serial and from every core at once (where
// the lock's shared counter is contended). ns/op is per row.
func BenchmarkInsertSingle(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		db, _ := openDB(b, benchOptions())
		t := newWide(b, db, 1, false)
		v := makeWide(0)
		i := 0
		for b.Loop() {
			v.ID = int64(i)
			if err := t.Put(&v); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		db, _ := openDB(b, benchOptions())
		t := newWide(b, db, 1, false)
		var next atomicCounter
		b.RunParallel(func(pb *testing.PB) {
			v := makeWide(0)
			for pb.Next() {
				v.ID = next.add()
				if err := t.Put(&v); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// atomicCounter hands out distinct row ids to parallel benchmark goroutines.
type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) add() int64 { return c.n.Add(1) }
