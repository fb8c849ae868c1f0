package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"pgregory.net/rapid"
)

// TestUpgradePlan runs testdata/upgrade_plan: each case gives the stored
// layout (or, with `plan record`, the whole stored record) and the declared
// layout, one JSON line each; the output is every change with its verdict,
// then what the open does: the index keyspaces it deletes and the record it
// writes before any backfill.
func TestUpgradePlan(t *testing.T) {
	datadriven.RunTest(t, "testdata/upgrade_plan", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "plan" {
			d.Fatalf(t, "unknown command %q; use plan", d.Cmd)
		}
		lines := strings.Split(strings.TrimSpace(d.Input), "\n")
		if len(lines) != 2 {
			d.Fatalf(t, "want 2 JSON lines (stored, current), got %d", len(lines))
		}
		var stored layoutRecord
		var err error
		if d.HasArg("record") {
			err = json.Unmarshal([]byte(lines[0]), &stored)
		} else {
			err = json.Unmarshal([]byte(lines[0]), &stored.Layout)
		}
		if err != nil {
			d.Fatalf(t, "stored: %v", err)
		}
		var current layout.Table
		if err := json.Unmarshal([]byte(lines[1]), &current); err != nil {
			d.Fatalf(t, "current: %v", err)
		}
		p := planUpgrade(&stored, &current)
		var b strings.Builder
		for _, c := range p.changes {
			if c.Verdict == layout.Refused {
				fmt.Fprintf(&b, "refuse %s: %s\n", c.Rule, c.Text)
			} else {
				fmt.Fprintf(&b, "safe: %s\n", c.Text)
			}
		}
		if len(p.changes) == 0 {
			b.WriteString("no changes\n")
		}
		if len(p.refused) > 0 {
			b.WriteString("=> refused; nothing written\n")
			return b.String()
		}
		if len(p.clear) > 0 {
			fmt.Fprintf(&b, "=> delete index keyspaces %v\n", p.clear)
		}
		r := p.record
		if len(r.Building) > 0 {
			from := "the first row"
			if r.After != nil {
				from = fmt.Sprintf("after %q", r.After)
			}
			fmt.Fprintf(&b, "=> build indexes %v from %s\n", r.Building, from)
		}
		for _, c := range r.Retired {
			fmt.Fprintf(&b, "=> retired tag %d (%s %s)\n", c.Tag, c.Name, c.Type)
		}
		if r.Layout.Fingerprint() != current.Fingerprint() {
			t.Errorf("the plan records layout %s, not the declared one %s", r.Layout.Fingerprint(), current.Fingerprint())
		}
		return b.String()
	})
}

