package tabletest

import (
	"testing"

	"github.com/tablegen/tablegen/runtime/store"
)

// OpenDB opens a store in a fresh temporary directory and closes it when
// the test or benchmark ends, reporting an error from Close as a test
// error. Commits do not fsync: generated tests check logic, not
// durability, and would otherwise spend most of their time in fsync.
func OpenDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}
