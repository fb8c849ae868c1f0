package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// DB is one Pebble database holding every table of a program. It is safe for
// concurrent use. Open it once and share it; register tables on it with
// [NewTable].
type DB struct {
	pdb       *pebble.DB
	writeOpts *pebble.WriteOptions

	// commitMu serializes every commit that reads before it writes (tables
	// with indexes): read old rows, check unique entries, apply, commit.
	commitMu sync.Mutex

	life    lifecycle
	batches sync.Pool // *Batch reused by single Put/Delete on indexed tables

	regMu  sync.Mutex
	tables map[uint32]*Layout // layouts registered through NewTable in this process

	upgrade upgradeOptions // how NewTable upgrades tables (upgrade.go)
}

// Open opens (creating if needed) the database in dir. nil opts means
// [DefaultOptions]. The database uses Pebble's newest format major version,
// so once opened it cannot be read by older Pebble releases, and 10-bit
// bloom filters on every level, so point reads of missing keys are cheap.
func Open(dir string, opts *Options) (*DB, error) {
	if opts == nil {
		opts = DefaultOptions()
	}
	if opts.CacheSize < 0 {
		return nil, fmt.Errorf("store: open %s: CacheSize is %d; use 0 for the default or a positive byte count", dir, opts.CacheSize)
	}
	upgrade, err := newUpgradeOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	cacheSize := opts.CacheSize
	if cacheSize == 0 {
		cacheSize = DefaultCacheSize
	}
	memTable := opts.MemTableSize
	if memTable == 0 {
		memTable = DefaultMemTableSize
	}
	var logger pebble.Logger = quietLogger{}
	if opts.Logger != nil {
		logger = opts.Logger
	}
	cache := pebble.NewCache(cacheSize)
	defer cache.Unref() // Pebble holds its own reference while open.
	popts := &pebble.Options{
		Cache:              cache,
		MemTableSize:       memTable,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             logger,
	}
	// Every write to an indexed table starts with point reads (the old row,
	// the unique entries), most of them for keys that do not exist yet:
	// bloom filters let those misses skip the sstables' blocks. Level 0's
	// policy carries over to every level below.
	popts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	pdb, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	wo := pebble.NoSync
	if opts.Sync {
		wo = pebble.Sync
	}
	db := &DB{pdb: pdb, writeOpts: wo, tables: map[uint32]*Layout{}, upgrade: upgrade}
	db.life.done = make(chan struct{}, 1)
	return db, nil
}

// Close waits for running operations and scans to finish, then closes the
// database. Operations started after Close return [ErrClosed]. Because it
// waits for open scans, calling Close from inside a scan loop on the same
// goroutine never returns: break out of the loop first.
func (db *DB) Close() error {
	if !db.life.close() {
		return ErrClosed
	}
	if err := db.pdb.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Pebble returns the underlying Pebble database, for tools (metrics,
// checkpoints, compaction) that the store does not wrap. Writing to the row
// or index keyspaces through it bypasses index maintenance; [Table.Verify]
// reports what such writes break. Do not use it after Close.
func (db *DB) Pebble() *pebble.DB { return db.pdb }

// ErrClosed is returned by every operation on a DB after Close.
var ErrClosed = errors.New("store: database is closed; open it again with store.Open")

// lifecycle counts running operations so Close can wait for them, and so
// no operation reaches Pebble after it is closed (Pebble panics then).
type lifecycle struct {
	state atomic.Int64 // closedBit | number of running operations
	done  chan struct{}
}

const closedBit = 1 << 62

// enter registers a running operation; false means the DB is closed.
func (l *lifecycle) enter() bool {
	if l.state.Add(1)&closedBit != 0 {
		l.exit()
		return false
	}
	return true
}

func (l *lifecycle) exit() {
	if l.state.Add(-1) == closedBit {
		select {
		case l.done <- struct{}{}:
		default:
		}
	}
}

// close marks the DB closed and waits until no operation runs; false means
// it was already closed.
func (l *lifecycle) close() bool {
	old := l.state.Or(closedBit)
	if old&closedBit != 0 {
		return false
	}
	if old != 0 {
		<-l.done
	}
	return true
}
