package store

import (
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

func TestIndexScan(t *testing.T) {
	db, _ := openDB(t, noSync())
	jobs := newJobs(t, db, 1, true)
	b := db.NewBatch()
	// status 1 rows with created 30, 10, 20, 10 (two rows tie on created: key order breaks the tie)
	for i, c := range []int64{30, 10, 20, 10} {
		jobs.PutIn(b, &job{Group: "g", Seq: int64(i + 1), Name: string(rune('a' + i)), Status: 1, Created: c})
	}
	jobs.PutIn(b, &job{Group: "g", Seq: 9, Name: "z", Status: 2, Created: 5})
	jobs.PutIn(b, &job{Group: "g", Seq: 8, Name: "y", Status: 0, Created: 50})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	running := keyenc.AppendEnum(nil, 1)
	tests := []struct {
		name string
		r    Range
		o    ScanOptions
		want []string
	}{
		{"all in index order", Range{}, ScanOptions{}, []string{"g/8", "g/2", "g/4", "g/3", "g/1", "g/9"}},
		{"equality", jobs.PrefixRange(running), ScanOptions{}, []string{"g/2", "g/4", "g/3", "g/1"}},
		{"equality newest first", jobs.PrefixRange(running), ScanOptions{Reverse: true}, []string{"g/1", "g/3", "g/4", "g/2"}},
		{"equality + range", Range{Start: keyenc.AppendInt64(keyenc.AppendEnum(nil, 1), 10), End: keyenc.AppendInt64(keyenc.AppendEnum(nil, 1), 30)}, ScanOptions{}, []string{"g/2", "g/4", "g/3"}},
		{"limit", jobs.PrefixRange(running), ScanOptions{Limit: 3}, []string{"g/2", "g/4", "g/3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keysOf(collect(t, jobs.IndexScan(byStatus, tc.r, tc.o))); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Paging with cursors through the equal-created tie.
	for _, reverse := range []bool{false, true} {
		var got []string
		var after Cursor
		for {
			page := collect(t, jobs.IndexScan(byStatus, jobs.PrefixRange(running), ScanOptions{After: after, Next: &after, Limit: 1, Reverse: reverse}))
			if len(page) == 0 {
				break
			}
			got = append(got, keysOf(page)...)
		}
		want := []string{"g/2", "g/4", "g/3", "g/1"}
		if reverse {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("reverse=%v: paged %v, want %v", reverse, got, want)
		}
	}
	// Unique index scans and cursors.
	var names []string
	for v, err := range jobs.IndexScan(byName, Range{}, ScanOptions{Reverse: true, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, v.Name)
	}
	if !slices.Equal(names, []string{"z", "y"}) {
		t.Errorf("by_name reverse limit 2 = %v", names)
	}
	var cur Cursor
	for v, err := range jobs.IndexScan(byName, Range{}, ScanOptions{Next: &cur}) {
		if err != nil {
			t.Fatal(err)
		}
		if v.Name == "c" {
			break
		}
	}
	names = names[:0]
	for v, err := range jobs.IndexScan(byName, Range{}, ScanOptions{After: cur}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, v.Name)
	}
	if !slices.Equal(names, []string{"d", "y", "z"}) {
		t.Errorf("by_name after c = %v", names)
	}
}