// TestUpgradeOnOpen: rows written by version 1 are read by version 2, which
// retired a column, widened another, appended an enum value, added a
// column and two indexes (one unique and sparse) and dropped one.
func TestUpgradeOnOpen(t *testing.T) {
	const rows = 2500
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	fillItems(t, db, itemsV1(), rows)
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixColor)); n != rows-rows/5 {
		t.Fatalf("version 1 wrote %d by_color entries, want %d", n, rows-rows/5)
	}

	type report struct{ done, total int }
	var reports []report
	opts := noSync()
	opts.BackfillBatchSize = 100
	opts.OnProgress = func(table string, done, total int) {
		if table != "test.items" {
			t.Errorf("progress for table %q", table)
		}
		reports = append(reports, report{done, total})
	}
	db = reopen(t, db, dir, opts)
	v2, err := NewTable(db, itemSpec(itemsV2()))
	if err != nil {
		t.Fatal(err)
	}
	// Progress: one report per batch and one at the end, rising to the row count.
	if len(reports) != rows/100+1 || reports[len(reports)-1] != (report{rows, rows}) {
		t.Errorf("progress reports %v, want %d ending at {%d %d}", reports, rows/100+1, rows, rows)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i].done < reports[i-1].done {
			t.Errorf("progress went back: %v", reports)
		}
	}
	for i := range rows {
		want := testItem(i)
		want.Color = nil // retired: version 2 does not read it
		got, err := v2.Get(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !equalItems(got, want) {
			t.Fatalf("row %d read by version 2 = %+v, want %+v", i, got, want)
		}
	}
	// The new index answers like a filter over the rows.
	assertIndexMatches(t, v2, ixSize)
	var size3 []string
	for v, err := range v2.IndexScan(ixSize, v2.PrefixRange(keyenc.AppendInt64(nil, 3)), ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if v.Size != 3 {
			t.Fatalf("by_size = 3 returned a row of size %d", v.Size)
		}
		size3 = append(size3, v.ID)
	}
	if len(size3) != (rows+3)/7 || !slices.IsSorted(size3) {
		t.Errorf("by_size = 3 returned %d rows (sorted %t), want %d in key order", len(size3), slices.IsSorted(size3), (rows+3)/7)
	}
	// The sparse unique index has no entries (every owner is null) until rows get one.
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixOwner)); n != 0 {
		t.Errorf("by_owner has %d entries over rows without owners", n)
	}
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixColor)); n != 0 {
		t.Errorf("the dropped index by_color still has %d entries", n)
	}
	assertVerified(t, v2)
	rec, l2 := storedRecord(t, db, itemsID), v2.Layout()
	if rec.Fingerprint != l2.Fingerprint() || len(rec.Building) != 0 || rec.After != nil {
		t.Errorf("record after the upgrade: %+v", rec)
	}
	if len(rec.Retired) != 1 || rec.Retired[0].Tag != 3 || rec.Retired[0].Name != "color" {
		t.Errorf("retired columns %+v, want tag 3 color", rec.Retired)
	}
	owner := "ann"
	it := testItem(1)
	it.Owner = &owner
	if err := v2.Put(&it); err != nil {
		t.Fatal(err)
	}
	if got, err := v2.getUniqueBytes(ixOwner, keyenc.AppendString(nil, owner)); err != nil || got.ID != it.ID {
		t.Errorf("GetUnique(by_owner, ann) = %+v, %v", got, err)
	}

	// Opening version 2 again changes nothing and builds nothing.
	reports = nil
	before := rawRecord(t, db, itemsID)
	db = reopen(t, db, dir, opts)
	if _, err := NewTable(db, itemSpec(itemsV2())); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 0 || string(rawRecord(t, db, itemsID)) != string(before) {
		t.Errorf("a second open of the same version reported progress %v or rewrote the record", reports)
	}

	// Going back to version 1 would misread size (int64 → int32) and the
	// appended enum value: refused, nothing written.
	db = reopen(t, db, dir, opts)
	_, err = NewTable(db, itemSpec(itemsV1()))
	var lm *LayoutMismatchError
	if !errors.As(err, &lm) {
		t.Fatalf("opening version 1 over version 2's data = %v, want *LayoutMismatchError", err)
	}
	if got := rulesOf(lm); !slices.Equal(got, []string{"COLUMN_TYPE_INCOMPATIBLE", "ENUM_VALUE_REMOVED"}) {
		t.Errorf("refused rules %v; error: %v", got, err)
	}
	if string(rawRecord(t, db, itemsID)) != string(before) {
		t.Error("a refused open rewrote the record")
	}
}

func equalItems(a, b item) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ID == b.ID && a.Name == b.Name && a.Size == b.Size && a.Status == b.Status && eq(a.Color, b.Color) && eq(a.Owner, b.Owner)
}

func rulesOf(lm *LayoutMismatchError) []string {
	var out []string
	for _, r := range lm.Refused {
		out = append(out, r.Rule)
	}
	return out
}

// TestUpgradeDropIndexClearsKeyspace: a dropped index leaves no key behind,
// and the other indexes and rows are untouched.
func TestUpgradeDropIndexClearsKeyspace(t *testing.T) {
	const rows = 3000
	v1 := itemsV1()
	v1.Indexes = append(v1.Indexes, layout.Index{ID: ixName, Name: "by_name", Columns: []string{"name"}, Unique: true})
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	fillItems(t, db, v1, rows)
	v2 := itemsV1()
	v2.Indexes = []layout.Index{{ID: ixName, Name: "by_name", Columns: []string{"name"}, Unique: true}}
	db = reopen(t, db, dir, noSync())
	tbl, err := NewTable(db, itemSpec(v2))
	if err != nil {
		t.Fatal(err)
	}
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixColor)); n != 0 {
		t.Errorf("dropped index by_color: %d keys remain", n)
	}
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixName)); n != rows {
		t.Errorf("kept index by_name: %d entries, want %d", n, rows)
	}
	if n, err := tbl.Count(Range{}); err != nil || n != rows {
		t.Errorf("Count = %d, %v; want %d", n, err, rows)
	}
	assertVerified(t, tbl)
	// The id stays free of stale entries: bringing by_color back builds it anew.
	db = reopen(t, db, dir, noSync())
	tbl, err = NewTable(db, itemSpec(v1))
	if err != nil {
		t.Fatal(err)
	}
	assertIndexMatches(t, tbl, ixColor)
	assertVerified(t, tbl)
}

