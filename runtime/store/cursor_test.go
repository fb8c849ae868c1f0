package store

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

// cursorScan is one scan of the cursor tests: a name, and the scan with
// paging options o, its rows formatted owner/group/seq.
type cursorScan struct {
	name string
	scan func(o ScanOptions) iter.Seq2[string, error]
}

func jobRows(owner string, seq iter.Seq2[job, error]) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			if !yield(owner+"/"+v.Group+"/"+fmt.Sprint(v.Seq), err) {
				return
			}
		}
	}
}

// cursorScans returns every scan kind over the user table tbl: per owner
// the primary scan (whole and by key prefix) and each index scan (unique,
// composite, sparse), and the scan across owners, each in both directions.
func cursorScans(tbl *Table[jobKey, job], owners []string) []cursorScan {
	var scans []cursorScan
	for _, reverse := range []bool{false, true} {
		dir := map[bool]string{false: "", true: " reverse"}[reverse]
		rev := func(o ScanOptions) ScanOptions { o.Reverse = reverse; return o }
		for _, owner := range owners {
			scope, _ := OwnerScope(owner)
			v := tbl.WithScope(scope)
			scans = append(scans,
				cursorScan{fmt.Sprintf("%q Scan%s", owner, dir), func(o ScanOptions) iter.Seq2[string, error] {
					return jobRows(owner, v.Scan(Range{}, rev(o)))
				}},
				cursorScan{fmt.Sprintf("%q Scan group a%s", owner, dir), func(o ScanOptions) iter.Seq2[string, error] {
					return jobRows(owner, v.Scan(v.PrefixRange(keyenc.AppendString(nil, "a")), rev(o)))
				}},
				cursorScan{fmt.Sprintf("%q by_status%s", owner, dir), func(o ScanOptions) iter.Seq2[string, error] {
					return jobRows(owner, v.IndexScan(byStatus, Range{}, rev(o)))
				}},
				cursorScan{fmt.Sprintf("%q by_status = 1%s", owner, dir), func(o ScanOptions) iter.Seq2[string, error] {
					return jobRows(owner, v.IndexScan(byStatus, v.PrefixRange(keyenc.AppendEnum(nil, 1)), rev(o)))
				}},
				cursorScan{fmt.Sprintf("%q by_name%s", owner, dir), func(o ScanOptions) iter.Seq2[string, error] {
					return jobRows(owner, v.IndexScan(byName, Range{}, rev(o)))
				}},
				cursorScan{fmt.Sprintf("%q by_email%s", owner, dir), func(o ScanOptions) iter.Seq2[string, error] {
					return jobRows(owner, v.IndexScan(byEmail, Range{}, rev(o)))
				}},
			)
		}
		scans = append(scans, cursorScan{"AllOwners" + dir, func(o ScanOptions) iter.Seq2[string, error] {
			return func(yield func(string, error) bool) {
				for r, err := range NewAllOwners[string](tbl).Scan(rev(o)) {
					if !yield(r.Owner+"/"+r.Row.Group+"/"+fmt.Sprint(r.Row.Seq), err) {
						return
					}
				}
			}
		}})
	}
	return scans
}

