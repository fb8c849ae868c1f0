package store

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

func noSync() *Options { return &Options{NoSync: true} }

func TestCRUD(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "indexed"}[indexed], func(t *testing.T) {
			db, _ := openDB(t, nil) // defaults: Sync true
			tbl := newJobs(t, db, 1, indexed)
			k := jobKey{"g", 1}
			if _, err := tbl.Get(k); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of missing row: err = %v, want ErrNotFound", err)
			}
			if ok, err := tbl.Has(k); err != nil || ok {
				t.Fatalf("Has of missing row = %v, %v", ok, err)
			}
			want := job{Group: "g", Seq: 1, Name: "a", Status: 1, Created: 5, Email: strp("a@x"), Note: "hi"}
			if err := tbl.Put(&want); err != nil {
				t.Fatal(err)
			}
			got, err := tbl.Get(k)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Get = %+v, %v; want %+v", got, err, want)
			}
			if ok, err := tbl.Has(k); err != nil || !ok {
				t.Fatalf("Has = %v, %v", ok, err)
			}
			want.Name, want.Email = "b", nil
			if err := tbl.Put(&want); err != nil {
				t.Fatal(err)
			}
			if got, _ := tbl.Get(k); !reflect.DeepEqual(got, want) {
				t.Fatalf("after update Get = %+v, want %+v", got, want)
			}
			if err := tbl.Delete(k); err != nil {
				t.Fatal(err)
			}
			if _, err := tbl.Get(k); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after delete: %v", err)
			}
			if err := tbl.Delete(k); err != nil {
				t.Fatalf("deleting a missing row: %v", err)
			}
			if n, err := tbl.Count(Range{}); err != nil || n != 0 {
				t.Fatalf("Count = %d, %v", n, err)
			}
			if indexed {
				assertConsistent(t, tbl)
			}
		})
	}
}

func assertConsistent(t testing.TB, tbl *Table[jobKey, job]) {
	t.Helper()
	problems, err := tbl.Verify()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p.String())
	}
	if len(problems) > 0 {
		t.FailNow()
	}
}

// fillScanTable puts groups a, ab, b with seq 1..5 each (so "a" is a string
// prefix of "ab", which a prefix scan on group a must not return).
func fillScanTable(t testing.TB, tbl *Table[jobKey, job]) {
	t.Helper()
	b := tbl.core.db.NewBatch()
	for _, g := range []string{"b", "ab", "a"} {
		for s := int64(5); s >= 1; s-- {
			tbl.PutIn(b, &job{Group: g, Seq: s, Name: g + string(rune('0'+s))})
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestScan(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, false)
	other := newJobs(t, db, 2, false) // rows of another table must never show up
	if err := other.Put(&job{Group: "a", Seq: 3}); err != nil {
		t.Fatal(err)
	}
	fillScanTable(t, tbl)
	a := keyenc.AppendString(nil, "a")
	a3 := appendJobKey(nil, jobKey{"a", 3})
	tests := []struct {
		name string
		r    Range
		o    ScanOptions
		want []string
	}{
		{"all", Range{}, ScanOptions{}, []string{"a/1", "a/2", "a/3", "a/4", "a/5", "ab/1", "ab/2", "ab/3", "ab/4", "ab/5", "b/1", "b/2", "b/3", "b/4", "b/5"}},
		{"prefix", tbl.PrefixRange(a), ScanOptions{}, []string{"a/1", "a/2", "a/3", "a/4", "a/5"}},
		{"prefix reverse", tbl.PrefixRange(a), ScanOptions{Reverse: true}, []string{"a/5", "a/4", "a/3", "a/2", "a/1"}},
		{"key range", tbl.KeyRange(jobKey{"a", 4}, jobKey{"ab", 2}), ScanOptions{}, []string{"a/4", "a/5", "ab/1"}},
		{"key range reverse", tbl.KeyRange(jobKey{"a", 4}, jobKey{"ab", 2}), ScanOptions{Reverse: true}, []string{"ab/1", "a/5", "a/4"}},
		{"after", tbl.PrefixRange(a), ScanOptions{After: scanCursor(tbl, tbl.PrefixRange(a), false, a3)}, []string{"a/4", "a/5"}},
		{"after reverse", tbl.PrefixRange(a), ScanOptions{After: scanCursor(tbl, tbl.PrefixRange(a), true, a3), Reverse: true}, []string{"a/2", "a/1"}},
		{"after before range", tbl.KeyRange(jobKey{"ab", 1}, jobKey{"b", 0}), ScanOptions{After: scanCursor(tbl, tbl.KeyRange(jobKey{"ab", 1}, jobKey{"b", 0}), false, a3)}, []string{"ab/1", "ab/2", "ab/3", "ab/4", "ab/5"}},
		{"limit", Range{}, ScanOptions{Limit: 2}, []string{"a/1", "a/2"}},
		{"limit reverse", Range{}, ScanOptions{Limit: 2, Reverse: true}, []string{"b/5", "b/4"}},
		{"empty range", tbl.KeyRange(jobKey{"c", 0}, jobKey{"d", 0}), ScanOptions{}, nil},
		{"start only", Range{Start: appendJobKey(nil, jobKey{"b", 4})}, ScanOptions{}, []string{"b/4", "b/5"}},
		{"reversed range", tbl.KeyRange(jobKey{"b", 0}, jobKey{"a", 0}), ScanOptions{}, nil},
		{"cursor past range", tbl.PrefixRange(a), ScanOptions{After: scanCursor(tbl, tbl.PrefixRange(a), false, appendJobKey(nil, jobKey{"a", 9}))}, nil},
		{"reverse cursor before range", tbl.PrefixRange(a), ScanOptions{After: scanCursor(tbl, tbl.PrefixRange(a), true, appendJobKey(nil, jobKey{"a", 0})), Reverse: true}, nil},
		{"end only", Range{End: appendJobKey(nil, jobKey{"a", 3})}, ScanOptions{}, []string{"a/1", "a/2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keysOf(collect(t, tbl.Scan(tc.r, tc.o))); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !tc.o.Reverse && tc.o.After.IsZero() && tc.o.Limit == 0 {
				n, err := tbl.Count(tc.r)
				if err != nil || n != len(tc.want) {
					t.Errorf("Count = %d, %v; want %d", n, err, len(tc.want))
				}
			}
		})
	}
}

func TestScanPaging(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, false)
	fillScanTable(t, tbl)
	for _, reverse := range []bool{false, true} {
		var pages [][]string
		var after Cursor
		for {
			page := collect(t, tbl.Scan(Range{}, ScanOptions{After: after, Next: &after, Limit: 4, Reverse: reverse}))
			if len(page) == 0 {
				break
			}
			pages = append(pages, keysOf(page))
		}
		all := keysOf(collect(t, tbl.Scan(Range{}, ScanOptions{Reverse: reverse})))
		if got := slices.Concat(pages...); !slices.Equal(got, all) {
			t.Errorf("reverse=%v: pages %v do not add up to %v", reverse, pages, all)
		}
		if len(pages) != 4 || len(pages[3]) != 3 {
			t.Errorf("reverse=%v: got pages %v, want 4 pages of 4,4,4,3", reverse, pages)
		}
	}
}

