package flush_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
)

// TestFlushFileSize: a demo-sized flush (100k messages over 1000 owners)
// writes a handful of multi-owner files of at least 1 MiB by default,
// where the per-owner layout writes one small file per owner; both read
// back every row.
func TestFlushFileSize(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100k rows twice")
	}
	cases := append(layouts[:len(layouts):len(layouts)], struct {
		name string
		o    *flush.Options
	}{"rolled", &flush.Options{SegmentBytes: 256 << 10, RowGroupSize: 1000}}) // many row groups: a one-owner scan reads only its own
	for _, lay := range cases {
		t.Run(lay.name, func(t *testing.T) {
			db := openDB(t, t.TempDir())
			defer db.Close()
			s, err := chat.NewMessageStore(db)
			if err != nil {
				t.Fatal(err)
			}
			for o := range 1000 {
				owner := fmt.Sprintf("user-%04d", o)
				ow, err := s.For(owner)
				if err != nil {
					t.Fatal(err)
				}
				b := db.NewBatch()
				for i := range 100 {
					m := message(owner, i)
					ow.PutIn(b, &m)
				}
				if err := b.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			root := t.TempDir()
			e := newExecutor(t, db, root, lay.o)
			p := messagesProvider(t, db)
			res, err := e.Flush(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			var files int
			var bytes int64
			err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(path, ".parquet") {
					fi, err := d.Info()
					if err != nil {
						return err
					}
					files++
					bytes += fi.Size()
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			avg := bytes / int64(max(files, 1))
			t.Logf("%d rows in %d files, %d bytes on average", res.Rows, files, avg)
			if res.Rows != 100_000 || files != len(res.Segments) {
				t.Fatalf("flushed %d rows in %d segments, %d files on disk", res.Rows, len(res.Segments), files)
			}
			if lay.o == nil && (files > 10 || avg < 1<<20) {
				t.Fatalf("multi-owner layout: %d files averaging %d bytes; want a handful of at least 1 MiB", files, avg)
			}
			if lay.o != nil && lay.o.SegmentBytes > 0 {
				// Each file but the last is closed past the target, at an
				// owner boundary.
				if files < 2 {
					t.Fatalf("SegmentBytes %d: %d files; want the flush cut into several", lay.o.SegmentBytes, files)
				}
				for _, sg := range res.Segments[:len(res.Segments)-1] {
					if sg.Bytes < lay.o.SegmentBytes/2 || sg.Rows%100 != 0 {
						t.Fatalf("segment %d: %d bytes, %d rows; want about %d bytes of whole owners", sg.Seq, sg.Bytes, sg.Rows, lay.o.SegmentBytes)
					}
				}
			} else if lay.o != nil && files != 1000 {
				t.Fatalf("per-owner layout: %d files; want one per owner", files)
			}
			if n, _ := unionCountSum(t, e, p); n != 100_000 {
				t.Fatalf("union scan: %d rows; want 100000", n)
			}
			for _, o := range []string{"user-0000", "user-0042", "user-0500", "user-0999"} {
				var sum int64
				for i := range 100 {
					sum += message(o, i).ConversationID
				}
				if n, s := unionCountSum(t, e, p.WithScope(mustScope(t, o))); n != 100 || s != sum {
					t.Fatalf("%s's union scan: %d rows, sum %d; want 100, %d", o, n, s, sum)
				}
				// The other owners' rows of a multi-owner file are skipped
				// unread, not met and hidden as dead versions.
				var st scan.UnionStats
				rdr, err := e.Scan(context.Background(), p.WithScope(mustScope(t, o)), scan.Request{Columns: []string{}}, &st)
				if err != nil {
					t.Fatal(err)
				}
				for rdr.Next() {
				}
				if err := rdr.Err(); err != nil {
					t.Fatal(err)
				}
				rdr.Release()
				if st.Deleted != 0 {
					t.Fatalf("%s's union scan met %d other rows: %+v", o, st.Deleted, st)
				}
			}
		})
	}
}
