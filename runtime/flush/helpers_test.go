package flush_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// owners includes ids that are prefixes of each other and ids that need
// escaping in a path.
var owners = []string{"alice", "bob", "u1", "u10", "we/ird:owner%", "ünï"}

func openDB(t testing.TB, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// message is the i-th fixture message of owner o: every column type of
// chat.messages, nulls included.
func message(o string, i int) chat.Message {
	m := chat.Message{
		RowID:          int64(i + 1),
		ConversationID: int64(i % 7),
		SenderID:       fmt.Sprintf("%s-sender-%d", o, i%3),
		Role:           chat.MessageRole(i % 3),
		Content:        fmt.Sprintf("message %d of %s", i, o),
		SentAt:         time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
	}
	if i%4 == 0 {
		m.Attachments = []byte(fmt.Sprintf(`[{"name":"f%d"}]`, i))
	}
	if i%5 != 0 {
		u := uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("%s/%d", o, i)))
		m.ClientMessageID = &u
	}
	if i%6 == 0 {
		e := m.SentAt.Add(time.Second)
		m.EditedAt = &e
	}
	return m
}

func fillMessages(t testing.TB, db *store.DB, perOwner int) {
	t.Helper()
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		ow, err := s.For(o)
		if err != nil {
			t.Fatal(err)
		}
		b := db.NewBatch()
		for i := range perOwner {
			m := message(o, i)
			ow.PutIn(b, &m)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// messagesProvider is the generated provider of chat.messages, which is
// what a program flushes with; schemaProvider is the schema-driven one
// that tools without generated code (tablegen flush) use. Tests compare one
// with the other.
func messagesProvider(t testing.TB, db *store.DB) *scan.Provider {
	t.Helper()
	l := chat.MessageSpec().Layout
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func schemaProvider(t testing.TB, db *store.DB) *scan.Provider {
	t.Helper()
	l := chat.MessageSpec().Layout
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newExecutor(t testing.TB, db *store.DB, root string, o *flush.Options) *flush.Executor {
	t.Helper()
	e, err := flush.New(db, root, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// rowState is where every row of chat.messages is: hot (key → content) and
// in each listed file (key → seqs holding it).
type rowState struct {
	hot  map[string]string
	cold map[string][]uint64
	// contentSum is the sum over the union (newest version of each key) of
	// conversation_id, a checksum of values, not only keys.
	convSum int64
	rows    int
}

// collect reads the physical state: hot rows from Pebble and rows of every
// file the manifest lists.
func collect(t testing.TB, db *store.DB, e *flush.Executor, p *scan.Provider) rowState {
	t.Helper()
	st := rowState{hot: map[string]string{}, cold: map[string][]uint64{}}
	l := p.Layout()
	prefix := store.RowPrefix(l.ID)
	it, err := rawpebble.DB(db).NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	for ok := it.SeekGE(prefix); ok && len(it.Key()) > len(prefix) && string(it.Key()[:len(prefix)]) == string(prefix); ok = it.Next() {
		st.hot[hex.EncodeToString(it.Key()[len(prefix):])] = hex.EncodeToString(it.Value())
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := e.TableDir(&l)
	for _, s := range m.Segments {
		var scope []byte
		if s.Owner != nil {
			scope = keyenc.AppendString(nil, *s.Owner)
		}
		rows := readParquet(t, filepath.Join(dir, s.File))
		ids := rows.Column(0).(*array.Int64)
		// A multi-owner segment's rows name their owner in the file's
		// owner column.
		var ownerCol *array.String
		if s.Owner == nil {
			idx := rows.Schema().FieldIndices("owner")
			if len(idx) != 1 {
				t.Fatalf("multi-owner segment %d has no owner column", s.Seq)
			}
			ownerCol = rows.Column(idx[0]).(*array.String)
		}
		for i := range ids.Len() {
			if ownerCol != nil {
				scope = keyenc.AppendString(nil, ownerCol.Value(i))
			}
			k := hex.EncodeToString(keyenc.AppendInt64(slices.Clone(scope), ids.Value(i)))
			st.cold[k] = append(st.cold[k], s.Seq)
		}
		if int64(ids.Len()) != s.Rows {
			t.Fatalf("segment %d lists %d rows, its file has %d", s.Seq, s.Rows, ids.Len())
		}
		rows.Release()
	}
	return st
}

// readParquet reads a whole Parquet file with arrow-go.
func readParquet(t testing.TB, path string) arrow.RecordBatch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rr := array.NewTableReader(tbl, -1)
	defer rr.Release()
	var recs []arrow.RecordBatch
	for rr.Next() {
		r := rr.RecordBatch()
		r.Retain()
		recs = append(recs, r)
	}
	if len(recs) != 1 {
		t.Fatalf("%s: %d record batches, want 1", path, len(recs))
	}
	return recs[0]
}

// checkInvariant asserts the flush invariant for a table that nobody wrote
// to during the flushes: every expected key is hot or in exactly one listed
// file, never both, and nothing else exists.
func checkInvariant(t testing.TB, st rowState, want map[string]bool) {
	t.Helper()
	checkInvariantDeleted(t, st, want, nil)
}

// checkInvariantDeleted is checkInvariant for a table some of whose rows
// were deleted (deleted): those may remain in one file (a tombstone hides
// them) but never hot.
func checkInvariantDeleted(t testing.TB, st rowState, want, deleted map[string]bool) {
	t.Helper()
	for k, seqs := range st.cold {
		if len(seqs) > 1 {
			t.Errorf("key %s is in %d files (seqs %v)", k, len(seqs), seqs)
		}
		if _, ok := st.hot[k]; ok {
			t.Errorf("key %s is both hot and in file %v", k, seqs)
		}
		if !want[k] && !deleted[k] {
			t.Errorf("key %s in file %v was never written", k, seqs)
		}
	}
	for k := range st.hot {
		if !want[k] {
			t.Errorf("hot key %s was never written or was deleted", k)
		}
	}
	for k := range want {
		if _, hot := st.hot[k]; !hot && len(st.cold[k]) == 0 {
			t.Errorf("key %s is lost: neither hot nor in a file", k)
		}
	}
}

func allKeys(perOwner int) map[string]bool {
	want := map[string]bool{}
	for _, o := range owners {
		for i := range perOwner {
			want[hex.EncodeToString(keyenc.AppendInt64(keyenc.AppendString(nil, o), int64(i+1)))] = true
		}
	}
	return want
}

// scanAll runs a union scan and renders every row as text, in order.
func scanAll(t testing.TB, e *flush.Executor, p *scan.Provider, r scan.Request) []string {
	t.Helper()
	rdr, err := e.Scan(context.Background(), p, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	return render(t, rdr)
}

// scanHot runs a plain provider scan.
func scanProvider(t testing.TB, p *scan.Provider, r scan.Request) []string {
	t.Helper()
	rdr, err := p.Scan(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	return render(t, rdr)
}

func render(t testing.TB, rdr array.RecordReader) []string {
	t.Helper()
	var out []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			row := ""
			for j := range int(b.NumCols()) {
				row += b.Column(j).ValueStr(i) + "|"
			}
			out = append(out, row)
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unionCountSum counts the union's rows and sums conversation_id.
func unionCountSum(t testing.TB, e *flush.Executor, p *scan.Provider) (int, int64) {
	t.Helper()
	rdr, err := e.Scan(context.Background(), p, scan.Request{Columns: []string{"conversation_id"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	n, sum := 0, int64(0)
	for rdr.Next() {
		c := rdr.RecordBatch().Column(0).(*array.Int64)
		for i := range c.Len() {
			sum += c.Value(i)
		}
		n += c.Len()
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return n, sum
}