// TestUpgradeRefused: each unsafe change is refused with its rule, names the
// table and `tablegen breaking`, and writes nothing.
func TestUpgradeRefused(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(l *layout.Table)
		rule   string
		change string
	}{
		{"key type", func(l *layout.Table) { l.Key[0].Type = "int64" }, "KEY_CHANGED", "key column 1 changed id string → id int64"},
		{"key direction", func(l *layout.Table) { l.Key[0].Desc = true }, "KEY_CHANGED", "key column 1 changed id string → id string desc"},
		{"key column added", func(l *layout.Table) { l.Key = append(l.Key, layout.KeyColumn{Name: "name", Type: "string"}) }, "KEY_CHANGED", "key column 2 (name string) added"},
		{"column type", func(l *layout.Table) { l.Columns[3].Type = "string" }, "COLUMN_TYPE_INCOMPATIBLE", "column tag 4 (size) type int32 → string"},
		{"column narrowed", func(l *layout.Table) { l.Columns[3].Type = "bool" }, "COLUMN_TYPE_INCOMPATIBLE", "column tag 4 (size) type int32 → bool"},
		{"nullable to required", func(l *layout.Table) { l.Columns[2].Nullable = false }, "COLUMN_NULLABLE_TO_REQUIRED", "column tag 3 (color) nullable true → false"},
		{"enum value removed", func(l *layout.Table) { l.Columns[4].Values = []string{"draft"} }, "ENUM_VALUE_REMOVED", "column tag 5 (status) enum values [draft live] → [draft]"},
		{"enum values reordered", func(l *layout.Table) { l.Columns[4].Values = []string{"live", "draft"} }, "ENUM_VALUES_REORDERED", "column tag 5 (status) enum values [draft live] → [live draft]"},
		{"enum value renamed", func(l *layout.Table) { l.Columns[4].Values = []string{"draft", "published"} }, "ENUM_VALUE_RENAMED", "column tag 5 (status) enum values [draft live] → [draft published]"},
		{"index columns", func(l *layout.Table) { l.Indexes[0].Columns = []string{"color", "size"} }, "INDEX_COLUMNS_CHANGED", "index 1 (by_color) columns [color] → [color size]"},
		{"unique added to an index", func(l *layout.Table) { l.Indexes[0].Unique = true }, "INDEX_COLUMNS_CHANGED", "index 1 (by_color) unique false → true"},
		{"kind to user", func(l *layout.Table) { l.Kind = "user" }, "TABLE_KIND_CHANGED", "kind shared → user"},
	}
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	fillItems(t, db, itemsV1(), 50)
	before := rawRecord(t, db, itemsID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := itemsV1()
			l.Columns = slices.Clone(l.Columns)
			c.edit(&l)
			db = reopen(t, db, dir, noSync())
			_, err := NewTable(db, itemSpec(l))
			var lm *LayoutMismatchError
			if !errors.As(err, &lm) {
				t.Fatalf("NewTable = %v, want *LayoutMismatchError", err)
			}
			want := []RefusedChange{{Rule: c.rule, Change: c.change}}
			if lm.Table != "test.items" || !slices.Equal(lm.Refused, want) {
				t.Errorf("error = %+v, want table test.items refusing %+v", lm, want)
			}
			for _, s := range []string{"test.items", c.rule, c.change, "tablegen breaking"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message does not contain %q:\n%v", s, err)
				}
			}
			if string(rawRecord(t, db, itemsID)) != string(before) {
				t.Fatal("a refused open changed the record")
			}
			if n := keysUnder(t, db, IndexPrefix(itemsID, ixColor)); n != 40 {
				t.Errorf("a refused open changed index by_color: %d entries, want 40", n)
			}
		})
	}
	// Still version 1, intact.
	db = reopen(t, db, dir, noSync())
	tbl, err := NewTable(db, itemSpec(itemsV1()))
	if err != nil {
		t.Fatal(err)
	}
	assertVerified(t, tbl)
}

