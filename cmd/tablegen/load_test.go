package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRoundTrip: what inspect prints as json and as csv loads into a
// new database that inspects the same.
func TestLoadRoundTrip(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	for _, format := range []string{"json", "csv"} {
		code, want, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users", "-format", format)
		if code != 0 {
			t.Fatal(errOut)
		}
		ext := map[string]string{"json": ".ndjson", "csv": ".csv"}[format]
		file := filepath.Join(t.TempDir(), "users"+ext)
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		fresh := filepath.Join(t.TempDir(), "db")
		code, out, errOut := runCmd(t, "load", "app.users", "-db", fresh, "-schemas", schemas, "-from", file)
		if code != 0 || out != "loaded 4 rows into app.users\n" {
			t.Fatalf("load %s: exit %d, %q %s", format, code, out, errOut)
		}
		code, got, errOut := runCmd(t, "inspect", "-db", fresh, "-schemas", schemas, "app.users", "-format", format)
		if code != 0 || got != want {
			t.Fatalf("%s round trip: exit %d %s\ngot:\n%s\nwant:\n%s", format, code, errOut, got, want)
		}
	}
}

// TestLoadBadRow: a bad value fails the load with its position and writes
// nothing.
func TestLoadBadRow(t *testing.T) {
	schemas, _ := inspectFixture(t)
	file := filepath.Join(t.TempDir(), "users.ndjson")
	in := `{"user_id":"zoe","role":"user","created_at":"2026-01-01T00:00:00Z","score":1}
{"user_id":"yan","role":"admin","created_at":"2026-01-01T00:00:00Z","score":1}
`
	if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "db")
	code, _, errOut := runCmd(t, "load", "app.users", "-db", fresh, "-schemas", schemas, "-from", file)
	want := file + `:2:role: "admin" is not one of the enum's values user, dba`
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, %s; want 1 and %q", code, errOut, want)
	}
	code, out, errOut := runCmd(t, "inspect", "-db", fresh, "-schemas", schemas, "app.users", "-format", "csv")
	if code != 0 || out != "user_id,role,email,created_at,prefs,avatar,score\n" {
		t.Fatalf("after the failed load: exit %d %s, rows %q", code, errOut, out)
	}
}

// TestLoadParquetFromFlush: the Parquet files flush writes load back into
// a new database that inspects as the flushed one did.
func TestLoadParquetFromFlush(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	code, want, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users", "-format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	root := t.TempDir()
	if code, out, errOut := runCmd(t, "flush", "-db", dbDir, "-schemas", schemas, "-to", root, "app.users"); code != 0 {
		t.Fatalf("flush: exit %d %s %s", code, out, errOut)
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no Parquet files under %s: %v", root, err)
	}
	fresh := filepath.Join(t.TempDir(), "db")
	loaded := 0
	for _, f := range files {
		code, out, errOut := runCmd(t, "load", "app.users", "-db", fresh, "-schemas", schemas, "-from", f)
		var n int
		if _, err := fmt.Sscanf(out, "loaded %d rows into app.users\n", &n); code != 0 || err != nil {
			t.Fatalf("load %s: exit %d, %q %s", f, code, out, errOut)
		}
		loaded += n
	}
	if loaded != 4 {
		t.Fatalf("loaded %d rows from %d files; want 4", loaded, len(files))
	}
	code, got, errOut := runCmd(t, "inspect", "-db", fresh, "-schemas", schemas, "app.users", "-format", "json")
	if code != 0 || got != want {
		t.Fatalf("Parquet round trip: exit %d %s\ngot:\n%s\nwant:\n%s", code, errOut, got, want)
	}

	// A file that is not Parquet is refused before the database is touched.
	bad := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(bad, []byte("PAR1 nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "db")
	code, _, errOut = runCmd(t, "load", "app.users", "-db", empty, "-schemas", schemas, "-from", bad)
	if code != 1 || !strings.Contains(errOut, "not a readable Parquet file") {
		t.Fatalf("bad file: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Fatalf("a database was created for a file that is not Parquet: %v", err)
	}
}
