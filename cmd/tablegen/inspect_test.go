package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

const usersYAML = `namespace: app
table: users
id: 7
kind: system
entity: User
doc: People who sign in.
flush: allowed
key: {type: UserId, columns: [user_id]}
columns:
  - {name: user_id, tag: 1, type: string, doc: Login name.}
  - {name: role, tag: 2, type: enum, values: [user, dba], doc: What they may do.}
  - {name: email, tag: 3, type: string, nullable: true, doc: Where to write.}
  - {name: created_at, tag: 4, type: timestamp, doc: Sign-up time.}
  - {name: prefs, tag: 5, type: json, nullable: true, doc: Settings.}
  - {name: avatar, tag: 6, type: bytes, nullable: true, doc: Picture.}
  - {name: score, tag: 7, type: float64, doc: Reputation.}
`

// rawRow lets the test write rows without generated code: the key tuple
// and the row value are encoded by hand.
type rawRow struct {
	key string
	val []byte
}

// inspectFixture writes the schema and a database with four users and
// returns the schemas and database directories.
func inspectFixture(t *testing.T) (schemas, dbDir string) {
	t.Helper()
	dir := t.TempDir()
	schemas = filepath.Join(dir, "schemas")
	if err := os.MkdirAll(filepath.Join(schemas, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schemas, "app", "users.yaml"), []byte(usersYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := schema.Load(schemas)
	if err != nil {
		t.Fatal(err)
	}
	dbDir = filepath.Join(dir, "db")
	db, err := store.Open(dbDir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type user struct {
		id, email, prefs string
		role             int32
		created          time.Time
		avatar           []byte
		score            float64
	}
	for _, u := range []user{
		{id: "alice", role: 1, email: "alice@example.com", created: day, prefs: `{"theme": "dark"}`, score: 4.5},
		{id: "bob", created: day.Add(-24 * time.Hour), avatar: []byte{0xca, 0xfe}},
		{id: "carol", role: 1, created: day.Add(36 * time.Hour), email: "anne\tx", score: -1},
		{id: "dave", email: "dave@example.com", created: day.Add(time.Hour)},
	} {
		var v []byte
		v = rowenc.AppendString(v, 1, u.id)
		if u.role != 0 {
			v = rowenc.AppendEnum(v, 2, u.role)
		}
		if u.email != "" {
			v = rowenc.AppendString(v, 3, u.email)
		}
		v = rowenc.AppendTimestamp(v, 4, u.created)
		if u.prefs != "" {
			v = rowenc.AppendBytes(v, 5, []byte(u.prefs))
		}
		if u.avatar != nil {
			v = rowenc.AppendBytes(v, 6, u.avatar)
		}
		if u.score != 0 {
			v = rowenc.AppendFloat64(v, protowire.Number(7), u.score)
		}
		if err := tab.Put(&rawRow{key: string(keyenc.AppendString(nil, u.id)), val: v}); err != nil {
			t.Fatal(err)
		}
	}
	return schemas, dbDir
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestInspectTable(t *testing.T) {
	schemas, db := inspectFixture(t)
	code, out, errOut := runCmd(t, "inspect", "-db", db, "-schemas", schemas, "app.users")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Timestamps have a fixed 6-digit fraction, so a column is one width.
	want := `user_id  role  email              created_at                   prefs              avatar  score
alice    dba   alice@example.com  2026-01-01T00:00:00.000000Z  {"theme": "dark"}  NULL    4.5
bob      user  NULL               2025-12-31T00:00:00.000000Z  NULL               0xcafe  0
carol    dba   "anne\tx"          2026-01-02T12:00:00.000000Z  NULL               NULL    -1
dave     user  dave@example.com   2026-01-01T01:00:00.000000Z  NULL               NULL    0
`
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestInspectWhereColumnsLimitCSV(t *testing.T) {
	schemas, db := inspectFixture(t)
	// Flags after the table name work too.
	code, out, errOut := runCmd(t, "inspect", "-db", db, "-schemas", schemas, "app.users",
		"-columns", "email, user_id", "-where", "created_at >= '2026-01-01T00:00:00Z' AND (email IS NULL OR email LIKE 'a%' OR role = 'user')",
		"-limit", "2", "-format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "email,user_id\nalice@example.com,alice\nanne\tx,carol\n"
	if out != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func TestInspectJSON(t *testing.T) {
	schemas, db := inspectFixture(t)
	code, out, errOut := runCmd(t, "inspect", "-db", db, "-schemas", schemas, "-format", "json", "app.users", "-where", "role = 'dba'")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `{"user_id":"alice","role":"dba","email":"alice@example.com","created_at":"2026-01-01T00:00:00.000000Z","prefs":{"theme":"dark"},"avatar":null,"score":4.5}
{"user_id":"carol","role":"dba","email":"anne\tx","created_at":"2026-01-02T12:00:00.000000Z","prefs":null,"avatar":null,"score":-1}
`
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("invalid JSON line %s", line)
		}
	}
}

func TestInspectArrow(t *testing.T) {
	schemas, db := inspectFixture(t)
	code, out, errOut := runCmd(t, "inspect", "-db", db, "-schemas", schemas, "-format", "arrow", "-columns", "user_id,prefs", "app.users")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r, err := ipc.NewReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if got := r.Schema().String(); !strings.Contains(got, "user_id: type=utf8") || !strings.Contains(got, "prefs: type=extension<arrow.json") {
		t.Fatalf("schema %s", got)
	}
	var rows int64
	for r.Next() {
		rows += r.RecordBatch().NumRows()
	}
	if r.Err() != nil || rows != 4 {
		t.Fatalf("%d rows, err %v; want 4", rows, r.Err())
	}
}

func TestInspectErrors(t *testing.T) {
	schemas, db := inspectFixture(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-where", "rol = 'dba'"}, 1,
			"-where: 1:1: unknown column \"rol\"; did you mean \"role\"?\n  rol = 'dba'\n  ^"},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-where", "role = 'dba' AND created_at > 'yesterday'"}, 1,
			"1:31: literal 'yesterday' does not fit column \"created_at\" (timestamp)"},
		{[]string{"-db", db, "-schemas", schemas, "users"}, 1, `unknown table "users"; did you mean "app.users"?`},
		{[]string{"-db", db, "-schemas", schemas, "app.user"}, 1, `unknown table "app.user"; did you mean "app.users"?`},
		{[]string{"-db", db, "-schemas", schemas, "app.zzz"}, 1, `unknown table "app.zzz"; expected one of app.users`},
		{[]string{"-db", db, "-schemas", schemas, "apq.widgets"}, 1, `unknown namespace "apq" in "apq.widgets"; did you mean "app" (app.widgets)?`},
		{[]string{"-db", db, "-schemas", schemas, "billing.users2"}, 1, `unknown namespace "billing" in "billing.users2"; the schemas declare the namespaces app`},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-ownr", "x"}, 2, "tablegen inspect: unknown flag -ownr; did you mean -owner?; see tablegen inspect -h\n"},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-owner", "x"}, 1, "tablegen: -owner: app.users is a system table; its rows have no owner\n"},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-limt", "3"}, 2, "tablegen inspect: unknown flag -limt; did you mean -limit?; see tablegen inspect -h\n"},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-columns", "nope"}, 1, `unknown column "nope"`},
		{[]string{"-db", filepath.Join(db, "missing"), "-schemas", schemas, "app.users"}, 1, "no database there"},
		{[]string{"-schemas", schemas, "app.users"}, 2, "-db is required"},
		{[]string{"-db", db, "-schemas", schemas}, 2, "want exactly one table name"},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-format", "xml"}, 2, `-format "xml" is not one of`},
		{[]string{"-db", db, "-schemas", schemas, "app.users", "-limit", "-1"}, 2, "-limit -1 is negative"},
	} {
		code, out, errOut := runCmd(t, append([]string{"inspect"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("inspect %v: exit %d, stdout %q, stderr %q; want exit %d and stderr containing %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(db, "missing")); !os.IsNotExist(err) {
		t.Errorf("inspect created a database at a missing -db: %v", err)
	}
}

// TestInspectCSVNull: in CSV a null is an empty unquoted field and bytes are
// 0x-prefixed hex, as in the table format; an empty string is "" so the two
// stay distinguishable.
func TestInspectCSVNull(t *testing.T) {
	schemas, db := inspectFixture(t)
	code, out, errOut := runCmd(t, "inspect", "-db", db, "-schemas", schemas, "app.users", "-columns", "user_id,email,avatar,created_at", "-format", "csv", "-where", "user_id = 'bob'")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "user_id,email,avatar,created_at\nbob,,0xcafe,2025-12-31T00:00:00.000000Z\n"; out != want {
		t.Fatalf("got %q, want %q", out, want)
	}
	for _, c := range []struct {
		v       string
		notNull bool
		want    string
	}{
		{"", false, ""}, {"", true, `""`}, {"a,b", true, `"a,b"`}, {`say "hi"`, true, `"say ""hi"""`},
		{"two\nlines", true, "\"two\nlines\""}, {" lead", true, `" lead"`}, {`\N`, true, `\N`},
	} {
		if got := string(appendCSVField(nil, 0, c.v, c.notNull)); got != c.want {
			t.Errorf("appendCSVField(%q, notNull=%t) = %s; want %s", c.v, c.notNull, got, c.want)
		}
	}
}