func newUserJobs(t fataler, db *DB, id uint32) *Table[jobKey, job] {
	t.Helper()
	spec := jobSpec(id, true)
	spec.Layout.Kind = "user"
	tbl, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func drainRows(t *rapid.T, what string, seq iter.Seq2[string, error]) []string {
	var out []string
	for r, err := range seq {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out = append(out, r)
	}
	return out
}

// TestCursorPagingModel: over random rows of random owners, paging every
// scan kind with cursors and random page sizes returns exactly the full
// scan, and a cursor of one scan given to any other is refused with
// ErrCursorMismatch, yielding no row.
func TestCursorPagingModel(t *testing.T) {
	db, _ := openDB(t, noSync())
	id := uint32(1)
	owners := []string{"u1", "u10", "u1\x00", "é"}
	rapid.Check(t, func(t *rapid.T) {
		id++
		tbl := newUserJobs(t, db, id)
		n := rapid.IntRange(0, 30).Draw(t, "rows")
		for i := range n {
			owner := rapid.SampledFrom(owners).Draw(t, "owner")
			v := job{
				Group:   rapid.SampledFrom([]string{"a", "ab", "b"}).Draw(t, "group"),
				Seq:     rapid.Int64Range(0, 5).Draw(t, "seq"),
				Status:  rapid.Int32Range(0, 2).Draw(t, "status"),
				Created: rapid.Int64Range(0, 2).Draw(t, "created"),
			}
			v.Name = fmt.Sprintf("%s/%d", v.Group, v.Seq) // unique per owner, as the key is
			if rapid.Bool().Draw(t, "email") {
				v.Email = strp(fmt.Sprintf("e%d", i))
			}
			if err := scoped(t, tbl, owner).Put(&v); err != nil {
				t.Fatal(err)
			}
		}
		scans := cursorScans(tbl, owners)
		for _, s := range scans {
			full := drainRows(t, s.name, s.scan(ScanOptions{}))
			limit := rapid.IntRange(1, 4).Draw(t, "limit")
			var paged []string
			o := ScanOptions{Limit: limit}
			o.Next = &o.After
			for pages := 0; ; pages++ {
				if pages > len(full)+1 {
					t.Fatalf("%s: paging does not end", s.name)
				}
				page := drainRows(t, s.name, s.scan(o))
				paged = append(paged, page...)
				if len(page) < limit {
					break
				}
			}
			if !slices.Equal(paged, full) {
				t.Fatalf("%s: pages of %d = %q; want the full scan %q", s.name, limit, paged, full)
			}
		}
		// Every scan's cursor to every other scan.
		for _, a := range scans {
			var cur Cursor
			drainRows(t, a.name, a.scan(ScanOptions{Limit: 1, Next: &cur}))
			if cur.IsZero() {
				continue // an empty scan leaves the zero cursor, which every scan takes
			}
			for _, b := range scans {
				if b.name == a.name {
					continue
				}
				for r, err := range b.scan(ScanOptions{After: cur}) {
					if !errors.Is(err, ErrCursorMismatch) {
						t.Fatalf("%s given a cursor of %s yielded %q, %v; want ErrCursorMismatch", b.name, a.name, r, err)
					}
				}
			}
		}
	})
}

// TestCursorText: a cursor survives its text form, the zero cursor is "",
// and text that is not a cursor is refused.
func TestCursorText(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newJobs(t, db, 1, false)
	fillScanTable(t, tbl)
	var cur Cursor
	first := collect(t, tbl.Scan(Range{}, ScanOptions{Limit: 3, Next: &cur}))
	text, err := cur.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back Cursor
	if err := back.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	rest := collect(t, tbl.Scan(Range{}, ScanOptions{After: back}))
	if got := keysOf(append(first, rest...)); !slices.Equal(got, keysOf(collect(t, tbl.Scan(Range{}, ScanOptions{})))) {
		t.Fatalf("pages through the text cursor %s = %v", text, got)
	}
	if c, err := ParseCursor(""); err != nil || !c.IsZero() || (Cursor{}).String() != "" {
		t.Fatalf(`ParseCursor("") = %v, %v; want the zero cursor`, c, err)
	}
	for _, bad := range []string{"!!", "AA", "AgAAAAAAAAAAAA"} {
		if _, err := ParseCursor(bad); !errors.Is(err, ErrCursorMismatch) {
			t.Errorf("ParseCursor(%q) = %v; want ErrCursorMismatch", bad, err)
		}
	}
	// A scan ending on its last row leaves a cursor that yields nothing more;
	// a page with no row leaves After as it was.
	var end Cursor
	collect(t, tbl.Scan(Range{}, ScanOptions{Next: &end}))
	after := end
	if rows := collect(t, tbl.Scan(Range{}, ScanOptions{After: end, Next: &after})); len(rows) != 0 || after.String() != end.String() {
		t.Fatalf("after the last row: %v rows, cursor %s; want none and %s", keysOf(rows), after, end)
	}
}

// FuzzCursor: any text given as a cursor is refused or accepted without a
// panic, and a cursor of the right scan at any position yields exactly the
// full scan's rows past that position.
func FuzzCursor(f *testing.F) {
	db, _ := openDB(f, noSync())
	tbl := newJobs(f, db, 1, true)
	fillScanTable(f, tbl)
	var cur Cursor
	collect(f, tbl.Scan(Range{}, ScanOptions{Limit: 2, Next: &cur}))
	f.Add(cur.String(), appendJobKey(nil, jobKey{"a", 3}), false)
	f.Add("", []byte{}, true)
	f.Add("AQ", []byte{0xff, 0x00}, false)
	full := collect(f, tbl.Scan(Range{}, ScanOptions{}))
	f.Fuzz(func(t *testing.T, text string, pos []byte, reverse bool) {
		if c, err := ParseCursor(text); err == nil {
			for _, err := range tbl.Scan(Range{}, ScanOptions{After: c}) {
				if err != nil && !errors.Is(err, ErrCursorMismatch) {
					t.Fatalf("cursor %q: %v", text, err)
				}
			}
			for _, err := range tbl.IndexScan(byStatus, Range{}, ScanOptions{After: c}) {
				if err != nil && !errors.Is(err, ErrCursorMismatch) {
					t.Fatalf("cursor %q: index scan: %v", text, err)
				}
			}
		} else if !errors.Is(err, ErrCursorMismatch) {
			t.Fatalf("ParseCursor(%q) = %v; want ErrCursorMismatch", text, err)
		}
		c := scanCursor(tbl, Range{}, reverse, pos)
		var want []job
		for _, v := range full {
			d := bytes.Compare(appendJobKey(nil, jobKey{v.Group, v.Seq}), pos)
			if (!reverse && d > 0) || (reverse && d < 0) {
				want = append(want, v)
			}
		}
		if reverse {
			slices.Reverse(want)
		}
		got := collect(t, tbl.Scan(Range{}, ScanOptions{After: c, Reverse: reverse}))
		if !slices.Equal(keysOf(got), keysOf(want)) {
			t.Fatalf("after position %x (reverse %v) = %v; want %v", pos, reverse, keysOf(got), keysOf(want))
		}
	})
}
