package upgradetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/compat"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/internal/schema"
	v1 "github.com/tablegen/tablegen/internal/upgradetest/v1gen/fixture"
	v2 "github.com/tablegen/tablegen/internal/upgradetest/v2gen/fixture"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

const (
	tableID     = 1 // fixture.items
	byColorID   = 1 // version 1 only
	retiredTag  = 3 // color
	rowsWritten = 5000
)

// v1Item is row i as version 1 writes it: sizes -6 … 6 (negative int32s
// must read back as the same int64s), every fourth row without a color.
func v1Item(i int) v1.Item {
	it := v1.Item{ItemID: fmt.Sprintf("item-%05d", i), Name: fmt.Sprintf("name %d", i), Size: int32(i%13 - 6), Status: v1.ItemStatus(i % 2)}
	if i%4 != 0 {
		c := []string{"red", "green", "blue"}[i%3]
		it.Color = &c
	}
	return it
}

func open(t *testing.T, dir string, opts *store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// writeV1 fills a new database in dir with version 1 code and closes it.
func writeV1(t *testing.T, dir string) {
	t.Helper()
	db := open(t, dir, &store.Options{NoSync: true})
	items, err := v1.NewItemStore(db)
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	for i := range rowsWritten {
		it := v1Item(i)
		items.PutIn(b, &it)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	var red []string
	for it, err := range items.ScanByColor("red", store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		red = append(red, it.ItemID)
	}
	if len(red) == 0 {
		t.Fatal("version 1's index by_color found no red items")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestVersion2ReadsVersion1 is the upgrade test: rows written by
// version 1 are read by version 2, whose new index answers correctly.
func TestVersion2ReadsVersion1(t *testing.T) {
	dir := t.TempDir()
	writeV1(t, dir)

	var last [2]int
	calls := 0
	db := open(t, dir, &store.Options{BackfillBatchSize: 1000, OnProgress: func(table string, done, total int) {
		if table != "fixture.items" {
			t.Errorf("progress reported for %q", table)
		}
		calls++
		last = [2]int{done, total}
	}})
	items, err := v2.NewItemStore(db)
	if err != nil {
		t.Fatalf("version 2 over version 1's data: %v", err)
	}
	if calls != rowsWritten/1000+1 || last != [2]int{rowsWritten, rowsWritten} {
		t.Errorf("progress: %d calls ending at %v, want %d ending at [%d %d]", calls, last, rowsWritten/1000+1, rowsWritten, rowsWritten)
	}

	// Every row reads back: kept columns as written, the widened size with
	// its sign, the new column null.
	bySize := map[int64][]string{}
	for i := range rowsWritten {
		old := v1Item(i)
		got, err := items.Get(v2.ItemID(old.ItemID))
		if err != nil {
			t.Fatal(err)
		}
		want := v2.Item{ItemID: old.ItemID, Name: old.Name, Size: int64(old.Size), Status: v2.ItemStatus(old.Status)}
		if got.ItemID != want.ItemID || got.Name != want.Name || got.Size != want.Size || got.Status != want.Status || got.Owner != nil {
			t.Fatalf("row %d: version 2 reads %+v, want %+v", i, got, want)
		}
		bySize[want.Size] = append(bySize[want.Size], want.ItemID)
	}

	// The backfilled index answers equality and range queries like a
	// filter over the rows does, in index order.
	for size, want := range bySize {
		var got []string
		for it, err := range items.ScanBySize(size, store.ScanOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, it.ItemID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ScanBySize(%d): %d rows, want %d", size, len(got), len(want))
		}
	}
	var sizes []int64
	for it, err := range items.ScanBySizeRange(-2, 3, store.ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, it.Size)
	}
	wantN := 0
	for s := int64(-2); s < 3; s++ {
		wantN += len(bySize[s])
	}
	if len(sizes) != wantN || !slices.IsSorted(sizes) || sizes[0] != -2 || sizes[len(sizes)-1] != 2 {
		t.Errorf("ScanBySizeRange(-2, 3): %d rows from %d to %d, want %d rows from -2 to 2 in order", len(sizes), sizes[0], sizes[len(sizes)-1], wantN)
	}

	// The new unique, sparse index: empty over the old rows, then enforced.
	if _, err := items.GetByOwner("ann"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetByOwner before any owner = %v, want ErrNotFound", err)
	}
	ann := "ann"
	row, _ := items.Get("item-00007")
	row.Owner, row.Status = &ann, v2.ItemStatusArchived
	if err := items.Put(&row); err != nil {
		t.Fatal(err)
	}
	if got, err := items.GetByOwner("ann"); err != nil || got.ItemID != "item-00007" {
		t.Errorf("GetByOwner(ann) = %+v, %v", got, err)
	}
	other, _ := items.Get("item-00008")
	other.Owner = &ann
	var uv *store.UniqueViolationError
	if err := items.Put(&other); !errors.As(err, &uv) {
		t.Errorf("a second owner ann = %v, want *store.UniqueViolationError", err)
	}

	// The retired column's bytes stay in the old rows, unread; the dropped
	// index left no entry behind.
	raw, closer, err := rawpebble.DB(db).Get(append(store.RowPrefix(tableID), keyenc.AppendString(nil, "item-00001")...))
	if err != nil {
		t.Fatal(err)
	}
	hasColor := false
	for d := rowenc.NewDecoder(raw); d.Next(); {
		hasColor = hasColor || d.Tag() == retiredTag
	}
	_ = closer.Close()
	if !hasColor {
		t.Error("row item-00001 lost the retired color's bytes; an upgrade should not rewrite rows")
	}
	if n := countKeys(t, db, store.IndexPrefix(tableID, byColorID)); n != 0 {
		t.Errorf("the dropped index by_color still has %d entries", n)
	}
	problems, err := items.Verify()
	if err != nil || len(problems) != 0 {
		t.Fatalf("Verify after the upgrade: %v %v", problems, err)
	}

	// Version 1 cannot come back: it would truncate sizes and not know
	// "archived". The open is refused with the rules `tablegen breaking`
	// reports for the same change, and writes nothing.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, dir, &store.Options{NoSync: true})
	_, err = v1.NewItemStore(db)
	var lm *store.LayoutMismatchError
	if !errors.As(err, &lm) {
		t.Fatalf("version 1 over version 2's data = %v, want *store.LayoutMismatchError", err)
	}
	var rules []string
	for _, r := range lm.Refused {
		rules = append(rules, r.Rule)
	}
	if want := breakingRules(t, "testdata/v1", "testdata/v2", "testdata/v1"); !slices.Equal(rules, want) {
		t.Errorf("the runtime refuses with %v, tablegen breaking reports errors %v", rules, want)
	}
	if !strings.Contains(err.Error(), "tablegen breaking") || !strings.Contains(err.Error(), "fixture.items") {
		t.Errorf("the error does not name the table and `tablegen breaking`: %v", err)
	}
	if items, err := v2.NewItemStore(db); err != nil {
		t.Errorf("version 2 after the refused downgrade: %v", err)
	} else if got, err := items.GetByOwner("ann"); err != nil || got.Status != v2.ItemStatusArchived {
		t.Errorf("after the refused downgrade GetByOwner(ann) = %+v, %v", got, err)
	}
}

// TestBreakingAgreesOnUpgrade: `tablegen breaking` finds no error in the
// v1 → v2 change the runtime applies on open; its only finding is the
// warning that a unique index was added.
func TestBreakingAgreesOnUpgrade(t *testing.T) {
	if got := breakingRules(t, "testdata/v1", "testdata/v2"); len(got) != 0 {
		t.Errorf("tablegen breaking finds errors %v in the change the runtime applies", got)
	}
	old := lockOf(t, "testdata/v1", nil)
	var warnings []string
	for _, f := range compat.Compare(old, lockOf(t, "testdata/v2", old)) {
		warnings = append(warnings, f.Rule)
	}
	if !slices.Equal(warnings, []string{compat.RuleUniqueIndexAdded}) {
		t.Errorf("findings %v, want only %s", warnings, compat.RuleUniqueIndexAdded)
	}
}

// lockOf is the lock `tablegen generate` would write for the schemas in dir
// after the lock prev.
func lockOf(t *testing.T, dir string, prev *compat.Lock) *compat.Lock {
	t.Helper()
	s, err := schema.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return compat.Build(s, prev)
}

// breakingRules returns the rule ids of the error-level findings of
// `tablegen breaking` for the last step of a history of schema versions
// (directories), each lock built on the one before as `tablegen generate`
// does, in the order breaking reports them. INDEX_ID_REUSED is left out:
// the runtime range-deletes an index's keyspace when it drops the index
// and again before it builds one, so no stale entry can meet a reused id,
// and it accepts the reuse on purpose.
func breakingRules(t *testing.T, history ...string) []string {
	t.Helper()
	var locks []*compat.Lock
	var prev *compat.Lock
	for _, dir := range history {
		prev = lockOf(t, dir, prev)
		locks = append(locks, prev)
	}
	var rules []string
	for _, f := range compat.Compare(locks[len(locks)-2], locks[len(locks)-1]) {
		if f.Level == compat.Error && f.Rule != compat.RuleIndexIDReused {
			rules = append(rules, f.Rule)
		}
	}
	return rules
}

func countKeys(t *testing.T, db *store.DB, prefix []byte) int {
	t.Helper()
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}
