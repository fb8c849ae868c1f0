package flush_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
)

// TestDictionaryChoice flushes chat.messages under each Dictionary choice
// and checks, in the file's metadata, which columns got a dictionary, that
// pages are ZSTD, and that the union reads the same rows back either way.
func TestDictionaryChoice(t *testing.T) {
	// chat.messages: row_id, conversation_id, sender_id (string), role
	// (enum), content (string), attachments (json), client_message_id,
	// sent_at, edited_at, and the owner column flush adds.
	strs := []bool{false, false, true, true, true, true, false, false, false, true}
	for _, c := range []struct {
		name string
		d    flush.Dictionary
		want func(i int) bool
	}{
		{"strings", flush.DictionaryStrings, func(i int) bool { return strs[i] }},
		{"all", flush.DictionaryAll, func(int) bool { return true }},
		{"none", flush.DictionaryNone, func(int) bool { return false }},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openDB(t, t.TempDir())
			defer db.Close()
			fillMessages(t, db, 30)
			p := messagesProvider(t, db)
			want := scanProvider(t, schemaProvider(t, db), scan.Request{})
			root := t.TempDir()
			e := newExecutor(t, db, root, &flush.Options{Dictionary: c.d, PartitionByOwner: true})
			if _, err := e.FlushOwner(context.Background(), p, "alice"); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(root, "chat", "messages", "owner-dir=alice", "part-00000001.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			pf, err := file.NewParquetReader(f)
			if err != nil {
				t.Fatal(err)
			}
			rg := pf.MetaData().RowGroup(0)
			for i := range rg.NumColumns() {
				cc, err := rg.ColumnChunk(i)
				if err != nil {
					t.Fatal(err)
				}
				dict := slices.Contains(cc.Encodings(), parquet.Encodings.RLEDict)
				if dict != c.want(i) {
					t.Errorf("column %d (%s): dictionary %t, want %t (encodings %v)", i, cc.PathInSchema(), dict, c.want(i), cc.Encodings())
				}
				if cc.Compression() != compress.Codecs.Zstd {
					t.Errorf("column %d: compression %v, want ZSTD", i, cc.Compression())
				}
			}
			if got := scanAll(t, e, p, scan.Request{}); !slices.Equal(got, want) {
				t.Fatalf("union after the flush differs from the rows written")
			}
		})
	}
	db := openDB(t, t.TempDir())
	defer db.Close()
	if _, err := flush.New(db, t.TempDir(), &flush.Options{Dictionary: 9}); err == nil {
		t.Fatal("New accepted Dictionary 9")
	}
}
