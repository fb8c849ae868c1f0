package store

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

// TestTypedOwners: a uuid-owned table stores each owner as its canonical
// text, the typed cross-owner view yields uuid.UUIDs, a view of another
// owner type is refused, a stored owner that is not canonical text is
// corrupt, and the zero owner of every type is refused.
func TestTypedOwners(t *testing.T) {
	db, _ := openDB(t, noSync())
	spec := jobSpec(1, false)
	spec.Layout.Kind, spec.Layout.Owner = "user", "uuid"
	tbl, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	a, b := uuid.MustParse("00000000-0000-0000-0000-00000000000a"), uuid.MustParse("10000000-0000-0000-0000-000000000000")
	for _, o := range []uuid.UUID{b, a} {
		scope, err := OwnerScope(o)
		if err != nil {
			t.Fatal(err)
		}
		if want := keyenc.AppendString(nil, o.String()); string(scope) != string(want) {
			t.Fatalf("OwnerScope(%s) = %x; want the text form %x", o, scope, want)
		}
		if err := tbl.WithScope(scope).Put(&job{Group: "g", Seq: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var owners []uuid.UUID
	for o, err := range NewAllOwners[uuid.UUID](tbl).Owners() {
		if err != nil {
			t.Fatal(err)
		}
		owners = append(owners, o)
	}
	if !slices.Equal(owners, []uuid.UUID{a, b}) {
		t.Fatalf("Owners = %v; want %v", owners, []uuid.UUID{a, b})
	}
	for r, err := range NewAllOwners[uuid.UUID](tbl).Scan(ScanOptions{Limit: 1}) {
		if err != nil || r.Owner != a {
			t.Fatalf("Scan = %v, %v; want a row of %s", r, err, a)
		}
	}
	for _, err := range NewAllOwners[int64](tbl).Owners() {
		if err == nil {
			t.Fatal("an int64 view of a uuid-owned table read owners")
		}
	}
	// A stored owner that is not a canonical UUID (upper case).
	if err := tbl.WithScope(keyenc.AppendString(nil, "ABC")).Put(&job{Group: "g", Seq: 2}); err != nil {
		t.Fatal(err)
	}
	var corrupt *CorruptError
	var sawCorrupt bool
	for _, err := range NewAllOwners[uuid.UUID](tbl).Scan(ScanOptions{}) {
		if errors.As(err, &corrupt) {
			sawCorrupt = true
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if !sawCorrupt {
		t.Fatal("a stored owner that is not a UUID was not reported as corrupt")
	}
	if _, err := OwnerScope(uuid.Nil); err == nil {
		t.Error("OwnerScope(uuid.Nil) succeeded")
	}
	if _, err := OwnerScope(int64(0)); err == nil {
		t.Error("OwnerScope(int64(0)) succeeded")
	}
	if s, err := OwnerScope(int64(-42)); err != nil || string(s) != string(keyenc.AppendString(nil, "-42")) {
		t.Errorf("OwnerScope(-42) = %x, %v; want the text -42", s, err)
	}
	if _, err := parseOwner[int64]("042"); err == nil {
		t.Error(`parseOwner[int64]("042") succeeded; only canonical decimal text is an owner`)
	}
}