// TestUpgradeRetiredTagReuse: a retired tag may come back only as the same
// column; anything else is COLUMN_TAG_REUSED, since old rows hold its bytes.
func TestUpgradeRetiredTagReuse(t *testing.T) {
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	fillItems(t, db, itemsV1(), 20)
	noColor := itemsV1()
	noColor.Columns = slices.DeleteFunc(slices.Clone(noColor.Columns), func(c layout.Column) bool { return c.Name == "color" })
	noColor.Indexes = nil
	db = reopen(t, db, dir, noSync())
	if _, err := NewTable(db, itemSpec(noColor)); err != nil {
		t.Fatal(err)
	}
	reused := noColor
	reused.Columns = append(slices.Clone(noColor.Columns), layout.Column{Tag: 3, Name: "weight", Type: "int64"})
	db = reopen(t, db, dir, noSync())
	_, err := NewTable(db, itemSpec(reused))
	var lm *LayoutMismatchError
	if !errors.As(err, &lm) || !slices.Equal(rulesOf(lm), []string{"COLUMN_TAG_REUSED"}) {
		t.Fatalf("reusing retired tag 3 = %v, want COLUMN_TAG_REUSED", err)
	}
	// Restoring color as itself is safe, and its old values reappear.
	db = reopen(t, db, dir, noSync())
	tbl, err := NewTable(db, itemSpec(itemsV1()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tbl.Get(testItem(1).ID)
	if err != nil || got.Color == nil || *got.Color != *testItem(1).Color {
		t.Errorf("restored column color: %+v, %v", got, err)
	}
	assertIndexMatches(t, tbl, ixColor)
	if rec := storedRecord(t, db, itemsID); len(rec.Retired) != 0 {
		t.Errorf("retired after restoring: %+v", rec.Retired)
	}
}

// TestUpgradeUniqueBackfillFails: a unique index added over duplicate values
// fails to build; nothing of it (or of the index built alongside) is kept,
// the record does not list it, and once the duplicate is gone it builds.
func TestUpgradeUniqueBackfillFails(t *testing.T) {
	for _, c := range []struct {
		name     string
		dup      int // the row given row 0's name
		batch    int // BackfillBatchSize
		wantPrev string
	}{
		{"duplicate in one batch", 1, 1000, "item-00000"},
		{"duplicate across batches", 950, 100, "item-00000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			const rows = 1000
			dir := t.TempDir()
			db := reopen(t, nil, dir, noSync())
			fillItems(t, db, itemsV1(), rows)
			v1, err := NewTable(db, itemSpec(itemsV1()))
			if err != nil {
				t.Fatal(err)
			}
			dup := testItem(c.dup)
			dup.Name = testItem(0).Name
			if err := v1.Put(&dup); err != nil {
				t.Fatal(err)
			}
			v2 := itemsV1()
			v2.Indexes = append(slices.Clone(v2.Indexes),
				layout.Index{ID: ixName, Name: "by_name", Columns: []string{"name"}, Unique: true},
				layout.Index{ID: ixSize, Name: "by_size", Columns: []string{"size"}})
			opts := noSync()
			opts.BackfillBatchSize = c.batch
			db = reopen(t, db, dir, opts)
			_, err = NewTable(db, itemSpec(v2))
			var uv *UniqueViolationError
			if !errors.As(err, &uv) {
				t.Fatalf("NewTable = %v, want *UniqueViolationError", err)
			}
			if uv.Table != "test.items" || uv.Index != "by_name" || uv.ExistingKey != c.wantPrev || uv.Key != dup.ID {
				t.Errorf("violation %+v", uv)
			}
			for _, id := range []uint32{ixName, ixSize} {
				if n := keysUnder(t, db, IndexPrefix(itemsID, id)); n != 0 {
					t.Errorf("index %d kept %d entries after the failed backfill", id, n)
				}
			}
			rec, l1 := storedRecord(t, db, itemsID), itemsV1()
			if rec.Fingerprint != l1.Fingerprint() || len(rec.Building) != 0 {
				t.Errorf("record after the failed backfill: building %v, layout %+v", rec.Building, rec.Layout.Indexes)
			}
			// Version 1 opens as before.
			db = reopen(t, db, dir, opts)
			v1, err = NewTable(db, itemSpec(itemsV1()))
			if err != nil {
				t.Fatal(err)
			}
			assertVerified(t, v1)
			dup.Name = "unique again"
			if err := v1.Put(&dup); err != nil {
				t.Fatal(err)
			}
			db = reopen(t, db, dir, opts)
			tbl, err := NewTable(db, itemSpec(v2))
			if err != nil {
				t.Fatalf("after removing the duplicate: %v", err)
			}
			if got, err := tbl.getUniqueBytes(ixName, keyenc.AppendString(nil, "name-5")); err != nil || got.ID != "item-00005" {
				t.Errorf("GetUnique(by_name, name-5) = %+v, %v", got, err)
			}
			assertVerified(t, tbl)
		})
	}
}

// TestUpgradeResumesAfterCrash stops a backfill after K batches as a crash
// would (no cleanup, no final record), and checks the next open resumes at
// the recorded cursor instead of starting over, and ends complete.
func TestUpgradeResumesAfterCrash(t *testing.T) {
	const rows, batch, k = 1000, 100, 3
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	fillItems(t, db, itemsV1(), rows)
	opts := noSync()
	opts.BackfillBatchSize = batch
	db = reopen(t, db, dir, opts)
	db.upgrade.afterBatch = func(n int) error {
		if n == k {
			return errCrash
		}
		return nil
	}
	if _, err := NewTable(db, itemSpec(itemsV2())); !errors.Is(err, errCrash) {
		t.Fatalf("NewTable with a crash after %d batches = %v", k, err)
	}
	rec := storedRecord(t, db, itemsID)
	if !slices.Equal(rec.Building, []uint32{ixSize, ixOwner}) || string(rec.After) != string(keyenc.AppendString(nil, testItem(k*batch-1).ID)) {
		t.Fatalf("record after the crash: building %v after %q", rec.Building, rec.After)
	}
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixSize)); n != k*batch {
		t.Fatalf("by_size has %d entries after %d batches of %d", n, k, batch)
	}
	var first []int
	opts.OnProgress = func(_ string, done, total int) {
		if first == nil {
			first = []int{done, total}
		}
	}
	db = reopen(t, db, dir, opts)
	tbl, err := NewTable(db, itemSpec(itemsV2()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first, []int{(k + 1) * batch, rows}) {
		t.Errorf("first progress report after the restart = %v, want [%d %d] (resumed after %d rows)", first, (k+1)*batch, rows, k*batch)
	}
	assertIndexMatches(t, tbl, ixSize)
	assertVerified(t, tbl)
}

