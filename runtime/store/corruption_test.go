package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/internal/kv"
)

// flippedDB writes n rows of a jobs table to a database in dir, flushes them
// to one sstable, closes it and flips a byte of the name of row n/2 inside
// that sstable's data block, returning the file's name.
func flippedDB(t *testing.T, dir string, n int) string {
	t.Helper()
	db, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	tbl := newJobs(t, db, 1, true)
	for i := range n {
		v := job{Group: "g", Seq: int64(i), Name: flipName(i), Note: strings.Repeat(fmt.Sprint(i%7), 40)}
		if err := tbl.Put(&v); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.pdb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ssts, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(ssts) != 1 {
		t.Fatalf("want one sstable, got %v (%v)", ssts, err)
	}
	b, err := os.ReadFile(ssts[0])
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, []byte(flipName(n/2)))
	if at < 0 {
		t.Fatalf("row %d's name is not in %s as written", n/2, ssts[0])
	}
	b[at+2] ^= 0x10
	if err := os.WriteFile(ssts[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Base(ssts[0])
}

// TestDataCorruptionIsAnError: a flipped byte in an sstable data block makes
// a scan through a DB opened with nil options (Pebble's default logger and
// DataCorruption event would exit the process) return a
// *CorruptError naming the table and the file, wrapping Pebble's
// corruption error; the process goes on, and Close works.
func TestDataCorruptionIsAnError(t *testing.T) {
	dir := t.TempDir()
	file := flippedDB(t, dir, 200)
	db, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tbl := newJobs(t, db, 1, true)
	var scanErr error
	for _, err := range tbl.Scan(Range{}, ScanOptions{}) {
		if err != nil {
			scanErr = err
			break
		}
	}
	checkDataCorruption(t, "scan", scanErr, "test.jobs1", file)
	_, err = tbl.Get(jobKey{"g", 100})
	checkDataCorruption(t, "get", err, "test.jobs1", file)
	_, err = tbl.Count(Range{})
	checkDataCorruption(t, "count", err, "test.jobs1", file)
	problems, err := tbl.Verify()
	if err == nil && len(problems) == 0 {
		t.Errorf("verify: no error and no problem on a damaged sstable")
	}
}

// flipName is a name no compressor shortens, so it appears in the sstable
// as written.
func flipName(i int) string { return fmt.Sprintf("%016x", uint64(i+1)*0x9E3779B97F4A7C15) }

func checkDataCorruption(t *testing.T, what string, err error, table, file string) {
	t.Helper()
	var dc *CorruptError
	if !errors.As(err, &dc) {
		t.Fatalf("%s: got %v (%T), want a *CorruptError", what, err, err)
	}
	if dc.Table != table || dc.File != file {
		t.Errorf("%s: table %q file %q, want %q %q", what, dc.Table, dc.File, table, file)
	}
	for _, s := range []string{table, file, "tablegen verify"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: %q does not mention %q", what, err, s)
		}
	}
	if dc.Unwrap() == nil || !damagedFiles(err) {
		t.Errorf("%s: Pebble's corruption error is not wrapped: %v", what, dc.Unwrap())
	}
}

// TestVerifyFilesFindsDamage: VerifyFiles reads every block, so it reports
// the damaged sstable by name (with its key range), and nothing on an
// intact database.
func TestVerifyFilesFindsDamage(t *testing.T) {
	dir := t.TempDir()
	file := flippedDB(t, dir, 200)
	db, err := Open(dir, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	problems, err := db.VerifyFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].File != file || !damagedFiles(problems[0].Err) || len(problems[0].Smallest) == 0 {
		t.Fatalf("VerifyFiles = %v, want %s damaged", problems, file)
	}
	clean, _ := openDB(t, nil)
	tbl := newJobs(t, clean, 1, true)
	if err := tbl.Put(&job{Group: "g", Name: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := clean.pdb.Flush(); err != nil {
		t.Fatal(err)
	}
	if problems, err := clean.VerifyFiles(); len(problems) != 0 || err != nil {
		t.Errorf("intact database: %v %v", problems, err)
	}
}

// damagedFiles reports whether err is Pebble reporting damaged files.
func damagedFiles(err error) bool {
	_, ok := kv.Damaged(err)
	return ok
}
