package scan_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestScanRefusesInvalidUTF8: a row stored before Put checked strings (here
// written to Pebble directly) whose string column holds bytes that are not
// UTF-8 makes the scan fail with an error naming the table, the row's key
// and the column, instead of returning an Arrow utf8 array that fails
// ValidateFull; the rows before it are returned. Both the schema-driven
// and a provider's rows go through the same check.
func TestScanRefusesInvalidUTF8(t *testing.T) {
	p, _ := badEmailProvider(t, 900)
	for _, cols := range [][]string{nil, {"tenant", "email"}} {
		rdr, err := p.Scan(context.Background(), scan.Request{Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for _, c := range rec.Columns() {
				if err := array.ValidateFull(c); err != nil {
					t.Errorf("invalid Arrow array: %v", err)
				}
			}
			n += int(rec.NumRows())
		}
		err = rdr.Err()
		rdr.Release()
		var ce *store.CorruptError
		var ve *rowenc.ValueError
		if !errors.As(err, &ce) || !errors.As(err, &ve) || ve.Column != "email" || ce.Table != "test.people" {
			t.Fatalf("columns %v: scan ended with %v after %d rows, want a CorruptError for column email", cols, err, n)
		}
		for _, s := range []string{"test.people", "email", ce.Key} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q does not name %q", err, s)
			}
		}
	}
}

// TestScanChecksDecodedColumns: the value rules apply to the columns a scan
// decodes (projected or filtered), so a scan that never reads the damaged
// string returns every row, valid Arrow, while the damaged column reached
// through a projection is an error (TestScanRefusesInvalidUTF8).
func TestScanChecksDecodedColumns(t *testing.T) {
	p, rows := badEmailProvider(t, 901)
	rdr, err := p.Scan(context.Background(), scan.Request{Columns: []string{"tenant"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	n := 0
	for rdr.Next() {
		for _, c := range rdr.RecordBatch().Columns() {
			if err := array.ValidateFull(c); err != nil {
				t.Errorf("invalid Arrow array: %v", err)
			}
		}
		n += int(rdr.RecordBatch().NumRows())
	}
	if err := rdr.Err(); err != nil || n != len(rows) {
		t.Fatalf("scan of tenant only: %d rows, %v; want %d rows and no error", n, err, len(rows))
	}
}

// badEmailProvider loads three people into table id, the second with an
// email that is not UTF-8 written past the store's checks, and returns the
// table's provider and the rows.
func badEmailProvider(t *testing.T, id uint32) (*scan.Provider, []row) {
	t.Helper()
	db := openDB(t)
	rows := load(t, db, id, sampleRows(3))
	bad := rows[1]
	bad[cEmail] = "x\xffy"
	key := append(store.RowPrefix(id), appendRowKey(nil, &bad)...)
	if err := rawpebble.DB(db).Set(key, encodeRow(nil, &bad), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	l := peopleLayout(id)
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, rows
}
