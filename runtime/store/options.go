package store

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Defaults used when [Open] is given nil options or an [Options] field is zero.
const (
	// defaultCacheSize is the block cache size: enough to keep the index and
	// filter blocks of a few million rows plus a working set of data blocks.
	defaultCacheSize = 64 << 20
	// defaultMemTableSize is the memtable size. Pebble's own default of 4 MiB
	// makes bulk loads of random keys spend most of their time stalled on
	// flushes; 64 MiB measured 2.5× faster on the reference machine.
	defaultMemTableSize = 64 << 20
)

// Options configure [Open]. The zero value is the defaults: nil options
// and &Options{} open the same database the same way, durable commits
// included. Set only what you need to change.
type Options struct {
	// NoSync lets a commit (Put, Delete, Batch.Commit) return before the
	// write-ahead log is fsynced: faster, but a machine crash can lose the
	// latest acknowledged writes (see Durability in the package docs). By
	// default every commit waits for the fsync, so an acknowledged write
	// survives a crash of the machine, not only of the process. A Batch can
	// override it with [Batch.SetSync].
	NoSync bool
	// CacheSize is the number of bytes of sstable blocks (data, index and
	// filter blocks) the block cache keeps in memory. 0 means 64 MiB.
	//
	// Pebble charges its memtables against the block cache: the live one,
	// one being flushed and one kept for reuse, each up to MemTableSize.
	// Open therefore creates a cache of CacheSize + 3*MemTableSize bytes,
	// so that CacheSize bytes stay for blocks however full the memtables
	// are; a cache of CacheSize alone would, with the defaults, hold no
	// block at all once the memtable had grown, and every read would go to
	// the disk and verify a checksum. Budget CacheSize + 3*MemTableSize
	// bytes (320 MiB with the defaults) for the cache and memtables together.
	CacheSize int64
	// MemTableSize is the size in bytes of one Pebble memtable; see
	// CacheSize for how it adds to the memory Open sets aside.
	// 0 means 64 MiB.
	MemTableSize uint64
	// OnProgress, when set, is called while [NewTable] backfills the indexes
	// a new build added to a table: after every BackfillBatchSize rows and
	// once at the end, with the table's "namespace.name", the rows indexed
	// so far (counting those an interrupted earlier backfill did) and the
	// table's row count. It runs on the goroutine calling NewTable and
	// should return quickly.
	OnProgress func(table string, done, total int)
	// BackfillBatchSize is the number of rows a backfill indexes per Pebble
	// batch, and so how much work a crash can lose (the next open resumes
	// after the last committed batch). 0 means 10,000 rows.
	BackfillBatchSize int
	// MustExist makes Open fail when dir holds no database yet, instead of
	// creating one. Tools that inspect an existing database (tablegen
	// inspect, tablegen flush) set it, so a mistyped path is an error rather
	// than a new empty database.
	MustExist bool
	// ReadOnly opens the database for reading only: every write returns an
	// error, and nothing in dir changes (no compaction, no new log). Implies
	// MustExist. NewTable on a table the database has no record of fails.
	ReadOnly bool
	// Logger receives Pebble's log messages: informational ones at
	// slog.LevelInfo, errors at slog.LevelError. nil drops informational
	// messages (Pebble prints several on every open) and sends errors to
	// the standard log package. It is a *slog.Logger rather than Pebble's
	// logger interface so that Pebble's API is not the store's. The store
	// never lets Pebble exit the process: a fatal error is logged as an
	// error instead, and every later write returns an error wrapping
	// ErrPebbleFatal; damaged files found by a read are that read's
	// *CorruptError.
	Logger *slog.Logger
	// WriteTimeout bounds how long Put, Delete, Batch.Commit, Update
	// (the transaction's commit), Expire and Repair wait for Pebble to take
	// a write, and so the store's own writes: a flush's cold markers and
	// its deletion of the hot rows it wrote, layout records and index
	// backfills when a table is opened, marks. Pebble blocks writes while it
	// cannot flush its memtables (on a full disk it retries until space is
	// freed); after WriteTimeout the write returns an error wrapping
	// ErrWriteTimeout, and writes after it fail at once until the waiting
	// write is applied, which happens as soon as space is freed (it is not
	// lost, and nothing acknowledged is). 0 means 30 s; a negative value waits forever.
	WriteTimeout time.Duration
	// Now is the database's clock; nil means time.Now. It decides which
	// rows of a stream table have expired on every read path: the typed
	// tables (unless [Table.WithClock] gives a view its own), the scan
	// providers, union reads and flushes. Tests and replays of old events
	// set it.
	Now func() time.Time

	// fs replaces the operating system's filesystem, for tests that make
	// the disk fail.
	fs vfs.FS
}

// quietLogger is the nil-Logger default: a library should not print on
// every open.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}

func (quietLogger) Errorf(format string, args ...any) { pebble.DefaultLogger.Errorf(format, args...) }

// Fatalf never exits (pebble.DefaultLogger's does); Open wraps every logger
// in a fatalLogger anyway, which does not call it.
func (quietLogger) Fatalf(format string, args ...any) { pebble.DefaultLogger.Errorf(format, args...) }

// slogLogger gives Pebble an Options.Logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Infof(format string, args ...any) { s.l.Info(fmt.Sprintf(format, args...)) }

func (s slogLogger) Errorf(format string, args ...any) { s.l.Error(fmt.Sprintf(format, args...)) }

// Fatalf logs an error: Open wraps every logger in a fatalLogger, which
// does not call it.
func (s slogLogger) Fatalf(format string, args ...any) { s.l.Error(fmt.Sprintf(format, args...)) }

// DefaultOptions returns the options Open uses when given nil or a zero
// Options, filled in: synced commits, 64 MiB of cached blocks, 64 MiB memtables (320 MiB for the cache and
// memtables together, see Options.CacheSize).
func DefaultOptions() *Options {
	return &Options{CacheSize: defaultCacheSize, MemTableSize: defaultMemTableSize}
}
