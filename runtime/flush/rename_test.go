package flush_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestRenamesKeepColdRows flushes a table, then renames the table and its
// text column (same id, same tag: a change breaking accepts). Every
// flushed row must still be read, with its values, and a filter on the
// renamed column must find flushed rows (issue 15 D3).
func TestRenamesKeepColdRows(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	db := openDB(t, dir)
	old := itemLayout(901, "items", "text")
	owners := []string{"u1", "u2"}
	putItems(t, db, old, owners, 6)
	e := newExecutor(t, db, root, nil)
	if _, err := e.Flush(context.Background(), itemProvider(t, db, old)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, dir)
	defer db.Close()
	renamed := itemLayout(901, "entries", "body")
	if _, err := store.NewTable(db, itemSpec(renamed)); err != nil {
		t.Fatal(err) // upgrade on open records the renames
	}
	p := itemProvider(t, db, renamed)
	e = newExecutor(t, db, root, nil)
	got := scanTexts(t, e, p, scan.Request{}, "body")
	want := []string{}
	for range owners {
		want = append(want, "body-0", "body-1", "body-2", "body-3", "body-4", "body-5")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after the renames the table reads %q, want %q", got, want)
	}
	hit := scanTexts(t, e, p, scan.Request{Filter: &scan.Cmp{Column: "body", Op: scan.OpEq, Value: "body-3"}}, "body")
	if !slices.Equal(hit, []string{"body-3", "body-3"}) {
		t.Fatalf("body = 'body-3' after the column rename found %q, want the row of each owner", hit)
	}
	// A flush under the new names appends to the same table directory.
	putItems(t, db, renamed, owners, 8)
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := scanTexts(t, e, p, scan.Request{}, "body"); len(got) != 16 {
		t.Fatalf("after a second flush under the new names: %d rows, want 16", len(got))
	}
}
