package store

import (
	"errors"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/access"
)

// TestAsEnforcesAccess checks views from Table.As against the README's
// read and write columns on every kind: each method either works or
// returns a *access.DeniedError and writes nothing.
func TestAsEnforcesAccess(t *testing.T) {
	db, _ := openDB(t, nil)
	jobs := newJobs(t, db, 1, true) // kind system
	sys := jobs.As(access.Actor{UserID: "root", Role: access.RoleSystem})
	svc := jobs.As(access.Actor{UserID: "svc", Role: access.RoleService})
	usr := jobs.As(access.Actor{UserID: "u1", Role: access.RoleUser})
	v := job{Group: "g", Seq: 1}
	denied := func(what string, err error) {
		t.Helper()
		var d *access.DeniedError
		if !errors.As(err, &d) {
			t.Fatalf("%s = %v; want a *access.DeniedError", what, err)
		}
	}
	if err := sys.Put(&v); err != nil {
		t.Fatalf("system Put on a system table: %v", err)
	}
	denied("service Put on a system table", svc.Put(&v))
	denied("service Delete on a system table", svc.Delete(jobKey{"g", 1}))
	denied("service Create on a system table", svc.Create(&job{Group: "g", Seq: 2}))
	denied("service Update on a system table", svc.Update(jobKey{"g", 1}, func(*job) error { return nil }))
	b := db.NewBatch()
	svc.PutIn(b, &job{Group: "g", Seq: 3})
	denied("Commit of a batch with a refused PutIn", b.Commit())
	if ok, _ := jobs.Has(jobKey{"g", 3}); ok {
		t.Fatal("a refused batch wrote its row")
	}
	if _, err := svc.Get(jobKey{"g", 1}); err != nil {
		t.Fatalf("service Get on a system table: %v", err)
	}
	_, err := usr.Get(jobKey{"g", 1})
	denied("user Get on a system table", err)
	_, err = usr.Count(usr.All())
	denied("user Count on a system table", err)
	for _, err := range usr.Scan(usr.All(), ScanOptions{}) {
		denied("user Scan on a system table", err)
	}
	_, err = usr.Verify()
	denied("user Verify", err)
	// The trusted table checks nothing, and In keeps the actor.
	if err := jobs.Put(&v); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(t.Context(), func(tx *Tx) error { return svc.In(tx).Put(&v) }); err == nil {
		t.Fatal("service Put inside a transaction succeeded; In must keep the actor")
	}

	// Owner-scoped kinds: an actor reads and writes its own rows only.
	for _, kind := range []string{"user", "stream"} {
		tbl, err := NewTable(db, eventSpec(uint32(10+len(kind)), "stream"))
		if kind == "user" {
			tbl, err = NewTable(db, eventSpec(20, "user"))
		}
		if err != nil {
			t.Fatal(err)
		}
		u1 := access.Actor{UserID: "u1", Role: access.RoleUser}
		own := scoped(t, tbl, "u1").As(u1)
		other := scoped(t, tbl, "u2").As(u1)
		ev := event{At: time.Now(), ID: "e", Note: "n"}
		if err := own.Put(&ev); err != nil {
			t.Fatalf("%s: own Put: %v", kind, err)
		}
		denied(kind+": Put into another owner's view", other.Put(&ev))
		_, err = other.Get(eventKey{ev.At, ev.ID})
		denied(kind+": Get from another owner's view", err)
		for _, err := range NewAllOwners[string](tbl.As(u1)).Scan(ScanOptions{}) {
			denied(kind+": user AllOwners().Scan", err)
		}
		n := 0
		for _, err := range NewAllOwners[string](tbl.As(access.Actor{UserID: "a", Role: access.RoleDBA})).Scan(ScanOptions{}) {
			if err != nil {
				t.Fatalf("%s: dba AllOwners().Scan: %v", kind, err)
			}
			n++
		}
		if n != 1 {
			t.Fatalf("%s: dba AllOwners().Scan = %d rows; want 1", kind, n)
		}
	}
}

// TestStreamTTLHidesExpiredRows checks that the store itself hides rows of
// a stream table older than its TTL on Get, Has, Scan, Count and the
// cross-owner reads, before Expire removed them, and that WithClock moves
// the cutoff.
func TestStreamTTLHidesExpiredRows(t *testing.T) {
	db, _ := openDB(t, nil)
	spec := eventSpec(30, "stream")
	spec.Layout.TTL = time.Hour
	tbl, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	now := epoch.Add(10 * time.Hour)
	tbl = tbl.WithClock(func() time.Time { return now })
	s := scoped(t, tbl, "u1")
	old := event{At: now.Add(-2 * time.Hour), ID: "old"}
	live := event{At: now.Add(-time.Minute), ID: "live"}
	for _, e := range []*event{&old, &live} {
		if err := s.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(eventKey{old.At, old.ID}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of an expired row = %v; want ErrNotFound", err)
	}
	if ok, err := s.Has(eventKey{old.At, old.ID}); ok || err != nil {
		t.Fatalf("Has of an expired row = %v, %v; want false", ok, err)
	}
	if _, err := s.Get(eventKey{live.At, live.ID}); err != nil {
		t.Fatalf("Get of a live row: %v", err)
	}
	if n, err := s.Count(s.All()); n != 1 || err != nil {
		t.Fatalf("Count = %d, %v; want 1", n, err)
	}
	var got []string
	for v, err := range s.Scan(s.All(), ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.ID)
	}
	if len(got) != 1 || got[0] != "live" {
		t.Fatalf("Scan = %v; want [live]", got)
	}
	n := 0
	for _, err := range NewAllOwners[string](tbl).Scan(ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("AllOwners().Scan = %d rows; want 1", n)
	}
	// Two hours later every row has expired, and the owner is not listed.
	later := tbl.WithClock(func() time.Time { return now.Add(2 * time.Hour) })
	for o, err := range NewAllOwners[string](later).Owners() {
		t.Fatalf("Owners after every row expired yielded %q, %v", o, err)
	}
	// Transactions see the same rule.
	if err := db.Update(t.Context(), func(tx *Tx) error {
		_, err := s.In(tx).Get(eventKey{old.At, old.ID})
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of an expired row in a transaction = %v; want ErrNotFound", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