// TestUpgradeCrashMidBackfill kills a process in the middle of a backfill
// (os.Exit from the batch hook: no Close, nothing flushed) and checks the
// next open resumes where the crash left off and finishes the index. The
// test binary runs itself as the process to kill.
func TestUpgradeCrashMidBackfill(t *testing.T) {
	const rows, batch, k = 2000, 100, 5
	if dir := os.Getenv("STORE_UPGRADE_CRASH_DIR"); dir != "" {
		// The child: backfill, and die after k batches.
		opts := DefaultOptions() // synced: every batch is durable when committed
		opts.BackfillBatchSize = batch
		db, err := Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		db.upgrade.afterBatch = func(n int) error {
			if n == k {
				os.Exit(42)
			}
			return nil
		}
		_, err = NewTable(db, itemSpec(itemsV2()))
		t.Fatalf("the backfill was to be killed after %d batches, but NewTable returned %v", k, err)
	}
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	fillItems(t, db, itemsV1(), rows)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUpgradeCrashMidBackfill$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STORE_UPGRADE_CRASH_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 42 {
		t.Fatalf("child process: %v, want exit status 42; output:\n%s", err, out)
	}
	db = reopen(t, nil, dir, noSync())
	rec := storedRecord(t, db, itemsID)
	if len(rec.Building) == 0 {
		t.Fatalf("after the crash the record says no index is building: %+v", rec)
	}
	// The child synced every batch (the default, not Options.NoSync), so the cursor and the
	// entries of the first k batches survived the crash, together.
	if string(rec.After) != string(keyenc.AppendString(nil, testItem(k*batch-1).ID)) {
		t.Errorf("after the crash the backfill cursor is %q, want the last row of batch %d", rec.After, k)
	}
	if n := keysUnder(t, db, IndexPrefix(itemsID, ixSize)); n != k*batch {
		t.Errorf("after the crash by_size has %d entries, want %d", n, k*batch)
	}
	tbl, err := NewTable(db, itemSpec(itemsV2()))
	if err != nil {
		t.Fatal(err)
	}
	assertIndexMatches(t, tbl, ixSize)
	assertVerified(t, tbl)
	if rec := storedRecord(t, db, itemsID); len(rec.Building) != 0 || rec.After != nil {
		t.Errorf("record after the finished backfill: %+v", rec)
	}
}

