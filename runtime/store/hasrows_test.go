package store

import (
	"errors"
	"testing"
)

// TestHasRows: a table has rows when it holds a hot row or a cold marker of
// a flushed row, and the neighbouring table ids are not mistaken for it.
// tablegen verify uses it to tell a declared, never written table from one
// it cannot open.
func TestHasRows(t *testing.T) {
	db, err := Open(t.TempDir(), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	hot := append(RowPrefix(7), 'k')
	if err := db.pdb.Set(hot, []byte("v"), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.pdb.Set(appendColdKey(nil, append(RowPrefix(9), 'k')), []byte{1}, nil); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uint32]bool{6: false, 7: true, 8: false, 9: true, 10: false} {
		got, err := db.HasRows(id)
		if err != nil || got != want {
			t.Errorf("HasRows(%d) = %v, %v; want %v", id, got, err, want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.HasRows(7); !errors.Is(err, ErrClosed) {
		t.Fatalf("HasRows after Close: %v; want ErrClosed", err)
	}
}
