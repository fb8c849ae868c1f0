package flush_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

func TestFlushUserTable(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	const per = 300
	fillMessages(t, db, per)
	p := messagesProvider(t, db)
	root := t.TempDir()
	var progress []int64
	e := newExecutor(t, db, root, &flush.Options{PartitionByOwner: true, BatchSize: 128, RowGroupSize: 100, Progress: func(n int64) { progress = append(progress, n) }})
	before := scanProvider(t, p, scan.Request{})

	entries := countPrefix(t, db, store.IndexPrefix(9, 1)) + countPrefix(t, db, store.IndexPrefix(9, 2))
	res, err := e.Flush(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != int64(per*len(owners)) || res.Deleted != res.Rows {
		t.Fatalf("flushed %d rows, deleted %d; want %d both", res.Rows, res.Deleted, per*len(owners))
	}
	if len(res.Segments) != len(owners) {
		t.Fatalf("%d segments, want one per owner (%d)", len(res.Segments), len(owners))
	}
	if !slices.IsSorted(progress) || progress[len(progress)-1] != res.Rows {
		t.Fatalf("progress %v does not climb to %d", progress, res.Rows)
	}
	// Files: one per owner, in owner-dir=<escaped> directories; no keys or
	// temporary files left.
	var files []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	want := []string{"chat/messages/_manifest.json"}
	for i, o := range []string{"alice", "bob", "u1", "u10", "we%2Fird:owner%25", "%C3%BCn%C3%AF"} {
		want = append(want, "chat/messages/owner-dir="+o+"/part-0000000"+string(rune('1'+i))+".parquet")
	}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("files:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	// Hot rows are gone; their index entries stay, pointing at the keys,
	// which are still rows (cold ones).
	st := collect(t, db, e, p)
	if len(st.hot) != 0 {
		t.Fatalf("%d hot rows left", len(st.hot))
	}
	checkInvariant(t, st, allKeys(per))
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := ms.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify after flush: %v %v", probs, err)
	}
	if n := countPrefix(t, db, store.IndexPrefix(9, 1)) + countPrefix(t, db, store.IndexPrefix(9, 2)); n != entries || n == 0 {
		t.Fatalf("%d index entries after every row was flushed, want the %d from before", n, entries)
	}
	if n := countPrefix(t, db, store.ColdPrefix(9)); n != per*len(owners) {
		t.Fatalf("%d cold markers, want one per flushed row (%d)", n, per*len(owners))
	}
	// The union reads exactly what the hot scan read before.
	if after := scanAll(t, e, p, scan.Request{}); !slices.Equal(before, after) {
		t.Fatalf("union after flush differs from hot scan before:\n%v\n%v", head(before), head(after))
	}
	// Manifest: every segment done, with stats.
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Segments {
		if s.State != flush.Done || s.Keys != "" || s.Rows != per || s.Fingerprint != fingerprint(p) {
			t.Fatalf("segment %+v", s)
		}
		if s.Columns[0].Name != "row_id" || s.Columns[0].Min == nil {
			t.Fatalf("segment %d: row_id stats %+v", s.Seq, s.Columns[0])
		}
		if s.Columns[6].Name != "client_message_id" || s.Columns[6].Nulls != per/5 {
			t.Fatalf("segment %d: client_message_id stats %+v, want %d nulls", s.Seq, s.Columns[6], per/5)
		}
	}
	// A second flush with nothing hot writes nothing.
	res, err = e.Flush(context.Background(), p)
	if err != nil || res.Rows != 0 || len(res.Segments) != 0 {
		t.Fatalf("empty flush: %+v %v", res, err)
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// countPrefix counts the keys of db that start with prefix.
func countPrefix(t testing.TB, db *store.DB, prefix []byte) int {
	t.Helper()
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

func fingerprint(p *scan.Provider) string {
	l := p.Layout()
	return l.Fingerprint()
}
