package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/tablegen/tablegen/runtime/layout"
)

// DB is one Pebble database holding every table of a program. It is safe for
// concurrent use. Open it once and share it; register tables on it with
// [NewTable].
type DB struct {
	pdb       *pebble.DB
	fsCloser  io.Closer // stops the disk-health-checking filesystem's goroutine
	writeOpts *pebble.WriteOptions

	// commitMu is the DB's writer lock. It serializes every commit that
	// reads before it writes (tables with indexes: read old rows, check
	// unique entries, apply, commit), and Update holds it for the whole of
	// its function (tx.go).
	commitMu writerLock

	life    lifecycle
	leases  leases    // long-lived readers Close stops (life.go)
	batches sync.Pool // *Batch reused by single Put/Delete on indexed tables

	regMu  sync.Mutex
	tables map[uint32]*layout.Table // layouts registered through NewTable in this process

	upgrade upgradeOptions // how NewTable upgrades tables (upgrade.go)

	fatal *atomic.Pointer[string] // Pebble's first fatal error (corruption.go)
	// writeTimeout bounds how long a commit waits for Pebble (commit.go);
	// negative: forever. pending counts commits that timed out and are
	// still queued in Pebble.
	writeTimeout time.Duration
	pending      atomic.Int64
	trouble      *atomic.Int32 // troubleStall | troubleFlush, from Pebble's events

	dir   string          // the database directory, for VerifyFiles
	popts *pebble.Options // what Pebble was opened with, for VerifyFiles

	now func() time.Time // Options.Now, never nil
}

// Now is the database's clock (Options.Now, or time.Now): what decides
// which rows of a stream table have expired (layout.Table.LiveCutoff) on
// every read path, the scan package's and flush's included.
func (db *DB) Now() time.Time { return db.now() }

// memTablesCharged is how many memtables Pebble may charge against the block
// cache at once: the mutable one, one waiting to be flushed (writes stall at
// Pebble's default MemTableStopWritesThreshold of 2) and one kept for reuse.
const memTablesCharged = 3

// diskSlowThreshold is how long a write, sync or file operation may take
// before Pebble's disk-health checks report the disk as slow (Pebble's own
// default).
const diskSlowThreshold = 5 * time.Second