func TestScanEarlyBreakClosesIterator(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, noSync())
	if err != nil {
		t.Fatal(err)
	}
	tbl := newJobs(t, db, 1, true)
	fillScanTable(t, tbl)
	n := 0
	for _, err := range tbl.Scan(Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	for _, err := range tbl.IndexScan(byStatus, Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	// Pebble's Close fails with "leaked iterators" if a scan left one open.
	if err := db.Close(); err != nil {
		t.Fatalf("close after early breaks: %v", err)
	}
}

func TestScanSnapshot(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, false)
	fillScanTable(t, tbl)
	n := 0
	for _, err := range tbl.Scan(Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 1 { // writes during the scan must not show up in it
			if err := tbl.Put(&job{Group: "zz", Seq: 1}); err != nil {
				t.Fatal(err)
			}
			if err := tbl.Delete(jobKey{"b", 5}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 15 {
		t.Errorf("scan saw %d rows, want the 15 of its snapshot", n)
	}
}

func TestNegativeLimit(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, true)
	for _, seq := range []func(func(job, error) bool){
		tbl.Scan(Range{}, ScanOptions{Limit: -1}),
		tbl.IndexScan(byName, Range{}, ScanOptions{Limit: -1}),
	} {
		var errs int
		for _, err := range seq {
			if err == nil {
				t.Fatal("negative limit yielded a row")
			}
			errs++
		}
		if errs != 1 {
			t.Fatalf("negative limit yielded %d errors, want 1", errs)
		}
	}
}

func TestScope(t *testing.T) {
	db, _ := openDB(t, noSync())
	base := newJobs(t, db, 1, true)
	alice := base.WithScope(keyenc.AppendString(nil, "alice"))
	al := base.WithScope(keyenc.AppendString(nil, "al")) // a string prefix of alice
	for _, tbl := range []*Table[jobKey, job]{alice, al} {
		for s := int64(1); s <= 3; s++ {
			// the same keys and the same unique names in both scopes
			v := job{Group: "g", Seq: s, Name: "n" + string(rune('0'+s))}
			if s == 1 {
				v.Email = strp("e")
			}
			if err := tbl.Put(&v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := alice.Put(&job{Group: "g", Seq: 9, Name: "extra"}); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(collect(t, al.Scan(Range{}, ScanOptions{}))); !slices.Equal(got, []string{"g/1", "g/2", "g/3"}) {
		t.Errorf("al scan = %v", got)
	}
	if n, _ := alice.Count(Range{}); n != 4 {
		t.Errorf("alice count = %d, want 4", n)
	}
	if _, err := al.Get(jobKey{"g", 9}); !errors.Is(err, ErrNotFound) {
		t.Errorf("al sees alice's row: %v", err)
	}
	if _, err := al.getUniqueBytes(byName, keyenc.AppendString(nil, "extra")); !errors.Is(err, ErrNotFound) {
		t.Errorf("al sees alice's unique entry: %v", err)
	}
	got, err := alice.getUniqueBytes(byEmail, keyenc.AppendString(nil, "e"))
	if err != nil || got.Seq != 1 {
		t.Errorf("alice GetUnique(email e) = %+v, %v", got, err)
	}
	if got := keysOf(collect(t, al.IndexScan(byStatus, Range{}, ScanOptions{}))); len(got) != 3 {
		t.Errorf("al index scan = %v", got)
	}
	var uv *UniqueViolationError
	if err := al.Put(&job{Group: "g", Seq: 7, Name: "n1"}); !errors.As(err, &uv) || uv.ExistingKey != "g/1" {
		t.Errorf("unique within a scope: %v", err)
	}
	assertConsistent(t, alice)
	assertConsistent(t, al)
	assertConsistent(t, base) // unscoped: checks every scope
}

func TestClosed(t *testing.T) {
	db, err := Open(t.TempDir(), noSync())
	if err != nil {
		t.Fatal(err)
	}
	tbl := newJobs(t, db, 1, true)
	plain := newJobs(t, db, 2, false)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	k := jobKey{"g", 1}
	checks := map[string]error{}
	_, checks["Get"] = tbl.Get(k)
	_, checks["Has"] = tbl.Has(k)
	checks["Put"] = tbl.Put(&job{})
	checks["Put plain"] = plain.Put(&job{})
	checks["Delete"] = tbl.Delete(k)
	checks["Delete plain"] = plain.Delete(k)
	_, checks["Count"] = tbl.Count(Range{})
	_, checks["GetUnique"] = tbl.GetUnique(byName, nil)
	_, checks["Verify"] = tbl.Verify()
	_, checks["NewTable"] = NewTable(db, jobSpec(3, false))
	for _, err := range tbl.Scan(Range{}, ScanOptions{}) {
		checks["Scan"] = err
	}
	for _, err := range tbl.IndexScan(byName, Range{}, ScanOptions{}) {
		checks["IndexScan"] = err
	}
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	db, _ := openDB(t, noSync())
	mutate := map[string]func(s *Spec[jobKey, job]){
		"nil AppendKey":       func(s *Spec[jobKey, job]) { s.AppendKey = nil },
		"nil DecodeRow":       func(s *Spec[jobKey, job]) { s.DecodeRow = nil },
		"index count":         func(s *Spec[jobKey, job]) { s.Indexes = s.Indexes[:1] },
		"index id 0":          func(s *Spec[jobKey, job]) { s.Indexes[0].ID = 0 },
		"duplicate index id":  func(s *Spec[jobKey, job]) { s.Indexes[1].ID = s.Indexes[0].ID },
		"unique disagrees":    func(s *Spec[jobKey, job]) { s.Indexes[0].Unique = false },
		"nil AppendValues":    func(s *Spec[jobKey, job]) { s.Indexes[2].AppendValues = nil },
		"index not in layout": func(s *Spec[jobKey, job]) { s.Indexes[2].ID = 9 },
	}
	for name, m := range mutate {
		s := jobSpec(1, true)
		m(&s)
		if _, err := NewTable(db, s); err == nil {
			t.Errorf("%s: NewTable accepted a bad spec", name)
		}
	}
	tbl := newJobs(t, db, 1, true)
	if _, err := tbl.GetUnique(byStatus, nil); err == nil {
		t.Error("GetUnique on a non-unique index succeeded")
	}
	if _, err := tbl.GetUnique(42, nil); err == nil {
		t.Error("GetUnique on an unknown index succeeded")
	}
}

// TestCloseWaitsForScans: Close called while a scan is open waits for it,
// then closes cleanly (Pebble would report a leaked iterator otherwise).
func TestCloseWaitsForScans(t *testing.T) {
	db, err := Open(t.TempDir(), noSync())
	if err != nil {
		t.Fatal(err)
	}
	tbl := newJobs(t, db, 1, false)
	fillScanTable(t, tbl)
	inScan, release := make(chan struct{}), make(chan struct{})
	scanned := make(chan int)
	go func() {
		n := 0
		for _, err := range tbl.Scan(Range{}, ScanOptions{}) {
			if err != nil {
				t.Error(err)
			}
			if n == 0 {
				close(inScan)
				<-release
			}
			n++
		}
		scanned <- n
	}()
	<-inScan
	closed := make(chan error)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a scan was still open", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if n := <-scanned; n != 15 {
		t.Errorf("scan saw %d rows, want 15", n)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
}
