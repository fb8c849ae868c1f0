// Package rawpebble reaches the Pebble database under a runtime/store DB,
// and the Pebble snapshot under a store.Snapshot.
//
// The store's exported API holds no Pebble type, so that Pebble's API is not
// part of the runtime's. Two kinds of code still need the raw database:
// runtime/scan and runtime/flush, which iterate the store's keyspaces
// directly (a scan, a flush's walk of a snapshot), and tests and benchmarks
// that plant bytes the typed API refuses to write or that flush Pebble's
// memtable. This package is their way in; it is internal, so no user
// depends on it. The store sets the two functions in an init function, so
// importing runtime/store is enough to call them.
//
// Writing to the row or index keyspaces through the raw database bypasses
// index maintenance; store.Table.Verify reports what such writes break.
// Neither result may be used after the DB (or the snapshot) is closed.
package rawpebble

import "github.com/cockroachdb/pebble/v2"

var (
	// DB returns the Pebble database of a *store.DB.
	DB func(db any) *pebble.DB
	// Snapshot returns the Pebble snapshot of a *store.Snapshot.
	Snapshot func(s any) *pebble.Snapshot
)
