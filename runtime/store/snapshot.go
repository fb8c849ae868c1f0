package store

import (
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// Snapshot is a point-in-time view of the whole DB for readers outside the
// store (a flush's walk of the rows it writes, a union read of hot and
// flushed rows). It keeps Pebble's snapshot type out of the runtime's
// signatures. Close it when done; a reader that keeps one across calls
// holds a [Lease] so that Close of the DB stops it first.
type Snapshot struct {
	snap *pebble.Snapshot
}

// NewSnapshot takes a snapshot now. It returns [ErrClosed] after Close.
func (db *DB) NewSnapshot() (*Snapshot, error) {
	if !db.life.enter() {
		return nil, ErrClosed
	}
	defer db.life.exit()
	return &Snapshot{snap: db.pdb.NewSnapshot()}, nil
}

// NewIter opens an iterator over the snapshot; close it before the
// snapshot.
func (s *Snapshot) NewIter(o *pebble.IterOptions) (*pebble.Iterator, error) {
	return s.snap.NewIter(o)
}

// Get reads one key as of the snapshot; the value is valid until closer is
// closed.
func (s *Snapshot) Get(key []byte) ([]byte, io.Closer, error) { return s.snap.Get(key) }

// Close releases the snapshot; later calls do nothing.
func (s *Snapshot) Close() error {
	if s == nil || s.snap == nil {
		return nil
	}
	err := s.snap.Close()
	s.snap = nil
	return err
}
