package store

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

func rawRowKey(tableID uint32, k jobKey) []byte {
	return appendJobKey(RowPrefix(tableID), k)
}

func TestCorruptRow(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, false)
	fillScanTable(t, jobs)
	p := db.pdb
	if err := p.Set(rawRowKey(1, jobKey{"a", 2}), []byte{0xFF, 0xFF}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	_, err := jobs.Get(jobKey{"a", 2})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Table != "test.jobs1" || ce.Key != "a/2" {
		t.Fatalf("Get of a corrupt row = %v, want CorruptError naming test.jobs1 and a/2", err)
	}
	if !strings.Contains(err.Error(), "test.jobs1") || !strings.Contains(err.Error(), "a/2") {
		t.Errorf("message %q does not name the table and key", err)
	}
	// A key that does not decode is named in hex.
	bad := append(RowPrefix(1), 0xFF, 0xFE)
	if err := p.Set(bad, []byte{0xFF}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	var rows, corrupt []string
	for v, err := range jobs.Scan(jobs.PrefixRange(keyenc.AppendString(nil, "a")), ScanOptions{}) {
		if errors.As(err, &ce) {
			corrupt = append(corrupt, ce.Key)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, jobKey{v.Group, v.Seq}.String())
	}
	if !slices.Equal(corrupt, []string{"a/2"}) || !slices.Equal(rows, []string{"a/1", "a/3", "a/4", "a/5"}) {
		t.Errorf("scan: corrupt %v rows %v; want the corrupt row reported and the scan continued", corrupt, rows)
	}
	corrupt = corrupt[:0]
	for _, err := range jobs.Scan(Range{}, ScanOptions{Reverse: true}) {
		if errors.As(err, &ce) {
			corrupt = append(corrupt, ce.Key)
		}
	}
	if !slices.Equal(corrupt, []string{"0xfffe", "a/2"}) {
		t.Errorf("reverse scan corrupt keys = %v", corrupt)
	}
	problems, err := jobs.Verify()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Kind.String()+" "+p.Key)
	}
	if !slices.Equal(got, []string{"corrupt row a/2", "corrupt row 0xfffe"}) {
		t.Errorf("Verify = %v", got)
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	for i, name := range []string{"a", "b", "c", "d"} {
		v := job{Group: "g", Seq: int64(i + 1), Name: name, Status: 1, Created: int64(i)}
		if i == 0 {
			v.Email = strp("a@x")
		}
		if err := jobs.Put(&v); err != nil {
			t.Fatal(err)
		}
	}
	assertConsistent(t, jobs)
	p := db.pdb
	entry := func(ix uint32, values []byte, pk *jobKey) []byte {
		k := append(IndexPrefix(1, ix), values...)
		if pk != nil {
			k = appendJobKey(k, *pk)
		}
		return k
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// 1. Row g/1 loses its by_email entry.
	must(p.Delete(entry(byEmail, keyenc.AppendString(nil, "a@x"), nil), pebble.Sync))
	// 2. A by_status entry for a row that does not exist.
	must(p.Set(entry(byStatus, keyenc.AppendInt64(keyenc.AppendEnum(nil, 1), 7), &jobKey{"g", 99}), appendJobKey(nil, jobKey{"g", 99}), pebble.Sync))
	// 3. Row g/2 is rewritten behind the store's back with name "bb": its
	//    by_name entry "b" is stale and "bb" is missing.
	must(p.Set(rawRowKey(1, jobKey{"g", 2}), appendJob(nil, &job{Group: "g", Seq: 2, Name: "bb", Status: 1, Created: 1}), pebble.Sync))
	// 4. The by_name entry "c" points to row g/4.
	must(p.Set(entry(byName, keyenc.AppendString(nil, "c"), nil), appendJobKey(nil, jobKey{"g", 4}), pebble.Sync))

	problems, err := jobs.Verify()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Kind.String()+" "+p.Index+" "+p.Key)
		if p.String() == "" || len(p.RawKey) == 0 {
			t.Errorf("problem %+v lacks a description or raw key", p)
		}
	}
	want := []string{
		"missing entry by_email g/1",
		"missing entry by_name g/2",
		"missing entry by_name g/3", // "c" points to g/4
		"stale entry by_name g/2",   // "b" → g/2, whose name is bb
		"stale entry by_name g/4",   // "c" → g/4, whose name is d
		"dangling entry by_status g/99",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Verify:\n got  %q\n want %q", got, want)
	}

	// Reads through a damaged index never return a non-matching row.
	var ce *CorruptError
	if _, err := jobs.getUniqueBytes(byName, keyenc.AppendString(nil, "c")); !errors.As(err, &ce) || ce.Key != "g/4" {
		t.Errorf("GetUnique through a stale entry = %v, want CorruptError for g/4", err)
	}
	var keys, bad []string
	for v, err := range jobs.IndexScan(byStatus, Range{}, ScanOptions{}) {
		if errors.As(err, &ce) {
			bad = append(bad, ce.Key)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, jobKey{v.Group, v.Seq}.String())
	}
	if !slices.Equal(bad, []string{"g/99"}) || !slices.Equal(keys, []string{"g/1", "g/2", "g/3", "g/4"}) {
		t.Errorf("IndexScan rows %v, errors %v", keys, bad)
	}
	if !strings.Contains(problems[0].String(), "test.jobs1: index by_email: missing entry: row g/1") {
		t.Errorf("Problem.String() = %q", problems[0].String())
	}
}
