package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/uuid"

	"example.com/todo/internal/db/todo"
	"example.com/todo/units"

	"github.com/tablegen/tablegen/runtime/store"
)

// TestGoTypesRoundTrip: the go_types columns are the module's own types
// (units.Cents, units.Markdown), and a row keeps them through Put, Get, a
// reopen of the database and json.
func TestGoTypesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	items, err := todo.NewItemStore(db)
	if err != nil {
		t.Fatal(err)
	}
	price := units.Cents(1234)
	in := todo.Item{ItemID: 1, List: "groceries", Title: "coffee", Price: &price, Notes: units.Markdown("*fair trade*")}
	if err := items.Put(&in); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = store.Open(dir, &store.Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if items, err = todo.NewItemStore(db); err != nil {
		t.Fatal(err)
	}
	got, err := items.Get(1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Price == nil || *got.Price != price || got.Price.String() != "12.34" || got.Notes != in.Notes {
		t.Fatalf("Get = price %v, notes %q; want %v, %q", got.Price, got.Notes, price, in.Notes)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back todo.Item
	if err := json.Unmarshal(b, &back); err != nil || back.Price == nil || *back.Price != price || back.Notes != in.Notes {
		t.Fatalf("json round trip of %s = %+v, %v", b, back, err)
	}
}

// TestUUIDOwner: todo.notes is owned by a uuid.UUID (owner: {type: uuid}):
// For takes one, and AllOwners yields them typed.
func TestUUIDOwner(t *testing.T) {
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	notes, err := todo.NewNoteStore(db)
	if err != nil {
		t.Fatal(err)
	}
	a, b := uuid.MustParse("0a000000-0000-4000-8000-000000000000"), uuid.MustParse("0b000000-0000-4000-8000-000000000000")
	for i, h := range []uuid.UUID{b, a} {
		s, err := notes.For(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(&todo.Note{NoteID: int64(i + 1), Topic: "bins", Body: "Tuesday"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := notes.For(uuid.Nil); err == nil {
		t.Error("For(uuid.Nil) succeeded")
	}
	var owners []uuid.UUID
	for o, err := range notes.AllOwners().Owners() {
		if err != nil {
			t.Fatal(err)
		}
		owners = append(owners, o)
	}
	if !slices.Equal(owners, []uuid.UUID{a, b}) {
		t.Fatalf("Owners = %v; want %v", owners, []uuid.UUID{a, b})
	}
	for r, err := range notes.AllOwners().Scan(store.ScanOptions{Limit: 1}) {
		if err != nil || r.Owner != a || r.Row.NoteID != 2 {
			t.Fatalf("AllOwners().Scan = %+v, %v; want household %s's note 2", r, err, a)
		}
	}
}
