package flush_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// segmented writes rounds × per new messages per owner into the database
// at dbDir, flushing after each round, and between rounds rewrites a few
// flushed rows (hot again, their flushed copies dead) and deletes a few
// (dead): every owner directory ends with rounds segments holding dead
// rows. It returns the expected keys.
func segmented(t testing.TB, dbDir, root string, rounds, per int) map[string]bool {
	t.Helper()
	db := openDB(t, dbDir)
	defer db.Close()
	e := newExecutor(t, db, root, &flush.Options{BatchSize: 50, PartitionByOwner: true})
	p := messagesProvider(t, db)
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for r := range rounds {
		for _, o := range owners {
			ow, err := s.For(o)
			if err != nil {
				t.Fatal(err)
			}
			b := db.NewBatch()
			for i := r * per; i < (r+1)*per; i++ {
				m := message(o, i)
				ow.PutIn(b, &m)
			}
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			if r > 0 {
				for i := (r - 1) * per; i < r*per; i += 9 {
					if err := ow.Delete(chat.UserRowID(i + 1)); err != nil {
						t.Fatal(err)
					}
				}
				for i := (r-1)*per + 4; i < r*per; i += 11 {
					m := message(o, i)
					m.Content += " (edited)"
					if err := ow.Put(&m); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if _, err := e.Flush(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	for k := range collect(t, db, e, p).hot {
		want[k] = true
	}
	for k := range collect(t, db, e, p).cold {
		want[k] = true
	}
	return want
}

// liveKeys is every key of the union (hot or live cold), from the typed
// API's view: the rows Count and Scan of each owner return.
func typedRows(t testing.TB, db *store.DB) []string {
	t.Helper()
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range owners {
		ow, err := s.For(o)
		if err != nil {
			t.Fatal(err)
		}
		n, err := ow.Count(store.Range{})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m, err := range ow.Scan(store.Range{}, store.ScanOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			g, err := ow.Get(chat.UserRowID(m.RowID))
			if err != nil {
				t.Fatalf("%s: Get(%d) of a scanned row: %v", o, m.RowID, err)
			}
			if g.Content != m.Content {
				t.Fatalf("%s: Get(%d) = %q, Scan says %q", o, m.RowID, g.Content, m.Content)
			}
			if m.ClientMessageID != nil {
				u, err := ow.GetByClientMessageID(*m.ClientMessageID)
				if err != nil || u.RowID != m.RowID {
					t.Fatalf("%s: GetByClientMessageID of row %d: %v %v", o, m.RowID, u.RowID, err)
				}
			}
			out = append(out, fmt.Sprintf("%s|%d|%s", o, m.RowID, m.Content))
			got++
		}
		if got != n {
			t.Fatalf("%s: Count %d, Scan %d", o, n, got)
		}
	}
	return out
}

// segmentsPerOwner counts the manifest's segments by owner.
func segmentsPerOwner(t testing.TB, e *flush.Executor, p *scan.Provider) map[string]int {
	t.Helper()
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, s := range m.Segments {
		if s.State != flush.Done {
			t.Errorf("segment %d in state %s", s.Seq, s.State)
		}
		o := "" // the multi-owner segments
		if s.Owner != nil {
			o = *s.Owner
		}
		n[o]++
	}
	return n
}

// checkFiles asserts that the table directory holds exactly the listed
// segments' part files: nothing temporary, no keys file, no retired file.
func checkFiles(t testing.TB, e *flush.Executor, p *scan.Provider) {
	t.Helper()
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	l := p.Layout()
	dir := e.TableDir(&l)
	var want, got []string
	for _, s := range m.Segments {
		want = append(want, s.File)
	}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == flush.ManifestName {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		got = append(got, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("files %v, manifest lists %v", got, want)
	}
}

// TestCompactMerges is issue 17's "files of a useful size": three flushes
// leave three segments per owner; Compact leaves one, with only the live
// rows, the typed API and the union reading exactly what they read before,
// unique lookups holding, every retired file gone and Verify clean.
func TestCompactMerges(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	segmented(t, dbDir, root, 3, 60)
	db := openDB(t, dbDir)
	defer db.Close()
	e := newExecutor(t, db, root, nil)
	p := messagesProvider(t, db)
	for o, n := range segmentsPerOwner(t, e, p) {
		if n != 3 {
			t.Fatalf("owner %s has %d segments before compaction, want 3", o, n)
		}
	}
	typed := typedRows(t, db)
	union := scanAll(t, e, p, scan.Request{})
	before := collect(t, db, e, p)
	// The deletions of flushed rows left tombstones (0x04 + table id).
	tombs := binary.BigEndian.AppendUint32([]byte{0x04}, chat.MessageSpec().Layout.ID)
	tombstones := countPrefix(t, db, tombs)
	if tombstones == 0 {
		t.Fatal("no tombstones before compaction; the setup deletes flushed rows")
	}
	res, err := e.Compact(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every segment of every owner merged into one numbered above every
	// tombstone: none guards anything any more.
	if n := countPrefix(t, db, tombs); n != 0 || res.Tombstones != tombstones {
		t.Errorf("%d tombstones left, %d dropped of %d", n, res.Tombstones, tombstones)
	}
	for o, n := range segmentsPerOwner(t, e, p) {
		if n != 1 {
			t.Errorf("owner %s has %d segments after compaction, want 1", o, n)
		}
	}
	if len(res.Retired) != 3*len(owners) || len(res.Segments) != len(owners) {
		t.Errorf("retired %d segments and wrote %d, want %d and %d", len(res.Retired), len(res.Segments), 3*len(owners), len(owners))
	}
	after := collect(t, db, e, p)
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, s := range m.Segments {
		rows += s.Rows
	}
	cold := countPrefix(t, db, store.ColdPrefix(chat.MessageSpec().Layout.ID))
	if rows != int64(cold) || res.Rows != rows {
		t.Errorf("segments hold %d rows (result says %d), the table has %d cold markers: compaction kept dead rows or lost live ones", rows, res.Rows, cold)
	}
	if res.Dropped == 0 {
		t.Errorf("no dead row dropped; the setup deletes and rewrites flushed rows")
	}
	want := map[string]bool{}
	for k := range after.hot {
		want[k] = true
	}
	for k := range after.cold {
		want[k] = true
	}
	checkInvariant(t, after, want)
	if len(after.hot) != len(before.hot) {
		t.Errorf("%d hot rows after compaction, %d before", len(after.hot), len(before.hot))
	}
	if got := typedRows(t, db); !slices.Equal(got, typed) {
		t.Errorf("typed reads changed: %d rows, %d before", len(got), len(typed))
	}
	if got := scanAll(t, e, p, scan.Request{}); !slices.Equal(got, union) {
		t.Errorf("union changed: %d rows, %d before", len(got), len(union))
	}
	checkFiles(t, e, p)
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := ms.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify: %v %v", probs, err)
	}
	// A second compaction has nothing to merge.
	res, err = e.Compact(context.Background(), p, nil)
	if err != nil || len(res.Retired) != 0 {
		t.Fatalf("second compaction: %+v %v", res, err)
	}
}

// TestCompactTarget: segments at or above the target are left alone, and
// the small ones merge in runs of at least the target.
func TestCompactTarget(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	segmented(t, dbDir, root, 4, 40)
	db := openDB(t, dbDir)
	defer db.Close()
	e := newExecutor(t, db, root, nil)
	p := messagesProvider(t, db).WithScope(mustScope(t, "alice"))
	m, err := e.Manifest(p)
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, s := range m.Segments {
		if *s.Owner == "alice" {
			size = max(size, s.Bytes)
		}
	}
	// Two segments reach the target: 4 small segments make two files.
	res, err := e.Compact(context.Background(), p, &flush.CompactOptions{TargetBytes: size + 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Retired) != 4 || len(res.Segments) != 2 {
		t.Fatalf("retired %v, wrote %d segments; want 4 and 2", res.Retired, len(res.Segments))
	}
	n := segmentsPerOwner(t, e, p)
	if n["alice"] != 2 || n["bob"] != 4 {
		t.Fatalf("segments per owner %v: the scoped compaction must touch alice only", n)
	}
	if _, err := e.Compact(context.Background(), p, &flush.CompactOptions{TargetBytes: -1}); err == nil {
		t.Fatal("negative TargetBytes accepted")
	}
}

func mustScope(t testing.TB, o string) []byte {
	t.Helper()
	s, err := store.OwnerScope(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCompactFaultEveryStep interrupts a compaction at each of its steps,
// reopens as after a crash, recovers, and checks that nothing is lost or
// duplicated, no file is left over, and that typed reads, the union and
// Verify agree with before; a second compaction then completes.
func TestCompactFaultEveryStep(t *testing.T) {
	n := len(owners)
	cases := []struct {
		step flush.Step
		nth  int
	}{
		{flush.StepCompactReserved, 1},
		{flush.StepBatch, 1},
		{flush.StepBeforeRename, 1}, // part file, not renamed
		{flush.StepBeforeRename, 2}, // keys file, not renamed
		{flush.StepBeforeRename, 3}, // manifest (compacting), not renamed
		{flush.StepCompactListed, 1},
		{flush.StepCompactChunk, 2}, // some markers moved, first owner
		{flush.StepCompactChunk, 9}, // a later owner
		{flush.StepCompactMoved, 1},
		{flush.StepBeforeRename, 4}, // manifest (retired), not renamed
		{flush.StepCompactRetired, 1},
		{flush.StepCompactRetired, n}, // last owner
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s#%d", c.step, c.nth), func(t *testing.T) {
			dbDir, root := t.TempDir(), t.TempDir()
			segmented(t, dbDir, root, 3, 40)
			db := openDB(t, dbDir)
			var o flush.Options
			o.BatchSize, o.DeleteBatch = 16, 16
			seen, fired := 0, false
			flush.SetFault(&o, func(s flush.Step) error {
				if s == c.step {
					if seen++; seen == c.nth {
						fired = true
						return errCrash
					}
				}
				return nil
			})
			e := newExecutor(t, db, root, &o)
			p := messagesProvider(t, db)
			typed := typedRows(t, db)
			union := scanAll(t, e, p, scan.Request{})
			if _, err := e.Compact(context.Background(), p, nil); !errors.Is(err, errCrash) || !fired {
				t.Fatalf("compaction: %v (fired %t)", err, fired)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = openDB(t, dbDir)
			defer db.Close()
			e = newExecutor(t, db, root, nil)
			p = messagesProvider(t, db)
			if _, err := e.Recover(p); err != nil {
				t.Fatal(err)
			}
			checkAfterCrash(t, db, e, p, typed, union)
			if _, err := e.Compact(context.Background(), p, nil); err != nil {
				t.Fatal(err)
			}
			for o, k := range segmentsPerOwner(t, e, p) {
				if k != 1 {
					t.Errorf("owner %s: %d segments after the second compaction", o, k)
				}
			}
			checkAfterCrash(t, db, e, p, typed, union)
		})
	}
}

func checkAfterCrash(t testing.TB, db *store.DB, e *flush.Executor, p *scan.Provider, typed, union []string) {
	t.Helper()
	// Dead copies (rows rewritten or deleted since their flush) may sit in
	// several files; the typed reads and the union below see each key's
	// live version once, or fail on a marker naming no listed segment.
	segmentsPerOwner(t, e, p) // every segment done
	checkFiles(t, e, p)
	if got := typedRows(t, db); !slices.Equal(got, typed) {
		t.Errorf("typed reads: %d rows, %d before\n%s", len(got), len(typed), strings.Join(diff(got, typed), "\n"))
	}
	if got := scanAll(t, e, p, scan.Request{}); union != nil && !slices.Equal(got, union) || len(got) != len(typed) {
		t.Errorf("union: %d rows, %d before, %d typed", len(got), len(union), len(typed))
	}
	ms, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := ms.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify: %v %v", probs, err)
	}
}

// diff lists the rows only one of a and b holds (for failure messages).
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, "+ "+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, "- "+x)
		}
	}
	return out[:min(len(out), 10)]
}

// compactStep is TestColdModel's compaction: of every owner or of one,
// after which each compacted owner directory has one segment at most and
// the segments hold exactly the table's cold rows (one per marker). The
// model does not change: compaction changes where rows are, never what
// reads return, which the model test checks after every step.
func compactStep(t testing.TB, rt *rapid.T, x *tickets) {
	p := x.p
	scoped := rapid.Bool().Draw(rt, "scoped")
	if scoped {
		p = p.WithScope(mustScope(t, rapid.SampledFrom(ticketOwners).Draw(rt, "owner")))
	}
	if _, err := x.e.Compact(context.Background(), p, nil); err != nil {
		rt.Fatal(err)
	}
	m, err := x.e.Manifest(x.p)
	if err != nil {
		rt.Fatal(err)
	}
	per := map[string]int{} // "": the multi-owner segments
	var rows int64
	for _, s := range m.Segments {
		o := ""
		if s.Owner != nil {
			o = *s.Owner
		}
		per[o]++
		rows += s.Rows
	}
	for o, n := range per {
		if n > 1 && (!scoped || (o != "" && bytes.Equal(p.Scope(), mustScope(t, o)))) {
			rt.Fatalf("owner %s has %d segments after compaction", o, n)
		}
	}
	if !scoped {
		if n := countPrefix(t, x.db, store.ColdPrefix(ticketTable)); int64(n) != rows {
			rt.Fatalf("segments hold %d rows, the table has %d cold markers", rows, n)
		}
	}
}

// TestCompactConcurrentReads: union scans and typed reads running while a
// compaction retires segments neither fail nor change what they return.
func TestCompactConcurrentReads(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	segmented(t, dbDir, root, 4, 50)
	db := openDB(t, dbDir)
	defer db.Close()
	e := newExecutor(t, db, root, nil)
	p := messagesProvider(t, db)
	typed := typedRows(t, db)
	n, sum := unionCountSum(t, e, p)
	stop := make(chan struct{})
	errs := make(chan error, 2)
	for _, union := range []bool{true, false} {
		go func() {
			rounds := 0
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				rt := &recordTB{TB: t}
				func() {
					defer func() { recover() }()
					if union {
						if n2, s2 := unionCountSum(rt, e, p); n2 != n || s2 != sum {
							rt.Errorf("union during compaction: %d rows sum %d, want %d and %d", n2, s2, n, sum)
						}
					} else if got := typedRows(rt, db); !slices.Equal(got, typed) {
						rt.Errorf("typed reads during compaction: %d rows, want %d", len(got), len(typed))
					}
				}()
				if rt.err != nil {
					errs <- fmt.Errorf("union %t, round %d: %v", union, rounds, rt.err)
					return
				}
				rounds++
			}
		}()
	}
	for range 3 {
		if _, err := e.Compact(context.Background(), p, &flush.CompactOptions{TargetBytes: 1 << 40}); err != nil {
			t.Fatal(err)
		}
		// More segments to merge next time.
		segmentsFlush(t, db, e, p)
	}
	close(stop)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// segmentsFlush rewrites one row per owner and flushes: one more small
// segment per owner, and the typed view unchanged.
func segmentsFlush(t testing.TB, db *store.DB, e *flush.Executor, p *scan.Provider) {
	t.Helper()
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		ow, err := s.For(o)
		if err != nil {
			t.Fatal(err)
		}
		m := message(o, 1)
		if err := ow.Put(&m); err != nil { // the same values: reads unchanged
			t.Fatal(err)
		}
	}
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// recordTB records the first failure of a helper run off the test's
// goroutine (where Fatal must not be called) and stops it with a panic.
type recordTB struct {
	testing.TB
	err error
}

func (r *recordTB) Helper() {}
func (r *recordTB) Errorf(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
}
func (r *recordTB) Fatal(a ...any) {
	r.Errorf("%s", fmt.Sprint(a...))
	panic(r)
}
func (r *recordTB) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	panic(r)
}

// TestCompactWritesDuring: rows rewritten and deleted while a compaction
// runs, after it read the markers (reserved) and after it listed its
// segment (before the moves), keep their new state: the moves only touch
// markers that still name an old segment.
func TestCompactWritesDuring(t *testing.T) {
	for _, at := range []flush.Step{flush.StepCompactReserved, flush.StepCompactListed} {
		t.Run(string(at), func(t *testing.T) {
			dbDir, root := t.TempDir(), t.TempDir()
			segmented(t, dbDir, root, 3, 30)
			db := openDB(t, dbDir)
			defer db.Close()
			s, err := chat.NewMessageStore(db)
			if err != nil {
				t.Fatal(err)
			}
			alice, err := s.For("alice")
			if err != nil {
				t.Fatal(err)
			}
			var o flush.Options
			var hookErr error
			fired := false
			flush.SetFault(&o, func(st flush.Step) error {
				if st != at || fired {
					return nil
				}
				fired = true
				// Row 3 (cold, flushed in round 0) rewritten, row 33
				// (cold, round 1) deleted, row 62 (cold, round 2)
				// rewritten and then deleted.
				m := message("alice", 2)
				m.Content = "during"
				if hookErr = alice.Put(&m); hookErr != nil {
					return nil
				}
				if hookErr = alice.Delete(chat.UserRowID(33)); hookErr != nil {
					return nil
				}
				m = message("alice", 61)
				if hookErr = alice.Put(&m); hookErr == nil {
					hookErr = alice.Delete(chat.UserRowID(62))
				}
				return nil
			})
			e := newExecutor(t, db, root, &o)
			p := messagesProvider(t, db)
			before := typedRows(t, db)
			var want []string
			for _, r := range before {
				switch {
				case strings.HasPrefix(r, "alice|3|"):
					want = append(want, "alice|3|during")
				case strings.HasPrefix(r, "alice|33|"), strings.HasPrefix(r, "alice|62|"):
				default:
					want = append(want, r)
				}
			}
			if len(want) != len(before)-2 {
				t.Fatalf("rows 33 and 62 of alice are not both in the setup")
			}
			if _, err := e.Compact(context.Background(), p, nil); err != nil || !fired || hookErr != nil {
				t.Fatalf("compact: %v (fired %t, writes %v)", err, fired, hookErr)
			}
			checkAfterCrash(t, db, e, p, want, nil)
		})
	}
}
