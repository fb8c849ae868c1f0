package flush_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"

	"github.com/tablegen/tablegen/runtime/flush"
)

// TestInteropParquetGo reads a flushed file with an independent Parquet
// implementation (parquet-go) and checks the schema, the logical types and
// every value against the rows that were written.
func TestInteropParquetGo(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	const per = 40
	fillMessages(t, db, per)
	root := t.TempDir()
	e := newExecutor(t, db, root, &flush.Options{PartitionByOwner: true})
	p := messagesProvider(t, db)
	if _, err := e.FlushOwner(context.Background(), p, "we/ird:owner%"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "chat", "messages", "owner-dir=we%2Fird:owner%25", "part-00000001.parquet")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	schema := pf.Schema().String()
	for _, want := range []string{
		"required int64 row_id (INT(64,true))",
		"required int64 conversation_id (INT(64,true))",
		"required binary sender_id (STRING)",
		"required binary role (STRING)",
		"optional binary attachments (STRING)",
		"optional fixed_len_byte_array(16) client_message_id (UUID)",
		"required int64 sent_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))",
		"optional int64 edited_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))",
	} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema lacks %q:\n%s", want, schema)
		}
	}
	if v, ok := pf.Lookup("tablegen.owner"); !ok || v != "we/ird:owner%" {
		t.Errorf("footer tablegen.owner = %q, %t", v, ok)
	}
	if pf.NumRows() != per {
		t.Fatalf("%d rows, want %d", pf.NumRows(), per)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	rows := make([]parquet.Row, 16)
	i := 0
	for {
		n, err := r.ReadRows(rows)
		for _, row := range rows[:n] {
			want := message("we/ird:owner%", i)
			col := func(j int) parquet.Value { return row[j] }
			if col(0).Int64() != want.RowID || col(1).Int64() != want.ConversationID ||
				string(col(2).ByteArray()) != want.SenderID || string(col(3).ByteArray()) != want.Role.String() ||
				string(col(4).ByteArray()) != want.Content || col(7).Int64() != want.SentAt.UnixMicro() {
				t.Fatalf("row %d: %v, want %+v", i, row, want)
			}
			if col(5).IsNull() != (want.Attachments == nil) || (!col(5).IsNull() && string(col(5).ByteArray()) != string(want.Attachments)) {
				t.Fatalf("row %d attachments %v, want %s", i, col(5), want.Attachments)
			}
			if col(6).IsNull() != (want.ClientMessageID == nil) || (!col(6).IsNull() && uuid.UUID(col(6).ByteArray()) != *want.ClientMessageID) {
				t.Fatalf("row %d client_message_id %v, want %v", i, col(6), want.ClientMessageID)
			}
			if col(8).IsNull() != (want.EditedAt == nil) || (!col(8).IsNull() && col(8).Int64() != want.EditedAt.UnixMicro()) {
				t.Fatalf("row %d edited_at %v, want %v", i, col(8), want.EditedAt)
			}
			i++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if i != per {
		t.Fatalf("read %d rows, want %d", i, per)
	}
}
