package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

const pingsYAML = `namespace: app
table: pings
id: 9
kind: stream
ttl: 1h
entity: Ping
doc: Presence pings.
key: {type: PingId, columns: [at, seq]}
columns:
  - {name: at, tag: 1, type: timestamp, doc: When.}
  - {name: seq, tag: 2, type: int64, doc: Which.}
  - {name: body, tag: 3, type: string, doc: Text.}
`

// TestInspectHidesExpiredRows checks inspect's read path of the expiry
// rule: a stream table's rows older than the schema's TTL (at the real
// clock, which inspect's database uses) are not printed, though Expire has
// not removed them. The expired row is two days old and the live ones are
// dated an hour ahead, so the test does not depend on how long it runs.
func TestInspectHidesExpiredRows(t *testing.T) {
	dir := t.TempDir()
	schemas := filepath.Join(dir, "schemas")
	if err := os.MkdirAll(filepath.Join(schemas, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schemas, "app", "pings.yaml"), []byte(pingsYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := schema.Load(schemas)
	if err != nil {
		t.Fatal(err)
	}
	dbDir := filepath.Join(dir, "db")
	db, err := store.Open(dbDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := store.NewTable(db, store.Spec[string, rawRow]{
		Layout:    s.Tables[0].Layout(),
		AppendKey: func(dst []byte, k string) []byte { return append(dst, k...) },
		DecodeKey: func(b []byte) (string, error) { return string(b), nil },
		KeyOf:     func(r *rawRow) string { return r.key },
		AppendRow: func(dst []byte, r *rawRow) []byte { return append(dst, r.val...) },
		DecodeRow: func(b []byte, r *rawRow, _ *rowenc.Arena) error { r.val = append([]byte{}, b...); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, at := range []time.Time{now.Add(-48 * time.Hour), now.Add(time.Hour), now.Add(time.Hour)} {
		body := "live"
		if i == 0 {
			body = "expired"
		}
		v := rowenc.AppendString(rowenc.AppendInt64(rowenc.AppendTimestamp(nil, 1, at), 2, int64(i)), 3, body)
		k := keyenc.AppendInt64(keyenc.AppendTimestamp(nil, at), int64(i))
		if err := tab.WithScope(keyenc.AppendString(nil, "alice")).Put(&rawRow{key: string(k), val: v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"-owner", "alice"}} {
		args := append([]string{"inspect", "-db", dbDir, "-schemas", schemas, "app.pings", "-format", "csv", "-columns", "body"}, extra...)
		code, out, errOut := runCmd(t, args...)
		if code != 0 || out != "owner,body\nalice,live\nalice,live\n" {
			t.Fatalf("%v: exit %d %s\n%s", extra, code, errOut, out)
		}
		if strings.Contains(out, "expired") {
			t.Fatalf("%v: inspect printed an expired row:\n%s", extra, out)
		}
	}
}
