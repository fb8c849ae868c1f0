package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/layout"
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	rtlayout "github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// holdEnv names the database TestHelperHoldDB keeps open when the test
// binary runs as the other process of TestInspectLockedDB.
const holdEnv = "TABLEGEN_TEST_HOLD_DB"

// TestHelperHoldDB is not a test on its own: run by TestInspectLockedDB in
// a child process, it opens the database, says "ready" and holds it open
// until its stdin closes, as a running service would.
func TestHelperHoldDB(t *testing.T) {
	dir := os.Getenv(holdEnv)
	if dir == "" {
		return
	}
	db, err := store.Open(dir, &store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	os.Stdout.WriteString("ready\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

// TestInspectLockedDB: inspect, backup, flush and load on a database another process has
// open say so and point at -addr, exit 1.
func TestInspectLockedDB(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	child := exec.Command(os.Args[0], "-test.run=^TestHelperHoldDB$")
	child.Env = append(os.Environ(), holdEnv+"="+dbDir)
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = child.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("the holding process said %q, %v", line, err)
	}
	want := "tablegen: database " + dbDir + " is open in another process; use --addr to talk to the running service, or stop it\n"
	code, _, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users")
	if code != 1 || errOut != want {
		t.Fatalf("inspect of a locked DB: exit %d, stderr %q; want 1, %q", code, errOut, want)
	}
	code, _, errOut = runCmd(t, "backup", "-db", dbDir, "-to", filepath.Join(t.TempDir(), "b"))
	if code != 1 || errOut != want {
		t.Fatalf("backup of a locked DB: exit %d, stderr %q; want 1, %q", code, errOut, want)
	}
	code, _, errOut = runCmd(t, "flush", "-db", dbDir, "-schemas", schemas, "-to", t.TempDir(), "app.users")
	if code != 1 || !strings.HasSuffix(errOut, want) {
		t.Fatalf("flush of a locked DB: exit %d, stderr %q; want 1, %q", code, errOut, want)
	}
	code, _, errOut = runCmd(t, "load", "-db", dbDir, "-schemas", schemas, "-from", os.DevNull, "app.users")
	if code != 1 || errOut != want {
		t.Fatalf("load into a locked DB: exit %d, stderr %q; want 1, %q", code, errOut, want)
	}
}

// serveUsers serves the inspect fixture's app.users (schema-driven, a
// system table) on 127.0.0.1 with one dba token and one user token, and
// returns the address.
func serveUsers(t *testing.T, schemas, dbDir string) (string, *store.DB) {
	t.Helper()
	return serveTable(t, schemas, dbDir, "app.users", rtlayout.System)
}

// serveTable serves the fixture's only table, name, as a table of kind.
func serveTable(t *testing.T, schemas, dbDir, name string, kind rtlayout.Kind) (string, *store.DB) {
	t.Helper()
	s, err := schema.Load(schemas)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dbDir, &store.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	l := s.Tables[0].Layout()
	p, err := scan.NewProvider(db, &l, scan.Options{Docs: layout.Docs(s.Tables[0])})
	if err != nil {
		t.Fatal(err)
	}
	g, err := scan.NewGuarded(p, access.Policy{Table: name, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	// The service's flush and verify, as a service wires them: its own
	// executor and cold root, its own tables.
	cold := t.TempDir()
	flushFn := func(ctx context.Context, table string) (flight.FlushResult, error) {
		e, err := flush.New(db, cold, nil)
		if err != nil {
			return flight.FlushResult{}, err
		}
		res, err := e.Flush(ctx, p)
		return flight.FlushResult{Rows: res.Rows, Files: len(res.Segments), Bytes: res.Bytes}, err
	}
	compactFn := func(ctx context.Context, table string) (flight.CompactResult, error) {
		e, err := flush.New(db, cold, nil)
		if err != nil {
			return flight.CompactResult{}, err
		}
		res, err := e.Compact(ctx, p, nil)
		if err != nil {
			return flight.CompactResult{}, err
		}
		return flight.CompactResult{Rows: res.Rows, Files: len(res.Segments), Retired: len(res.Retired), Bytes: res.Bytes}, nil
	}
	verifyFn := func(context.Context) ([]string, error) {
		var b strings.Builder
		if _, err := verifyTable(db, s.Tables[0], false, &b); err != nil {
			return nil, err
		}
		return strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' }), nil
	}
	srv, err := flight.NewServer(map[string]*scan.Guarded{name: g}, flight.Options{DB: db, Flush: flushFn, Compact: compactFn, Verify: verifyFn,
		Auth: func(_ context.Context, tok string) (access.Actor, error) {
			switch tok {
			case "dba-secret":
				return access.Actor{UserID: "admin", Role: access.RoleDBA}, nil
			case "user-secret":
				return access.Actor{UserID: "alice", Role: access.RoleUser}, nil
			}
			return access.Actor{}, os.ErrPermission
		}})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := db.Close(); err != nil && err != store.ErrClosed {
			t.Errorf("close: %v", err)
		}
	})
	return lis.Addr().String(), db
}

// TestInspectRemote: inspect -addr prints what inspect -db printed, in
// every format, with the token from -token or TABLEGEN_TOKEN; the local
// inspect of the served database is refused with the locked message.
func TestInspectRemote(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	args := []string{"app.users", "-columns", "user_id,role,email", "-where", "role = 'dba' OR email IS NULL", "-limit", "3"}
	local := map[string]string{}
	for _, format := range []string{"table", "csv", "json"} {
		code, out, errOut := runCmd(t, append([]string{"inspect", "-db", dbDir, "-schemas", schemas, "-format", format}, args...)...)
		if code != 0 {
			t.Fatalf("local inspect: exit %d: %s", code, errOut)
		}
		local[format] = out
	}
	addr, _ := serveUsers(t, schemas, dbDir)
	t.Setenv(tokenEnv, "dba-secret")
	for format, want := range local {
		code, out, errOut := runCmd(t, append([]string{"inspect", "-addr", addr, "-format", format}, args...)...)
		if code != 0 || out != want {
			t.Fatalf("inspect -addr -format %s: exit %d, stderr %s\ngot:\n%s\nwant:\n%s", format, code, errOut, out, want)
		}
	}
	if code, _, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users"); code != 1 || !strings.Contains(errOut, "is open in another process; use --addr") {
		t.Fatalf("local inspect of the served DB: exit %d, %s", code, errOut)
	}
	// A user may not read a system table; a wrong token is refused.
	code, _, errOut := runCmd(t, "inspect", "-addr", addr, "-token", "user-secret", "app.users")
	if code != 1 || !strings.Contains(errOut, "PermissionDenied") || !strings.Contains(errOut, "needs role service or above") {
		t.Fatalf("inspect as a user: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCmd(t, "inspect", "-addr", addr, "-token", "nope", "app.users")
	if code != 1 || !strings.Contains(errOut, "Unauthenticated") {
		t.Fatalf("inspect with a wrong token: exit %d, %s", code, errOut)
	}
	t.Setenv(tokenEnv, "")
	code, _, errOut = runCmd(t, "inspect", "-addr", addr, "app.users")
	if code != 1 || !strings.Contains(errOut, "needs a token") {
		t.Fatalf("inspect -addr without a token: exit %d, %s", code, errOut)
	}
	if code, _, _ := runCmd(t, "inspect", "-addr", addr, "-db", dbDir, "app.users"); code != 2 {
		t.Fatalf("-addr with -db: exit %d, want a usage error", code)
	}
}

// TestBackupRestoreCLI: backup through the service and of a stopped
// database, restore into a new directory, and the restored database
// inspects the same; restore never overwrites.
func TestBackupRestoreCLI(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	code, want, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users", "-format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	tmp := t.TempDir()
	offline := filepath.Join(tmp, "offline")
	if code, _, errOut := runCmd(t, "backup", "-db", dbDir, "-to", offline); code != 0 {
		t.Fatalf("backup -db: exit %d: %s", code, errOut)
	}
	addr, _ := serveUsers(t, schemas, dbDir)
	online := filepath.Join(tmp, "online")
	if code, _, errOut := runCmd(t, "backup", "-addr", addr, "-token", "dba-secret", "-to", online); code != 0 {
		t.Fatalf("backup -addr: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "backup", "-addr", addr, "-token", "user-secret", "-to", filepath.Join(tmp, "u")); code != 1 || !strings.Contains(errOut, "dba and system actors only") {
		t.Fatalf("backup as a user: exit %d: %s", code, errOut)
	}
	for _, b := range []string{offline, online} {
		restored := filepath.Join(tmp, "restored-"+filepath.Base(b))
		if code, _, errOut := runCmd(t, "restore", "-from", b, "-db", restored); code != 0 {
			t.Fatalf("restore %s: exit %d: %s", b, code, errOut)
		}
		code, got, errOut := runCmd(t, "inspect", "-db", restored, "-schemas", schemas, "app.users", "-format", "json")
		if code != 0 || got != want {
			t.Fatalf("restored from %s: exit %d %s\ngot:\n%s\nwant:\n%s", b, code, errOut, got, want)
		}
		code, _, errOut = runCmd(t, "restore", "-from", b, "-db", restored)
		if code != 1 || !strings.Contains(errOut, "not empty") {
			t.Fatalf("restore over a database: exit %d: %s", code, errOut)
		}
	}
}

// TestInspectRemoteOwner: -owner over the endpoint is the guard's decision:
// a dba reads any owner's rows, with the owner column; a user naming
// another owner is denied, and without -owner reads its own rows.
func TestInspectRemoteOwner(t *testing.T) {
	schemas, dbDir := notesFixture(t)
	addr, _ := serveTable(t, schemas, dbDir, "app.notes", rtlayout.User)
	code, out, errOut := runCmd(t, "inspect", "-addr", addr, "-token", "dba-secret", "app.notes", "-owner", "bob", "-format", "csv")
	if code != 0 || out != "owner,note_id,body\nbob,1,bob note\nbob,2,bob note\n" {
		t.Fatalf("dba -owner bob: exit %d %s\n%s", code, errOut, out)
	}
	code, _, errOut = runCmd(t, "inspect", "-addr", addr, "-token", "user-secret", "app.notes", "-owner", "bob")
	if code != 1 || !strings.Contains(errOut, "PermissionDenied") {
		t.Fatalf("alice -owner bob: exit %d %s", code, errOut)
	}
	code, out, errOut = runCmd(t, "inspect", "-addr", addr, "-token", "user-secret", "app.notes", "-format", "csv")
	if code != 0 || out != "note_id,body\n1,alice note\n2,alice note\n" {
		t.Fatalf("alice's own notes: exit %d %s\n%s", code, errOut, out)
	}
}

// TestVerifyAndFlushRemote: verify -addr and flush -addr run the service's
// verifier and flusher for a dba; a user is denied; flags that only mean
// something locally are refused with -addr.
func TestVerifyAndFlushRemote(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	addr, db := serveUsers(t, schemas, dbDir)
	code, out, errOut := runCmd(t, "verify", "-addr", addr, "-token", "dba-secret")
	if code != 0 || !strings.HasSuffix(out, "verified through "+addr+": 0 problem(s)\n") {
		t.Fatalf("verify -addr: exit %d, %q %s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "flush", "-addr", addr, "-token", "dba-secret", "app.users")
	if code != 0 || !regexp.MustCompile(`^flushed app\.users through \S+: 4 rows to 1 files \([0-9.]+ (KiB|B)\)\n$`).MatchString(out) {
		t.Fatalf("flush -addr: exit %d, %q %s", code, out, errOut)
	}
	// The rows left the hot tier of the served database.
	n, err := countRows(db, schemas)
	if err != nil || n != 0 {
		t.Fatalf("hot rows after the remote flush: %d, %v", n, err)
	}
	code, out, _ = runCmd(t, "flush", "-addr", addr, "-token", "dba-secret", "app.users")
	if code != 0 || !strings.Contains(out, "no hot rows, nothing written") {
		t.Fatalf("second flush -addr: exit %d, %q", code, out)
	}
	code, out, _ = runCmd(t, "compact", "-addr", addr, "-token", "dba-secret", "app.users")
	if code != 0 || out != "compacted app.users through "+addr+": nothing to merge\n" {
		t.Fatalf("compact -addr of one segment: exit %d, %q", code, out)
	}
	// Rewrite one flushed row and flush again: two segments, one dead row.
	rewriteUser(t, db, schemas, "alice")
	if code, out, errOut = runCmd(t, "flush", "-addr", addr, "-token", "dba-secret", "app.users"); code != 0 {
		t.Fatalf("flush -addr: exit %d, %q %s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "compact", "-addr", addr, "-token", "dba-secret", "app.users")
	if code != 0 || !regexp.MustCompile(`^compacted app\.users through \S+: 2 segments into 1 files \([0-9.]+ (KiB|B), 4 rows\)\n$`).MatchString(out) {
		t.Fatalf("compact -addr: exit %d, %q %s", code, out, errOut)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"flush", "-addr", addr, "-token", "user-secret", "app.users"}, 1, "dba and system actors only"},
		{[]string{"verify", "-addr", addr, "-token", "user-secret"}, 1, "dba and system actors only"},
		{[]string{"flush", "-addr", addr, "-token", "dba-secret", "app.nope"}, 1, "NotFound"},
		{[]string{"flush", "-addr", addr, "-to", "x", "app.users"}, 2, "drop -db, -to, -owner"},
		{[]string{"compact", "-addr", addr, "-token", "user-secret", "app.users"}, 1, "dba and system actors only"},
		{[]string{"compact", "-addr", addr, "-token", "dba-secret", "app.nope"}, 1, "NotFound"},
		{[]string{"verify", "-addr", addr, "-db", dbDir}, 2, "pass one of -db"},
		{[]string{"verify", "-addr", addr, "-repair"}, 2, "-repair works on a database opened locally"},
	} {
		code, _, errOut := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", c.args, code, errOut, c.code, c.msg)
		}
	}
}

// rewriteUser reads the fixture's row id (flushed or not) and writes it
// back, hot.
func rewriteUser(t *testing.T, db *store.DB, schemas, id string) {
	t.Helper()
	s, err := schema.Load(schemas)
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
	k := string(keyenc.AppendString(nil, id))
	r, err := tab.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	r.key = k
	if err := tab.Put(&r); err != nil {
		t.Fatal(err)
	}
}

// countRows counts the fixture table's hot rows in db.
func countRows(db *store.DB, schemas string) (int64, error) {
	s, err := schema.Load(schemas)
	if err != nil {
		return 0, err
	}
	l := s.Tables[0].Layout()
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		return 0, err
	}
	rr, err := p.Scan(context.Background(), scan.Request{HotOnly: true})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var n int64
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	return n, rr.Err()
}