// Open opens (creating if needed) the database in dir. nil opts means
// [DefaultOptions]. The database uses Pebble's newest format major version,
// so once opened it cannot be read by older Pebble releases, and 10-bit
// bloom filters on every level, so point reads of missing keys are cheap.
// The block cache is sized CacheSize + 3*MemTableSize (see
// [Options.CacheSize]).
//
// When Open creates the database, it flushes it once before returning, so
// that the write-ahead log that receives the first commits is written in
// the newest format: Pebble writes a new database's first log before it
// upgrades the format, without the sync offsets that let a damaged record
// be told from the torn tail of a crash (see "Durability" in the package
// documentation).
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
	blocks := opts.CacheSize
	if blocks == 0 {
		blocks = defaultCacheSize
	}
	memTable := opts.MemTableSize
	if memTable == 0 {
		memTable = defaultMemTableSize
	}
	if memTable > uint64(math.MaxInt64-blocks)/memTablesCharged {
		return nil, fmt.Errorf("store: open %s: CacheSize %d + %d*MemTableSize %d overflows; use a MemTableSize of at most a few GiB", dir, blocks, memTablesCharged, memTable)
	}
	var logger pebble.Logger = quietLogger{}
	if opts.Logger != nil {
		logger = slogLogger{opts.Logger}
	}
	// Pebble's default logger and DataCorruption event exit the process;
	// the store turns both into errors (corruption.go).
	fatal := new(atomic.Pointer[string])
	trouble := new(atomic.Int32)
	logger = fatalLogger{next: logger, fatal: fatal}
	created := isNew(dir)
	if created && (opts.MustExist || opts.ReadOnly) {
		return nil, fmt.Errorf("store: open %s: no database there; check the path (Options.MustExist/ReadOnly refuse to create one)", dir)
	}
	cache := pebble.NewCache(blocks + memTablesCharged*int64(memTable))
	defer cache.Unref() // Pebble holds its own reference while open.
	// Pebble wraps its filesystem in disk-health checks whose goroutine it
	// stops on Close, but not when Open fails; creating the wrapper here
	// lets Open stop it on every path.
	baseFS := vfs.Default
	if opts.fs != nil {
		baseFS = opts.fs
	}
	healthFS, fsCloser := vfs.WithDiskHealthChecks(baseFS, diskSlowThreshold, nil, func(info vfs.DiskSlowInfo) {
		logger.Infof("store: %s", info)
	})
	popts := &pebble.Options{
		Cache:              cache,
		FS:                 healthFS,
		MemTableSize:       memTable,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             logger,
		ReadOnly:           opts.ReadOnly,
		ErrorIfNotExists:   opts.MustExist || opts.ReadOnly,
		EventListener: &pebble.EventListener{
			// The read that found the damage returns it as a
			// *CorruptError; background work reports it through
			// BackgroundError, which Pebble logs with Errorf.
			DataCorruption: func(info pebble.DataCorruptionInfo) { logger.Infof("store: %s", info) },
			// Writes are bounded by WriteTimeout while Pebble is in
			// trouble (commit.go).
			WriteStallBegin: func(pebble.WriteStallBeginInfo) { trouble.Or(troubleStall) },
			WriteStallEnd:   func() { trouble.And(^troubleStall) },
			FlushEnd: func(info pebble.FlushInfo) {
				if info.Err != nil && info.Err.Error() != "pebble: empty table" {
					trouble.Or(troubleFlush)
				} else {
					trouble.And(^troubleFlush)
				}
			},
		},
	}
	// Every write to an indexed table starts with point reads (the old row,
	// the unique entries), most of them for keys that do not exist yet:
	// bloom filters let those misses skip the sstables' blocks. Level 0's
	// policy carries over to every level below.
	popts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	pdb, err := pebble.Open(dir, popts)
	if err != nil {
		_ = fsCloser.Close()
		return nil, openError(dir, err)
	}
	if created {
		// Rotate to a write-ahead log in the newest format (see above).
		if err := pdb.Flush(); err != nil {
			_ = pdb.Close()
			_ = fsCloser.Close()
			return nil, fmt.Errorf("store: open %s: flush the new database: %w", dir, err)
		}
	}
	wo := pebble.NoSync
	if !opts.NoSync {
		wo = pebble.Sync
	}
	db := &DB{pdb: pdb, fsCloser: fsCloser, writeOpts: wo, tables: map[uint32]*layout.Table{}, upgrade: upgrade, fatal: fatal, trouble: trouble, dir: dir, popts: popts, now: opts.Now}
	if db.now == nil {
		db.now = time.Now
	}
	db.commitMu.init()
	db.life.done = make(chan struct{}, 1)
	db.writeTimeout = opts.WriteTimeout
	if db.writeTimeout == 0 {
		db.writeTimeout = defaultWriteTimeout
	}
	return db, nil
}

// isNew reports whether dir holds no Pebble database yet, so that Open will
// create one. A missing directory is new (Pebble creates it). When dir
// cannot be examined, it is not: pebble.Open then reports the problem.
func isNew(dir string) bool {
	desc, err := pebble.Peek(dir, vfs.Default)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return !desc.Exists
}

// Close stops every open lease (scan-package readers, union reads and
// flushes end with [ErrClosed]; see [Lease]), waits for running operations
// and the store's own scans to finish, then closes the database.
// Operations started after Close return [ErrClosed]. Because it waits for
// the store's open scans, calling Close from inside such a scan loop on the
// same goroutine never returns: break out of the loop first.
func (db *DB) Close() error {
	if db.life.state.Load()&closedBit != 0 {
		return ErrClosed
	}
	db.closeLeases()
	if !db.life.close() {
		return ErrClosed
	}
	err := db.pdb.Close()
	// After Pebble's Close, nothing writes through the filesystem any more.
	_ = db.fsCloser.Close()
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// HasRows reports whether the database holds any row of table id, hot or
// flushed, whatever layout it was written with. A tool that cannot open a
// table (its stored layout is refused, say) uses it to tell a table that was
// declared but never written from one whose rows it would be leaving
// unread. It returns [ErrClosed] after Close.
func (db *DB) HasRows(id uint32) (bool, error) {
	if !db.life.enter() {
		return false, ErrClosed
	}
	defer db.life.exit()
	for _, prefix := range [][]byte{RowPrefix(id), coldBound(RowPrefix(id))} {
		it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
		if err != nil {
			return false, fmt.Errorf("store: table %d: %w", id, err)
		}
		found := it.First()
		err = it.Close()
		if found || err != nil {
			return found, err
		}
	}
	return false, nil
}

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
