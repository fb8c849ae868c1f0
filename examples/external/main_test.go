package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"example.com/todo/internal/db/todo"

	"github.com/tablegen/tablegen/runtime/store"
)

func TestRunTwice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	var out, errb bytes.Buffer
	if code := run([]string{"-db", dir}, &out, &errb); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb.String())
	}
	// The first run adds three items and ticks off the oldest, oat milk.
	for _, want := range []string{`ticked off "oat milk"`, "coffee beans", "birthday candles", "2 open of 3 items"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("first run output lacks %q:\n%s", want, out.String())
		}
	}
	if regexp.MustCompile(`(?m)^oat milk`).MatchString(out.String()) {
		t.Errorf("oat milk is still listed as open:\n%s", out.String())
	}
	out.Reset()
	// The second run reopens the database: the rows and the row-id mark
	// survived, new ids do not collide, and the oldest open item is now
	// the first run's coffee beans.
	if code := run([]string{"-db", dir}, &out, &errb); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `ticked off "coffee beans"`) || !strings.Contains(out.String(), "4 open of 6 items") {
		t.Errorf("second run output:\n%s", out.String())
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-db", t.TempDir(), "extra"}, &out, &errb); code != 2 || errb.Len() == 0 {
		t.Errorf("exit %d, stderr %q; want 2 and a message", code, errb.String())
	}
}

// TestIndexOrder checks the generated store directly: the by_list index
// yields a list's open items oldest first, skips done items and other lists.
func TestIndexOrder(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := todo.NewItemStore(db)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	rows := []todo.Item{
		{ItemID: 1, List: "groceries", Title: "c", CreatedAt: base.Add(3 * time.Hour)},
		{ItemID: 2, List: "groceries", Title: "a", CreatedAt: base.Add(1 * time.Hour)},
		{ItemID: 3, List: "groceries", Title: "done", Done: true, CreatedAt: base},
		{ItemID: 4, List: "garden", Title: "other list", CreatedAt: base},
		{ItemID: 5, List: "groceries", Title: "b", CreatedAt: base.Add(2 * time.Hour)},
	}
	for i := range rows {
		if err := items.Put(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for it, err := range items.ScanByListDone("groceries", false, store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it.Title)
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("open groceries = %v, want [a b c]", got)
	}
}
