package scan_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// note is the row of the guard tests' tables: key (at, id); owner repeats
// the row's owner so a scan's output names whose row it is.
type note struct {
	At    time.Time
	ID    string
	Owner string
}

type noteKey struct {
	At time.Time
	ID string
}

var guardNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// noteSpec is the notes table of the given kind; a stream table's rows
// live for an hour.
func noteSpec(id uint32, kind layout.Kind) store.Spec[noteKey, note] {
	var ttl time.Duration
	if kind.Expires() {
		ttl = time.Hour
	}
	return store.Spec[noteKey, note]{
		Layout: layout.Table{
			ID: id, Namespace: "test", Name: fmt.Sprintf("notes%d", id), Kind: kind, TTL: ttl,
			Key: []layout.KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "at", Type: "timestamp"},
				{Tag: 2, Name: "id", Type: "string"},
				{Tag: 3, Name: "owner", Type: "string"},
			},
		},
		AppendKey: func(dst []byte, k noteKey) []byte {
			return keyenc.AppendString(keyenc.AppendTimestamp(dst, k.At), k.ID)
		},
		DecodeKey: func(b []byte) (noteKey, error) {
			var k noteKey
			var err error
			if k.At, b, err = keyenc.DecodeTimestamp(b); err != nil {
				return k, err
			}
			k.ID, _, err = keyenc.DecodeString(b)
			return k, err
		},
		KeyOf: func(v *note) noteKey { return noteKey{v.At, v.ID} },
		AppendRow: func(dst []byte, v *note) []byte {
			dst = rowenc.AppendTimestamp(dst, 1, v.At)
			dst = rowenc.AppendString(dst, 2, v.ID)
			return rowenc.AppendString(dst, 3, v.Owner)
		},
		DecodeRow: func(b []byte, v *note, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.At = d.Timestamp()
				case 2:
					v.ID = d.String()
				case 3:
					v.Owner = d.String()
				}
			}
			return d.Err()
		},
	}
}

// guardOwners are owner ids that break naive scopes: prefixes of each
// other, escape and terminator bytes, separators.
var guardOwners = []string{"u1", "u10", "u1\x00", "u1\x01", "\xff", "a:b", "a/b"}

// ownerText is owner o as the text of a string column, which must be
// UTF-8 (the owner "\xff" tests scopes, not columns); ownerOfText inverts
// it for the guard owners.
func ownerText(o string) string { return strings.ToValidUTF8(o, "\uFFFD") }

func ownerOfText(s string) string {
	for _, o := range guardOwners {
		if ownerText(o) == s {
			return o
		}
	}
	return s
}