// TestUpgradeScopedRows: a backfill of a user table writes each entry under
// its row's scope, so scoped views see their own rows only.
func TestUpgradeScopedRows(t *testing.T) {
	v1 := itemsV1()
	v1.Kind = "user"
	v1.Indexes = nil
	v2 := v1
	v2.Indexes = []layout.Index{{ID: ixName, Name: "by_name", Columns: []string{"name"}, Unique: true}}
	dir := t.TempDir()
	db := reopen(t, nil, dir, noSync())
	tbl, err := NewTable(db, itemSpec(v1))
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"alice", "al", "bob"} {
		view := tbl.WithScope(keyenc.AppendString(nil, owner))
		for i := range 30 {
			it := testItem(i) // the same names in every scope: unique per scope only
			if err := view.Put(&it); err != nil {
				t.Fatal(err)
			}
		}
	}
	db = reopen(t, db, dir, noSync())
	tbl, err = NewTable(db, itemSpec(v2))
	if err != nil {
		t.Fatal(err)
	}
	assertVerified(t, tbl)
	for _, owner := range []string{"alice", "al", "bob"} {
		view := tbl.WithScope(keyenc.AppendString(nil, owner))
		n := 0
		for _, err := range view.IndexScan(ixName, Range{}, ScanOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 30 {
			t.Errorf("scope %s: by_name has %d rows, want 30", owner, n)
		}
		if got, err := view.getUniqueBytes(ixName, keyenc.AppendString(nil, "name-7")); err != nil || got.ID != "item-00007" {
			t.Errorf("scope %s: GetUnique = %+v, %v", owner, got, err)
		}
	}
}

// TestUpgradeBackfillProperty: for random rows, batch sizes and crash
// points, the index built across a crash and a restart equals the naive
// reference and verifies clean. Each case is its own table of one DB; the
// "restart" is a second NewTable, which finds the record the crash left.
func TestUpgradeBackfillProperty(t *testing.T) {
	db, _ := openDB(t, &Options{MemTableSize: 4 << 20, CacheSize: 4 << 20})
	tableID := uint32(100)
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(0, 300).Draw(rt, "rows")
		batch := rapid.IntRange(1, 64).Draw(rt, "batch")
		crashAt := rapid.IntRange(0, rows/batch+1).Draw(rt, "crashAfterBatches") // 0: no crash
		sizes := rapid.SliceOfN(rapid.Int64Range(-3, 3), rows, rows).Draw(rt, "sizes")
		tableID++
		l1, l2 := itemsV1(), itemsV2()
		l1.ID, l2.ID = tableID, tableID
		v1, err := NewTable(db, itemSpec(l1))
		if err != nil {
			rt.Fatal(err)
		}
		b := db.NewBatch()
		for i, s := range sizes {
			it := testItem(i)
			it.Size = s
			v1.PutIn(b, &it)
		}
		if err := b.Commit(); err != nil {
			rt.Fatal(err)
		}
		delete(db.tables, tableID) // forget the registration, as a new process would
		db.upgrade.batchSize = batch
		db.upgrade.afterBatch = func(n int) error {
			if n == crashAt {
				return errCrash
			}
			return nil
		}
		defer func() { db.upgrade.afterBatch = nil }()
		tbl, err := NewTable(db, itemSpec(l2))
		if errors.Is(err, errCrash) {
			db.upgrade.afterBatch = nil
			tbl, err = NewTable(db, itemSpec(l2))
		}
		if err != nil {
			rt.Fatal(err)
		}
		assertIndexMatches(rt, tbl, ixSize)
		assertVerified(rt, tbl)
	})
}

