// Package coldtier is the plumbing between runtime/store and runtime/flush
// (and runtime/scan's union of hot and flushed rows): reading flushed rows
// through the typed API, and the store operations a flush runs (the table's
// cold marker, deleting the hot rows a flush wrote).
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
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/cespare/xxhash/v2"

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

// RowVersion names one stored row as a flush read it: the row key below the
// table's row prefix (scope + key tuple) and [RowHash] of the value it had.
// runtime/flush records one per flushed row so that deleting the flushed
// hot rows can be redone after a crash, and can tell a row that changed
// since the flush (it must stay hot) from one that did not.
type RowVersion struct {
	Key  []byte
	Hash uint64
}

// RowHash is the hash of a stored row value that [DeleteUnchanged]
// compares: 64-bit xxhash. Two different values collide with probability
// 2⁻⁶⁴, which would delete a row updated during its flush; the hash keeps
// the flush's side files at 8 bytes per row instead of a copy of the data.
func RowHash(value []byte) uint64 { return xxhash.Sum64(value) }

// DecodeSeq returns the segment number a cold marker's value names.
func DecodeSeq(val []byte) (uint64, error) {
	if len(val) != 8 {
		return 0, fmt.Errorf("store: cold marker value is %d bytes, not 8; the database is damaged", len(val))
	}
	return binary.BigEndian.Uint64(val), nil
}

// The store operations a flush runs on a *store.DB, set by the store in an
// init function (see the store's methods of the same names, lower-cased,
// for what they promise). They are here rather than methods of store.DB so
// that they are not part of the store's API.
var (
	// ColdSeq returns table l's cold marker: the highest segment sequence
	// number a flush of it has reserved, 0 when it was never flushed.
	ColdSeq func(db any, l *layout.Table) (uint64, error)
	// ReadOnly reports whether the DB was opened with Options.ReadOnly:
	// recovery then repairs nothing (reads stay right without it).
	ReadOnly func(db any) bool
	// ColdRoot returns the cold root SetColdRoot recorded, "" when none.
	ColdRoot func(db any) (string, error)
	// SetColdRoot records, durably, the cold root of an executor created
	// with write access on the DB (an absolute path).
	SetColdRoot func(db any, root string) error
	// RaiseColdSeq raises table l's cold marker to seq, durably, unless it
	// is already at least seq.
	RaiseColdSeq func(db any, l *layout.Table, seq uint64) error
	// DeleteUnchanged moves each row of rows whose value still hashes to
	// its Hash to the cold tier (segment seq) and returns how many moved.
	DeleteUnchanged func(db any, l *layout.Table, seq uint64, rows []RowVersion, sync bool) (int, error)
	// DeleteDamaged deletes the row of table l at key (scope + key tuple)
	// and its index entries while its value is still want, after save has
	// taken that value durably; a flush's quarantine.
	DeleteDamaged func(db any, l *layout.Table, key, want []byte, save func(value []byte) error) (bool, error)
)

// Move names one flushed row a compaction of segments rewrote: the row key
// below the table's row prefix (scope + key tuple), the segment From its
// marker named when the compaction read it, and whether the compaction
// dropped the row (expired) instead of copying it.
type Move struct {
	Key  []byte
	From uint64
	Drop bool
}

// The store operations a compaction runs (see the store's compact.go).
var (
	// Repoint sets the cold marker of every row of rows that still names
	// its From segment to segment to (deletes it for a Drop) and returns
	// how many changed.
	Repoint func(db any, l *layout.Table, to uint64, rows []Move, sync bool) (int, error)
	// DropTombstones deletes table l's tombstones in scope whose seq is
	// below below and returns how many it deleted.
	DropTombstones func(db any, l *layout.Table, scope []byte, below uint64) (int, error)
)
