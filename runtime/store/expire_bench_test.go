package store

import (
	"bytes"
	"flag"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

var expireRows = flag.Int("expire.rows", 100_000, "expired rows per run of the expiry benchmarks (the issue's figure is 1000000)")

const benchOwners = 100

var benchTableID atomic.Uint32

func init() { benchTableID.Store(10_000) }

// loadStream fills a fresh stream table with expired rows (event times
// before epoch) spread over benchOwners owners, and live rows (after epoch)
// per owner, in one sorted batch per owner, without fsync.
func loadStream(b *testing.B, db *DB, expired, livePerOwner int) *Table[eventKey, event] {
	b.Helper()
	tbl := newEvents(b, db, benchTableID.Add(1))
	per := expired / benchOwners
	for o := range benchOwners {
		s := scoped(b, tbl, fmt.Sprintf("user-%03d", o))
		batch := db.NewBatch()
		batch.SetSync(false)
		for i := range per {
			v := event{At: epoch.Add(-time.Hour + time.Duration(i)*time.Millisecond), ID: "e", Note: "typing in conversation 42"}
			s.PutIn(batch, &v)
		}
		for i := range livePerOwner {
			v := event{At: epoch.Add(time.Duration(i) * time.Millisecond), ID: "e", Note: "typing in conversation 42"}
			s.PutIn(batch, &v)
		}
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return tbl
}

// expireRowByRow is the baseline: find the expired rows of every owner and
// delete them one point tombstone each, committed in batches of 10 000.
func expireRowByRow(tbl *Table[eventKey, event], cutoff time.Time) (int, error) {
	db := tbl.core.db
	header := appendRowPrefix(nil, tbl.core.id)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: header, UpperBound: prefixEnd(header)})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	floor := liveRangeFrom(Range{}, cutoff).Start
	pb := db.pdb.NewBatch()
	defer pb.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		scope := key[len(header):]
		i := bytes.Index(scope, []byte{0x00, 0x01}) // end of the owner (no 0x00 in these owners)
		if bytes.Compare(scope[i+2:], floor) >= 0 {
			continue
		}
		if err := pb.Delete(key, nil); err != nil {
			return n, err
		}
		if n++; n%10_000 == 0 {
			if err := pb.Commit(pebble.NoSync); err != nil {
				return n, err
			}
			pb.Reset()
		}
	}
	return n, pb.Commit(pebble.NoSync)
}

// BenchmarkExpire compares expiring -expire.rows rows (100 owners, each with
// 100 live rows kept) with one range deletion per owner against deleting
// them row by row. Both find the rows with one key-only pass; ns/row is the
// figure to compare.
func BenchmarkExpire(b *testing.B) {
	methods := []struct {
		name string
		run  func(*Table[eventKey, event], time.Time) (int, error)
	}{
		{"range_deletion", func(t *Table[eventKey, event], c time.Time) (int, error) { return t.Expire(c, 0) }},
		{"row_by_row", expireRowByRow},
	}
	for _, m := range methods {
		b.Run(fmt.Sprintf("%s/rows=%d", m.name, *expireRows), func(b *testing.B) {
			db, _ := openDB(b, &Options{NoSync: true})
			for b.Loop() {
				b.StopTimer()
				tbl := loadStream(b, db, *expireRows, 100)
				b.StartTimer()
				n, err := m.run(tbl, epoch)
				if err != nil {
					b.Fatal(err)
				}
				if n != *expireRows/benchOwners*benchOwners {
					b.Fatalf("removed %d rows; want %d", n, *expireRows)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(*expireRows), "ns/row")
		})
	}
}

// BenchmarkReadAfterExpire measures a stream table's read latency right
// after expiry (no compaction yet): opening a scan of one owner's live rows
// and reading the first 10, when the expired rows ahead of them were removed
// by one range tombstone versus one point tombstone each.
func BenchmarkReadAfterExpire(b *testing.B) {
	for _, method := range []string{"range_deletion", "row_by_row"} {
		b.Run(fmt.Sprintf("%s/rows=%d", method, *expireRows), func(b *testing.B) {
			db, _ := openDB(b, &Options{NoSync: true})
			tbl := loadStream(b, db, *expireRows, 100)
			var err error
			if method == "range_deletion" {
				_, err = tbl.Expire(epoch, 0)
			} else {
				_, err = expireRowByRow(tbl, epoch)
			}
			if err != nil {
				b.Fatal(err)
			}
			views := make([]*Table[eventKey, event], benchOwners)
			for o := range views {
				views[o] = scoped(b, tbl, fmt.Sprintf("user-%03d", o))
			}
			i := 0
			for b.Loop() {
				s := views[i%benchOwners]
				i++
				n := 0
				for _, err := range s.Scan(liveRangeFrom(Range{}, epoch), ScanOptions{Limit: 10}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != 10 {
					b.Fatalf("read %d rows; want 10", n)
				}
			}
		})
	}
}