func TestBackfillBatchSizeOption(t *testing.T) {
	_, err := Open(t.TempDir(), &Options{BackfillBatchSize: -1})
	if err == nil || !strings.Contains(err.Error(), "BackfillBatchSize is -1") {
		t.Fatalf("Open with BackfillBatchSize -1 = %v, want an error naming the option", err)
	}
}

// FuzzUpgradePlan: a stored record is read from disk, so any bytes must
// plan an upgrade against a declared layout without panicking, and a plan
// that is not refused records exactly the declared layout.
func FuzzUpgradePlan(f *testing.F) {
	v1, v2 := itemsV1(), itemsV2()
	for _, l := range []layout.Table{v1, v2} {
		b, err := json.Marshal(layoutRecord{Fingerprint: l.Fingerprint(), Layout: l})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"fingerprint":"x","layout":{"id":7},"retired":[{"tag":6,"name":"owner","type":"int64"}],"building":[3,3,9],"after":"AAE="}`))
	f.Add([]byte(`{"fingerprint":"x","layout":{"id":7,"indexes":[{"id":3,"columns":["nope"]}]},"building":[3]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := parseRecord(b)
		if err != nil {
			return
		}
		for _, cur := range []layout.Table{v1, v2} {
			p := planUpgrade(rec, &cur)
			if len(p.refused) == 0 && p.record.Layout.Fingerprint() != cur.Fingerprint() {
				t.Fatalf("plan records a layout other than the declared one")
			}
			for _, id := range p.record.Building {
				if !slices.ContainsFunc(cur.Indexes, func(ix layout.Index) bool { return ix.ID == id }) {
					t.Fatalf("plan builds index %d, which the declared layout does not have", id)
				}
			}
		}
	})
}

// BenchmarkBackfill measures building a new index over 100k rows on open
// (rows/s), against two baselines in the same run: writing the same rows
// with that index from the start (indexed-load), and reading and decoding
// them (scan), the read half of a backfill.
func BenchmarkBackfill(b *testing.B) {
	const rows = 100_000
	plain := itemsV1()
	plain.Indexes = nil
	bySize := plain
	bySize.Indexes = []layout.Index{{ID: ixSize, Name: "by_size", Columns: []string{"size"}}}
	byName := plain
	byName.Indexes = []layout.Index{{ID: ixName, Name: "by_name", Columns: []string{"name"}, Unique: true}}
	dir := b.TempDir()
	db := reopen(b, nil, dir, noSync())
	fillItems(b, db, plain, rows)
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	rowsPerSec := func(b *testing.B) {
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	for _, c := range []struct {
		name   string
		layout layout.Table
	}{{"non-unique", bySize}, {"unique", byName}} {
		b.Run("backfill/"+c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db := reopen(b, nil, dir, noSync())
				if _, err := NewTable(db, itemSpec(plain)); err != nil { // drops the index again
					b.Fatal(err)
				}
				db = reopen(b, db, dir, noSync())
				b.StartTimer()
				if _, err := NewTable(db, itemSpec(c.layout)); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			rowsPerSec(b)
		})
		b.Run("indexed-load/"+c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db := reopen(b, nil, b.TempDir(), noSync())
				b.StartTimer()
				fillItems(b, db, c.layout, rows)
				b.StopTimer()
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			rowsPerSec(b)
		})
	}
	b.Run("scan", func(b *testing.B) {
		db := reopen(b, nil, dir, noSync())
		tbl, err := NewTable(db, itemSpec(plain))
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			n := 0
			for _, err := range tbl.Scan(Range{}, ScanOptions{}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows {
				b.Fatalf("scanned %d rows, want %d", n, rows)
			}
		}
		rowsPerSec(b)
	})
}
