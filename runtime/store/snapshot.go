package store

import (
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
)

// Snapshot is a point-in-time view of the whole DB for readers outside the
// store (a flush's walk of the rows it writes, a union read of hot and
// flushed rows). It keeps Pebble's snapshot type out of the runtime's
// signatures: runtime/scan and runtime/flush reach the Pebble snapshot
// through an internal package. Close it when done; a reader that keeps one
// across calls holds a [Lease] so that Close of the DB stops it first.
type Snapshot struct {
	snap *pebble.Snapshot
}

func init() {
	rawpebble.DB = func(db any) *pebble.DB { return db.(*DB).pdb }
	rawpebble.Snapshot = func(s any) *pebble.Snapshot { return s.(*Snapshot).snap }
}

// NewSnapshot takes a snapshot now. It returns [ErrClosed] after Close.
func (db *DB) NewSnapshot() (*Snapshot, error) {
	if !db.life.enter() {
		return nil, ErrClosed
	}
	defer db.life.exit()
	return &Snapshot{snap: db.pdb.NewSnapshot()}, nil
}

// Close releases the snapshot; later calls do nothing.
func (s *Snapshot) Close() error {
	if s == nil || s.snap == nil {
		return nil
	}
	err := s.snap.Close()
	s.snap = nil
	return err
}