// loadNotes creates table id of the given kind with two fresh rows and one
// expired row (2h old) per owner, and returns its unscoped provider.
func loadNotes(t *testing.T, db *store.DB, id uint32, kind layout.Kind) (*scan.Provider, layout.Table) {
	t.Helper()
	spec := noteSpec(id, kind)
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range guardOwners {
		w := tbl
		if kind == "user" || kind == "stream" {
			w = tbl.WithScope(keyenc.AppendString(nil, o))
		}
		for i, age := range []time.Duration{time.Second, time.Minute, 2 * time.Hour} {
			v := note{At: guardNow.Add(-age), ID: fmt.Sprintf("%s#%d", ownerText(o), i), Owner: ownerText(o)}
			if err := w.Put(&v); err != nil {
				t.Fatal(err)
			}
		}
	}
	p, err := scan.NewProvider(db, &spec.Layout, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, spec.Layout
}

// openDBAt is openDB with the database's clock (store.Options.Now) stopped
// at now: it decides which stream rows have expired on every read path.
func openDBAt(tb testing.TB, now time.Time) *store.DB {
	tb.Helper()
	db, err := store.Open(tb.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// owners drains r and returns the owner column of every row.
func owners(t *testing.T, r array.RecordReader) []string {
	t.Helper()
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		col := rec.Column(int(rec.Schema().FieldIndices("owner")[0])).(*array.String)
		for i := 0; i < col.Len(); i++ {
			out = append(out, ownerOfText(col.Value(i)))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGuardMatrix runs every table kind × access level × role × AllOwners
// through a guarded scan, with several filters, and checks the rows against
// the policy's decision: a refusal is a *access.DeniedError, an owner scope
// yields only that owner's rows, an all-owners scope every row. Stream
// tables never show the expired rows.
func TestGuardMatrix(t *testing.T) {
	db := openDBAt(t, guardNow)
	type table struct {
		kind   layout.Kind
		levels []access.Level
	}
	tables := []table{
		{layout.System, []access.Level{"", access.Public, access.DBA}},
		{layout.Shared, []access.Level{access.Public, access.Private, access.Restricted, access.DBA}},
		{layout.User, []access.Level{""}},
		{layout.Stream, []access.Level{""}},
	}
	filters := []scan.Expr{
		nil,
		&scan.Cmp{Column: "owner", Op: scan.OpEq, Value: "u10"},
		&scan.Prefix{Column: "owner", Prefix: "u1"},
		&scan.Cmp{Column: "at", Op: scan.OpLt, Value: guardNow},
		&scan.Or{L: &scan.Cmp{Column: "id", Op: scan.OpEq, Value: "u1#0"}, R: &scan.Cmp{Column: "id", Op: scan.OpGe, Value: ""}},
	}
	id := uint32(500)
	for _, tb := range tables {
		id++
		p, _ := loadNotes(t, db, id, tb.kind)
		for _, level := range tb.levels {
			policy := access.Policy{Table: fmt.Sprintf("test.notes%d", id), Kind: tb.kind, Access: level}
			g, err := scan.NewGuarded(p, policy)
			if err != nil {
				t.Fatal(err)
			}
			for role := access.RoleUser; role <= access.RoleSystem; role++ {
				for _, all := range []bool{false, true} {
					for _, actor := range []string{"u1", "u10", "nobody"} {
						for _, f := range filters {
							name := fmt.Sprintf("%s/%s/%s/all=%v/%s/%v", tb.kind, level, role, all, actor, f)
							a := access.Actor{UserID: actor, Role: role}
							scope, denied := policy.Check(a, access.Read, all)
							r, err := g.Scan(context.Background(), scan.ActorRequest{Actor: a, AllOwners: all, Request: scan.Request{Filter: f}})
							if denied != nil {
								var d *access.DeniedError
								if !errors.As(err, &d) {
									t.Fatalf("%s: Scan = %v; want a *access.DeniedError", name, err)
								}
								continue
							}
							if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							got := owners(t, r)
							for _, o := range got {
								if !scope.AllOwners && o != actor {
									t.Fatalf("%s: a scan scoped to %q returned a row of %q", name, actor, o)
								}
							}
							if f == nil {
								want := 0
								perOwner := 3
								if tb.kind == layout.Stream {
									perOwner = 2 // the 2h-old row has expired
								}
								if scope.AllOwners {
									want = perOwner * len(guardOwners)
								} else if slices.Contains(guardOwners, actor) {
									want = perOwner
								}
								if len(got) != want {
									t.Fatalf("%s: %d rows; want %d", name, len(got), want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestGuardRefusesMisuse checks the guard's construction rules.
func TestGuardRefusesMisuse(t *testing.T) {
	db := openDBAt(t, guardNow)
	p, _ := loadNotes(t, db, 601, "stream")
	if _, err := scan.NewGuarded(p, access.Policy{Kind: layout.Shared}); err == nil {
		t.Fatal("a stream table guarded by a shared policy was built; want an error")
	}
	if _, err := scan.NewGuarded(p.WithScope(keyenc.AppendString(nil, "u1")), access.Policy{Kind: layout.Stream}); err == nil {
		t.Fatal("a guard over a scoped provider was built; want an error")
	}
	u, ul := loadNotes(t, db, 602, "user")
	g, err := scan.NewGuarded(u, access.Policy{Kind: layout.User})
	if err != nil {
		t.Fatal(err)
	}
	// An actor without a user id has no owner scope: refused, never the whole table.
	_, err = g.Scan(context.Background(), scan.ActorRequest{Actor: access.Actor{Role: access.RoleSystem}})
	var d *access.DeniedError
	if !errors.As(err, &d) {
		t.Fatalf("Scan by an actor without user id = %v; want a *access.DeniedError", err)
	}
	// The plan shows the owner scope the actor is confined to.
	plan, err := g.Plan(scan.ActorRequest{Actor: access.Actor{UserID: "u1", Role: access.RoleUser}})
	if err != nil {
		t.Fatal(err)
	}
	want := append(store.RowPrefix(ul.ID), keyenc.AppendString(nil, "u1")...)
	if string(plan.Start) != string(want) {
		t.Fatalf("plan starts at %x; want the owner's scope %x", plan.Start, want)
	}
}
