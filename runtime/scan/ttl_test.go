package scan_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// movableClock is a database clock (store.Options.Now) a test can move.
type movableClock struct{ p atomic.Pointer[time.Time] }

func (c *movableClock) set(t time.Time) { c.p.Store(&t) }
func (c *movableClock) now() time.Time  { return *c.p.Load() }

func openDBWithClock(tb testing.TB, c *movableClock) *store.DB {
	tb.Helper()
	db, err := store.Open(tb.TempDir(), &store.Options{NoSync: true, Now: c.now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func scanOwners(t *testing.T, p *scan.Provider, r scan.Request) []string {
	t.Helper()
	rdr, err := p.Scan(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return owners(t, rdr)
}

// TestProviderHidesExpiredRows checks the plain provider's read path of
// the expiry rule: a stream table's scan (unscoped, scoped, filtered, and
// its plan) never returns a row older than the layout's TTL at the
// database's clock, before Expire removed it, and moving that clock
// expires more rows. loadNotes writes rows 1s, 1m and 2h old per owner
// with a TTL of 1h.
func TestProviderHidesExpiredRows(t *testing.T) {
	var clock movableClock
	clock.set(guardNow)
	db := openDBWithClock(t, &clock)
	p, _ := loadNotes(t, db, 610, layout.Stream)
	if n := len(scanOwners(t, p, scan.Request{})); n != 2*len(guardOwners) {
		t.Fatalf("unscoped scan = %d rows; want %d (the 2h-old rows expired)", n, 2*len(guardOwners))
	}
	u1 := p.WithScope(keyenc.AppendString(nil, "u1"))
	if n := len(scanOwners(t, u1, scan.Request{})); n != 2 {
		t.Fatalf("scoped scan = %d rows; want 2", n)
	}
	old := &scan.Cmp{Column: "at", Op: scan.OpLt, Value: guardNow.Add(-time.Hour)}
	if got := scanOwners(t, p, scan.Request{Filter: old}); len(got) != 0 {
		t.Fatalf("a filter naming only expired rows returned %d rows; want 0", len(got))
	}
	plan, err := u1.Plan(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append(store.RowPrefix(610), keyenc.AppendString(nil, "u1")...), keyenc.AppendTimestamp(nil, guardNow.Add(-time.Hour))...); string(plan.Start) != string(want) {
		t.Fatalf("scoped plan starts at %x; want the TTL cutoff %x", plan.Start, want)
	}
	// 59m30s later the 1m-old rows are 60m30s old: expired; the 1s-old
	// ones are 59m31s old: live.
	clock.set(guardNow.Add(59*time.Minute + 30*time.Second))
	if n := len(scanOwners(t, p, scan.Request{})); n != len(guardOwners) {
		t.Fatalf("scan after the clock moved = %d rows; want %d", n, len(guardOwners))
	}
	// A table whose rows do not expire shows every row at any time.
	s, _ := loadNotes(t, db, 611, layout.Shared)
	if n := len(scanOwners(t, s, scan.Request{})); n != 3*len(guardOwners) {
		t.Fatalf("shared table scan = %d rows; want %d", n, 3*len(guardOwners))
	}
}

// TestProviderRefusesStreamWithoutEventTime checks that a stream table
// with a TTL whose first key column is not an ascending timestamp gets no
// provider: its expired rows could not be told apart.
func TestProviderRefusesStreamWithoutEventTime(t *testing.T) {
	db := openDBAt(t, guardNow)
	spec := noteSpec(612, layout.Stream)
	spec.Layout.Key = []layout.KeyColumn{{Name: "id", Type: "string"}, {Name: "at", Type: "timestamp"}}
	if _, err := scan.NewProvider(db, &spec.Layout, scan.Options{}); err == nil {
		t.Fatal("NewProvider of a stream table keyed by (id, at) succeeded; want an error")
	}
}

// TestGuardedHidesExpiredRows checks the guarded provider's read path: the
// TTL comes from the layout (no option says it), for owner-scoped and
// all-owner scans alike, at the database's clock.
func TestGuardedHidesExpiredRows(t *testing.T) {
	var clock movableClock
	clock.set(guardNow)
	db := openDBWithClock(t, &clock)
	p, l := loadNotes(t, db, 613, layout.Stream)
	g, err := scan.NewGuarded(p, access.PolicyOf(&l, ""))
	if err != nil {
		t.Fatal(err)
	}
	scanAs := func(a access.Actor, all bool) int {
		t.Helper()
		r, err := g.Scan(context.Background(), scan.ActorRequest{Actor: a, AllOwners: all})
		if err != nil {
			t.Fatal(err)
		}
		return len(owners(t, r))
	}
	u1 := access.Actor{UserID: "u1", Role: access.RoleUser}
	dba := access.Actor{UserID: "d", Role: access.RoleDBA}
	if n := scanAs(u1, false); n != 2 {
		t.Fatalf("user scan = %d rows; want 2", n)
	}
	if n := scanAs(dba, true); n != 2*len(guardOwners) {
		t.Fatalf("dba AllOwners scan = %d rows; want %d", n, 2*len(guardOwners))
	}
	clock.set(guardNow.Add(2 * time.Hour))
	if n := scanAs(u1, false); n != 0 {
		t.Fatalf("user scan two hours later = %d rows; want 0", n)
	}
	if n := scanAs(dba, true); n != 0 {
		t.Fatalf("dba AllOwners scan two hours later = %d rows; want 0", n)
	}
}

// TestScanSnapshotSkipsExpiredRows checks the flush's read of a snapshot:
// expired rows are neither visited nor returned (they stay in Pebble for
// Expire), scoped and unscoped.
func TestScanSnapshotSkipsExpiredRows(t *testing.T) {
	db := openDBAt(t, guardNow)
	p, _ := loadNotes(t, db, 614, layout.Stream)
	for _, q := range []*scan.Provider{p, p.WithScope(keyenc.AppendString(nil, "u10"))} {
		snap, err := db.NewSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		visited := 0
		rdr, err := q.ScanSnapshot(context.Background(), snap, scan.Request{}, func(_, _ []byte) error { visited++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		got := owners(t, rdr)
		_ = snap.Close()
		want := 2 * len(guardOwners)
		if q.Scope() != nil {
			want = 2
		}
		if len(got) != want || visited != want {
			t.Fatalf("scope %x: ScanSnapshot returned %d rows and visited %d; want %d", q.Scope(), len(got), visited, want)
		}
	}
}

// TestScanUnionHidesExpiredRows checks the union read path (hot rows
// here; the flush package's test covers flushed ones).
func TestScanUnionHidesExpiredRows(t *testing.T) {
	db := openDBAt(t, guardNow)
	p, _ := loadNotes(t, db, 615, layout.Stream)
	rdr, err := p.ScanUnion(context.Background(), func() ([]scan.Segment, error) { return nil, nil }, scan.Request{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(owners(t, rdr)); n != 2*len(guardOwners) {
		t.Fatalf("union scan = %d rows; want %d", n, 2*len(guardOwners))
	}
}
