package tabletest

import (
	"errors"
	"testing"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestOpenDB checks that OpenDB returns a usable database and closes it
// when the test that opened it ends.
func TestOpenDB(t *testing.T) {
	var db *store.DB
	t.Run("open", func(t *testing.T) {
		db = OpenDB(t)
		if err := rawpebble.DB(db).Set([]byte("k"), []byte("v"), nil); err != nil {
			t.Fatal(err)
		}
		v, closer, err := rawpebble.DB(db).Get([]byte("k"))
		if err != nil || string(v) != "v" {
			t.Fatalf("read back %q, %v; want \"v\"", v, err)
		}
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if err := db.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Close after the test ended: %v; want store.ErrClosed (OpenDB's cleanup closes it)", err)
	}
}
