// Package coldtier is the plumbing between runtime/store and runtime/flush
// for reading flushed rows through the typed API.
//
// The store keeps, per flushed row, a cold marker key (table, scope, key
// tuple) → segment number, and the row's index entries stay hot; the row
// bytes are in a Parquet segment that only runtime/flush can read (the
// store must not import Parquet, and flush imports the store). So the
// store asks a [Reader] that flush attaches to the DB when an executor is
// created. This package holds the interface and the attachment point, and
// nothing else: it is internal so that neither appears in the store's or
// flush's exported API. There is one implementation (runtime/flush) and a
// fake in the store's tests; the interface exists because the dependency
// direction requires it, not for a second backend.
package coldtier

import (
	"sync"

	"github.com/tablegen/tablegen/runtime/layout"
)

// Reader returns flushed rows.
type Reader interface {
	// Row returns the stored row encoding (runtime/rowenc, as the store
	// would hold it hot) of the row whose scope + key tuple is key in
	// segment seq of table l. found is false when the segment does not
	// hold the key; err is set when the segment cannot be read.
	Row(l *layout.Table, seq uint64, key []byte) (value []byte, found bool, err error)
}

// Slot is where a DB keeps its Reader. The zero value holds none.
type Slot struct {
	mu sync.RWMutex
	r  Reader
}

// Set attaches r (nil detaches).
func (s *Slot) Set(r Reader) {
	s.mu.Lock()
	s.r = r
	s.mu.Unlock()
}

// Get returns the attached Reader, or nil.
func (s *Slot) Get() Reader {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.r
}

// SlotOf returns the Slot of a *store.DB. The store sets it in an init
// function, so importing runtime/store is enough for flush to call it.
var SlotOf func(db any) *Slot
