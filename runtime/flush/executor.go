package flush

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// Defaults of [Options].
const (
	// DefaultRowGroupSize is the rows per Parquet row group: large enough
	// for good compression and few footer entries, small enough that the
	// writer's buffered row group (its pages, held in memory until the
	// group closes, in buffers that grow by doubling) stays around ten MiB
	// for wide rows. A flush's peak heap grows with it: at 1M rows of the
	// 20-column bench table, 128 Ki-row groups peaked at about 170 MiB of
	// heap, 64 Ki at about 120, for files 2% larger (see the package doc).
	DefaultRowGroupSize = 64 << 10
	// DefaultDeleteBatch is the hot rows deleted per Pebble batch: each
	// batch holds the store's commit mutex, so other writers wait at most
	// one batch.
	DefaultDeleteBatch = 4096
	// DefaultReadAhead is the batches a flush decodes ahead of its
	// Parquet writer: two keep the writer fed across the scan's uneven
	// batches, at about two batches' memory (a few MiB for wide rows).
	DefaultReadAhead = 2
	// DefaultSegmentBytes is the size at which a flush of a user or stream
	// table closes a multi-owner file and starts the next: a few MiB is
	// past the point where engines pay much per file, while a point read
	// of a cold row, which loads its segment whole (coldread.go), stays
	// cheap.
	DefaultSegmentBytes = 8 << 20
)

// poolHeld bounds the freed Arrow and Parquet buffers one flush keeps for
// reuse (see bufferPool): a few batches' worth. Buffers beyond it are
// simply left to the garbage collector, so it limits memory, not data.
const poolHeld = 32 << 20

// Options configure an [Executor]. The zero value is ZSTD level 1,
// dictionary encoding for string, enum and json columns only, 64 Ki-row
// groups and scan.DefaultBatchSize-row batches (see the package doc for the
// measurements behind them).
type Options struct {
	// Compression of the Parquet pages; nil means ZSTD. Set it to
	// compress.Codecs.Uncompressed, Snappy, Gzip, Brotli, Lz4Raw or Zstd.
	Compression *compress.Compression
	// RowGroupSize is the maximum rows per Parquet row group (0 =
	// DefaultRowGroupSize).
	RowGroupSize int64
	// BatchSize is the rows per Arrow record batch read from the snapshot
	// (0 = scan.DefaultBatchSize); memory grows with it, not with the table.
	BatchSize int
	// ReadAhead is how many record batches the snapshot scan may decode
	// ahead of the Parquet writer, on a goroutine of its own, so that
	// reading rows and encoding them overlap on two cores (0 =
	// DefaultReadAhead); memory grows by about one batch per unit. A
	// negative value reads and writes on the calling goroutine, one batch
	// at a time.
	ReadAhead int
	// DeleteBatch is the hot rows deleted per commit (0 = DefaultDeleteBatch).
	DeleteBatch int
	// CompressionLevel is the codec's level; 0 means DefaultZstdLevel for
	// ZSTD and the codec's own default for the others.
	CompressionLevel int
	// Dictionary chooses the columns written with Parquet dictionary
	// encoding (the zero value is DictionaryStrings).
	Dictionary Dictionary
	// Progress, when set, is called after every record batch written, with
	// the rows written so far by the current flush.
	Progress func(rows int64)
	// Now returns the time recorded in segments and used by policies (nil =
	// time.Now).
	Now func() time.Time
	// PartitionByOwner keeps the per-owner layout for user and stream
	// tables: each owner's rows in their own file under a Hive directory
	// owner-dir=<escaped owner> (a per-user export). By default a flush
	// writes multi-owner files in the table's directory: the rows of many
	// owners sorted by (owner, key), with the owner as a column and
	// row-group statistics, each file closed at the first owner boundary
	// past SegmentBytes. Either layout reads back the same; a tree may
	// hold both (the manifest says which segment is which).
	PartitionByOwner bool
	// SegmentBytes is about the size of a multi-owner file: a flush
	// starts the next file once the current one reaches it, between two
	// owners, so one owner's rows stay in one file (0 =
	// DefaultSegmentBytes).
	SegmentBytes int64
	// Quarantine, when set, is a directory where a flush moves rows whose
	// stored value does not decode, instead of stopping at the first one
	// (the default, with a *store.CorruptError naming the row): each goes
	// to <Quarantine>/<namespace>/<table>/<hash>.json ([Quarantined]: the
	// raw key and value, the table and the reason), written and fsynced
	// before the row and its index entries are deleted from the hot
	// store; Result.Quarantined lists the files, and the flush goes on.
	// Each damaged row costs one more read of the table.
	Quarantine string

	// fault is called at every step of a flush; an error it returns
	// aborts the flush right there, leaving everything as a crash would.
	// Tests set it (export_test.go).
	fault func(step) error
	// remove replaces os.Remove in recovery, for tests of a cold root
	// whose files cannot be removed (tests run as root ignore modes).
	remove func(string) error
}

// Dictionary chooses which columns a flush dictionary-encodes. A
// dictionary pays where a column repeats a few values (names, states,
// categories): it shrinks the file and the reader's work. For numbers,
// timestamps and ids, which rarely repeat, it costs a hash table per
// column while the file is written and then falls back to plain pages
// anyway; ZSTD already catches what repetition there is.
type Dictionary uint8

// The dictionary choices.
const (
	// DictionaryStrings encodes string, enum and json columns with a
	// dictionary and every other column plainly (the default).
	DictionaryStrings Dictionary = iota
	// DictionaryAll encodes every column with a dictionary (Parquet's
	// default): the smallest files, the slowest and largest writes.
	DictionaryAll
	// DictionaryNone encodes no column with a dictionary.
	DictionaryNone
)

// DefaultZstdLevel is the ZSTD level flushes use unless
// Options.CompressionLevel says otherwise: zstd's level 1 (klauspost's
// SpeedFastest).
const DefaultZstdLevel = 1

// step names a point in a flush, for fault injection in tests.
type step string

// The steps of a flush, in order.
const (
	// stepReserved: the segment numbers are reserved (the cold marker is
	// durable) and the snapshot taken; nothing is written yet.
	stepReserved step = "reserved"
	// stepBatch: after each record batch went into the open Parquet file.
	stepBatch step = "batch"
	// stepBeforeRename: a part, keys or manifest file is complete and
	// fsynced under its temporary name.
	stepBeforeRename step = "before-rename"
	// stepFilesWritten: every part and keys file is renamed into place; the
	// manifest does not list them yet.
	stepFilesWritten step = "files-written"
	// stepManifestWritten: the manifest lists the segments (state written).
	stepManifestWritten step = "manifest-written"
	// stepDeleteChunk: after each batch of hot rows was deleted.
	stepDeleteChunk step = "delete-chunk"
	// stepDeleted: every flushed hot row is deleted; the manifest still
	// says deleting.
	stepDeleted step = "deleted"
)

// Executor flushes tables of one database into one directory tree. It
// serializes flushes and recovery per table, so it is safe for concurrent
// use; only one executor (one process) may flush into a root at a time.
type Executor struct {
	db    *store.DB
	root  string
	o     Options
	mu    sync.Mutex
	locks map[uint32]*tableLock
	dirs  map[uint32]string // table id → existing directory, once found
}

type tableLock struct {
	sync.Mutex
	recovered atomic.Bool // set once recovery has run, under the mutex
	// files is held for reading by scans from their snapshot until their
	// segment files are open, and for writing while a compaction retires
	// segments (compact.go).
	files sync.RWMutex
}

// New returns an executor writing under root, which it creates. Recovery
// of each table runs automatically before its first flush or scan through
// this executor; call Recover to run it at open instead. On a database
// opened read-only (store.Options.ReadOnly) the executor only reads: root
// must exist, recovery changes nothing, and flushes fail.
//
// New attaches the executor to db: from then on every read of db — typed
// reads and provider scans alike — sees the table's flushed rows too.
func New(db *store.DB, root string, o *Options) (*Executor, error) {
	if db == nil {
		return nil, fmt.Errorf("flush: nil database")
	}
	if root == "" {
		return nil, fmt.Errorf("flush: empty root directory; name the directory flushed files go to")
	}
	var opts Options
	if o != nil {
		opts = *o
	}
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	if coldtier.ReadOnly(db) {
		// Reading only: the cold root must be there, and is not created.
		if fi, err := os.Stat(root); err != nil {
			return nil, fmt.Errorf("flush: cold root: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("flush: cold root %s is not a directory", root)
		}
	} else {
		if err := mkdirDurable(root); err != nil {
			return nil, err
		}
		// Tools that open the DB later (tablegen inspect) find the
		// flushed rows through the recorded root (RecordedRoot).
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, fmt.Errorf("flush: cold root %s: %w", root, err)
		}
		if err := coldtier.SetColdRoot(db, abs); err != nil {
			return nil, fmt.Errorf("flush: %w", err)
		}
	}
	e := &Executor{db: db, root: root, o: opts, locks: map[uint32]*tableLock{}, dirs: map[uint32]string{}}
	// Flushed rows stay rows of the typed API: the store reads them
	// through this executor (coldread.go). One executor per DB serves
	// them; a later New on the same DB takes over.
	coldtier.SlotOf(db).Set(newColdReader(e))
	return e, nil
}

// RecordedRoot returns the cold root of the last executor created with
// write access on db (New records it, as an absolute path, in the DB), or
// "" when none was. tablegen inspect reads a flushed table hot and cold
// through it without being told the root; a DB restored elsewhere may
// record a root that no longer exists.
func RecordedRoot(db *store.DB) (string, error) {
	return coldtier.ColdRoot(db)
}

// normalize checks the options and fills in the defaults.
func (o *Options) normalize() error {
	switch {
	case o.RowGroupSize < 0:
		return fmt.Errorf("flush: RowGroupSize %d is negative; use 0 for the default %d", o.RowGroupSize, DefaultRowGroupSize)
	case o.BatchSize < 0:
		return fmt.Errorf("flush: BatchSize %d is negative; use 0 for the default %d", o.BatchSize, scan.DefaultBatchSize)
	case o.SegmentBytes < 0:
		return fmt.Errorf("flush: SegmentBytes %d is negative; use 0 for the default %d", o.SegmentBytes, DefaultSegmentBytes)
	case o.DeleteBatch < 0:
		return fmt.Errorf("flush: DeleteBatch %d is negative; use 0 for the default %d", o.DeleteBatch, DefaultDeleteBatch)
	case o.Dictionary > DictionaryNone:
		return fmt.Errorf("flush: Dictionary %d is not one of DictionaryStrings, DictionaryAll, DictionaryNone", o.Dictionary)
	}
	if o.Compression == nil {
		z := compress.Codecs.Zstd
		o.Compression = &z
	}
	if o.CompressionLevel == 0 {
		o.CompressionLevel = compress.DefaultCompressionLevel
		if *o.Compression == compress.Codecs.Zstd {
			o.CompressionLevel = DefaultZstdLevel
		}
	}
	if o.RowGroupSize == 0 {
		o.RowGroupSize = DefaultRowGroupSize
	}
	if o.BatchSize == 0 {
		o.BatchSize = scan.DefaultBatchSize
	}
	if o.ReadAhead == 0 {
		o.ReadAhead = DefaultReadAhead
	}
	if o.DeleteBatch == 0 {
		o.DeleteBatch = DefaultDeleteBatch
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.fault == nil {
		o.fault = func(step) error { return nil }
	}
	return nil
}

// Root is the directory the executor writes under.
func (e *Executor) Root() string { return e.root }

// TableDir is the directory of a table's files. A table's directory is
// named <root>/<namespace>/<table> when its first flush creates it, and is
// found by table id afterwards (see tableDir), so a renamed table keeps
// its flushed rows.
func (e *Executor) TableDir(l *layout.Table) string {
	dir, err := e.tableDir(l)
	if err != nil {
		return filepath.Join(e.root, l.Namespace, l.Name)
	}
	return dir
}

func (e *Executor) tableLock(id uint32) *tableLock {
	e.mu.Lock()
	defer e.mu.Unlock()
	tl := e.locks[id]
	if tl == nil {
		tl = &tableLock{}
		e.locks[id] = tl
	}
	return tl
}

// lock takes the table's lock and runs recovery once per executor.
func (e *Executor) lock(l *layout.Table) (*tableLock, error) {
	tl := e.tableLock(l.ID)
	tl.Lock()
	if !tl.recovered.Load() {
		if _, err := e.recover(l); err != nil {
			tl.Unlock()
			return nil, err
		}
		tl.recovered.Store(true)
	}
	return tl, nil
}

// Result describes one flush.
type Result struct {
	Table string
	// Segments are the segments the flush added, in the manifest's form.
	Segments []Segment
	// Rows is the number of rows written to Parquet.
	Rows int64
	// Deleted is the number of hot rows deleted; Rows - Deleted rows were
	// updated or deleted during the flush and stay hot (the hot version
	// wins over the flushed one in union scans).
	Deleted int64
	// Bytes is the size of the Parquet files written.
	Bytes int64
	// Quarantined are the quarantine files of the damaged rows the flush
	// moved aside (see Options.Quarantine), one per row.
	Quarantined []string
}

// Flush writes every hot row of p's table to Parquet and deletes the hot
// copies that did not change meanwhile. For a user or stream table the
// provider's scope decides: scoped (p.WithScope) flushes that owner's rows,
// unscoped flushes every owner, into multi-owner files (or one file per
// owner with Options.PartitionByOwner). A table with no hot rows writes
// nothing.
//
// The steps, each durable before the next: the segment numbers are
// reserved (the table's cold marker) and the rows read from one Pebble
// snapshot taken in the same step; each owner's rows go to part-<seq>.parquet with the
// (key, value hash) of every row in part-<seq>.keys, both written under a
// temporary name, fsynced, renamed and their directory fsynced; the
// manifest lists the new segments (state written, then deleting); the hot
// rows still holding the flushed values are deleted with their index
// entries and the deletions synced; the manifest marks the segments done
// and the keys files are removed. After a crash anywhere, Recover (run
// automatically before the table's next flush or scan) removes what no
// manifest lists and finishes listed deletions: every row ends up hot or in
// exactly one listed file.
func (e *Executor) Flush(ctx context.Context, p *scan.Provider) (*Result, error) {
	return e.FlushSelect(ctx, p, Select{})
}

// FlushSelect is Flush of the hot rows sel selects (the zero Select: all):
// the policy chooses which rows go cold — older than a duration by a
// timestamp column or the row id's time, all but the newest N per owner, a
// key range or any filter the provider accepts (see [Select]). Rows it does
// not select stay hot and are not read twice: they simply are not written.
// An owner with no selected row gets no file. A table declared flush: never
// (layout.Table.NeverFlush) is refused.
func (e *Executor) FlushSelect(ctx context.Context, p *scan.Provider, sel Select) (*Result, error) {
	l := p.Layout()
	if l.NeverFlush {
		return nil, fmt.Errorf("flush: %s is declared flush: never (the default of system and shared tables), so its rows stay hot; set flush: allowed in its YAML to flush it", l.FullName())
	}
	pl, err := sel.plan(&l, e.o.Now())
	if err != nil {
		return nil, err
	}
	if pl.filter != nil {
		if err := p.Bind(pl.filter); err != nil {
			return nil, fmt.Errorf("flush: %s: %w", l.FullName(), err)
		}
	}
	return held(e, ctx, l.FullName(), func(ctx context.Context) (*Result, error) {
		tl, err := e.lock(&l)
		if err != nil {
			return nil, err
		}
		defer tl.Unlock()
		return e.flushQuarantining(ctx, p, &l, pl)
	})
}

// FlushOwner flushes one owner's rows of a user or stream table.
func (e *Executor) FlushOwner(ctx context.Context, p *scan.Provider, owner string) (*Result, error) {
	l := p.Layout()
	if !partitioned(&l) {
		return nil, fmt.Errorf("flush: %s is a %s table; only user and stream tables have owners: use Flush", l.FullName(), l.Kind)
	}
	if owner == "" {
		return nil, fmt.Errorf("flush: %s: empty owner id; name the owner whose rows to flush", l.FullName())
	}
	return e.Flush(ctx, p.WithScope(keyenc.AppendString(nil, owner)))
}

func partitioned(l *layout.Table) bool { return l.Kind.OwnerScoped() }

func (e *Executor) flush(ctx context.Context, p *scan.Provider, l *layout.Table, pl plan) (*Result, error) {
	name := l.FullName()
	dir, err := e.tableDir(l)
	if err != nil {
		return nil, err
	}
	if err := mkdirDurable(dir); err != nil {
		return nil, err
	}
	m, err := readManifest(dir, name, l.ID)
	if err != nil {
		return nil, err
	}

	var parts []flushPart
	switch {
	case !partitioned(l):
		parts = []flushPart{{p: p}}
	case p.Scope() != nil:
		owner, rest, err := keyenc.DecodeString(p.Scope())
		if err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("flush: %s: the provider's scope %x is not one encoded owner id; build it with keyenc.AppendString", name, p.Scope())
		}
		parts = []flushPart{{p: p, owner: &owner}}
	default:
		// The owners as of now: one segment number is reserved for each
		// below, and an owner whose first row comes later waits for the
		// next flush.
		owners, err := listOwners(rawpebble.DB(e.db), l)
		if err != nil {
			return nil, err
		}
		if len(owners) == 0 {
			return &Result{Table: name}, nil
		}
		for _, o := range owners {
			parts = append(parts, flushPart{p: p.WithScope(keyenc.AppendString(nil, o)), owner: &o})
		}
	}
	if len(parts) == 1 {
		// Nothing to flush: reserve nothing, so a table that never had
		// rows flushed keeps deleting without tombstones.
		found, err := hasRows(rawpebble.DB(e.db), l, parts[0].p.Scope(), e.db.Now())
		if err != nil || !found {
			return &Result{Table: name}, err
		}
	}
	// Reserve the segments' numbers (the table's cold marker) and take the
	// snapshot in one step: deletions committed before it carry tombstones
	// below every segment of this flush, later ones at least as high (see
	// store.FlushSnapshot).
	snap, seq, err := e.db.FlushSnapshot(l, m.NextSeq, len(parts))
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	m.NextSeq = seq
	if err := e.o.fault(stepReserved); err != nil {
		return nil, err
	}

	res := &Result{Table: name}
	// One pool for the whole flush: each batch reuses the buffers of the
	// one before, across owners too.
	pool := newBufferPool(poolHeld)
	if partitioned(l) && !e.o.PartitionByOwner {
		segs, err := e.writeMulti(ctx, snap, parts, l, dir, m.NextSeq, pl, pool, res)
		if err != nil {
			return nil, e.asDamaged(err, snap, l)
		}
		for _, seg := range segs {
			m.NextSeq = max(m.NextSeq, seg.Seq+1)
			res.Segments = append(res.Segments, *seg)
			res.Rows += seg.Rows
			res.Bytes += seg.Bytes
		}
		parts = nil
	}
	for _, pt := range parts {
		kept, err := keep(ctx, snap, pt.p, pl, e.o.BatchSize)
		if err != nil {
			return nil, err
		}
		seg, err := e.writeSegment(ctx, snap, pt.p.WithAllocator(pool), l, dir, segmentDir(pt.owner), m.NextSeq, pt.owner, pl.filter, kept, pool, res)
		if err != nil {
			return nil, e.asDamaged(err, snap, l)
		}
		if seg == nil {
			continue // no rows
		}
		m.NextSeq++
		res.Segments = append(res.Segments, *seg)
		res.Rows += seg.Rows
		res.Bytes += seg.Bytes
	}
	if len(res.Segments) == 0 {
		return res, nil
	}
	if err := e.o.fault(stepFilesWritten); err != nil {
		return nil, err
	}
	first := len(m.Segments)
	m.Segments = append(m.Segments, res.Segments...)
	if err := writeManifest(dir, m, e.o.fault); err != nil {
		return nil, err
	}
	if err := e.o.fault(stepManifestWritten); err != nil {
		return nil, err
	}
	deleted, err := e.finish(l, dir, m, first)
	if err != nil {
		return nil, err
	}
	res.Deleted = deleted
	res.Segments = append(res.Segments[:0], m.Segments[first:]...)
	return res, nil
}

// finish deletes the hot rows of the manifest's segments from index first
// on that are not done, then marks them done and removes their keys files.
func (e *Executor) finish(l *layout.Table, dir string, m *Manifest, first int) (int64, error) {
	pending := false
	for i := first; i < len(m.Segments); i++ {
		if m.Segments[i].State == Written {
			m.Segments[i].State = Deleting
			pending = true
		}
	}
	if pending {
		if err := writeManifest(dir, m, e.o.fault); err != nil {
			return 0, err
		}
	}
	var deleted int64
	var keysFiles []string
	for i := first; i < len(m.Segments); i++ {
		s := &m.Segments[i]
		if s.State == Done {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(s.Keys))
		err := readKeys(path, e.o.DeleteBatch, func(rows []coldtier.RowVersion) error {
			n, err := coldtier.DeleteUnchanged(e.db, l, s.Seq, rows, false)
			deleted += int64(n)
			if err != nil {
				return err
			}
			return e.o.fault(stepDeleteChunk)
		})
		if err != nil {
			return deleted, fmt.Errorf("flush: %s: delete the hot rows of segment %d: %w", l.FullName(), s.Seq, err)
		}
		keysFiles = append(keysFiles, path)
	}
	if len(keysFiles) == 0 {
		return 0, nil
	}
	// One WAL sync makes every deletion above durable before the manifest
	// says so.
	if _, err := coldtier.DeleteUnchanged(e.db, l, 0, nil, true); err != nil {
		return deleted, err
	}
	if err := e.o.fault(stepDeleted); err != nil {
		return deleted, err
	}
	for i := first; i < len(m.Segments); i++ {
		m.Segments[i].State, m.Segments[i].Keys = Done, ""
	}
	if err := writeManifest(dir, m, e.o.fault); err != nil {
		return deleted, err
	}
	// The manifest no longer lists them; recovery removes any that
	// survive a crash here.
	for _, k := range keysFiles {
		if err := os.Remove(k); err != nil && !os.IsNotExist(err) {
			return deleted, fmt.Errorf("flush: remove %s: %w", k, err)
		}
	}
	return deleted, nil
}

// hasRows reports whether r holds a live row of table l in scope at now:
// expired rows of a stream table (layout.LiveCutoff) are never flushed,
// they stay in Pebble, hidden from reads, until Expire deletes them, so a
// scope holding only those has nothing to flush. Partitioned tables are
// flushed per owner, so scope is set whenever rows can expire.
func hasRows(r iterSource, l *layout.Table, scope []byte, now time.Time) (bool, error) {
	prefix := append(store.RowPrefix(l.ID), scope...)
	lower := prefix
	if cutoff, ok := l.LiveCutoff(now); ok && scope != nil {
		lower = keyenc.AppendTimestamp(slices.Clone(prefix), cutoff)
	}
	probe, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		return false, fmt.Errorf("flush: %s: %w", l.FullName(), err)
	}
	found := probe.First()
	if err := probe.Close(); err != nil {
		return false, fmt.Errorf("flush: %s: %w", l.FullName(), err)
	}
	return found, nil
}

// iterSource is a *pebble.DB or a *pebble.Snapshot.
type iterSource interface {
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

// listOwners returns the owners with rows in a partitioned table, seeking
// past each owner's rows instead of reading them.
func listOwners(r iterSource, l *layout.Table) ([]string, error) {
	prefix := store.RowPrefix(l.ID)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("flush: %s: list owners: %w", l.FullName(), err)
	}
	var owners []string
	for ok := it.First(); ok; {
		owner, rest, err := keyenc.DecodeString(it.Key()[len(prefix):])
		if err != nil {
			_ = it.Close()
			return nil, &store.CorruptError{Table: l.FullName(), Key: hex.EncodeToString(it.Key()), Err: fmt.Errorf("row key has no owner scope: %w", err)}
		}
		owners = append(owners, owner)
		scope := it.Key()[:len(it.Key())-len(rest)]
		next := keyenc.PrefixEnd(scope)
		if next == nil {
			break
		}
		ok = it.SeekGE(next)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("flush: %s: list owners: %w", l.FullName(), err)
	}
	return owners, nil
}

// writeSegment writes one owner's (or the whole table's) rows from snap to
// part-<seq>.parquet and part-<seq>.keys, durably. It returns nil when
// there are no rows (and leaves nothing behind).
// Rows whose key is in kept stay hot.
// rel is the segment's directory relative to dir.
func (e *Executor) writeSegment(ctx context.Context, snap *store.Snapshot, p *scan.Provider, l *layout.Table, dir, rel string, seq uint64, owner *string, filter scan.Expr, kept map[string]struct{}, pool *bufferPool, res *Result) (*Segment, error) {
	sdir := filepath.Join(dir, rel)
	// Probe for rows first, so an owner whose rows vanished leaves no
	// empty file.
	hasRows, err := hasRows(rawpebble.Snapshot(snap), l, p.Scope(), e.db.Now())
	if err != nil {
		return nil, err
	}
	if !hasRows {
		return nil, nil
	}
	if err := mkdirDurable(sdir); err != nil {
		return nil, err
	}
	seg := e.newSegment(l, rel, seq, Written)
	seg.setOwner(owner)
	stats := p.NewStats()
	var minKey, maxKey []byte
	rowPrefixLen := len(store.RowPrefix(l.ID))
	scopeLen := len(p.Scope())

	// The keys file is written alongside the Parquet file in the same
	// pass: both record the same rows.
	keysPath := filepath.Join(dir, filepath.FromSlash(seg.Keys))
	keysTmp, err := os.OpenFile(keysPath+tmpSuffix, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("flush: create %s: %w", keysPath+tmpSuffix, err)
	}
	keysBuf := newBufferedFile(keysTmp)
	kw := newKeysWriter(keysBuf)
	visit := func(key, value []byte) error {
		if _, ok := kept[string(key)]; ok {
			return scan.SkipRow
		}
		below := key[rowPrefixLen:]
		kw.add(below, coldtier.RowHash(value))
		tuple := below[scopeLen:]
		if minKey == nil {
			minKey = bytes.Clone(tuple)
		}
		maxKey = append(maxKey[:0], tuple...)
		return nil
	}
	props := e.o.writerProperties(l, parquet.WithAllocator(pool))
	arrowProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	written := res.Rows
	partPath := filepath.Join(dir, filepath.FromSlash(seg.File))
	err = writeDurable(partPath, e.o.fault, func(w io.Writer) error {
		rdr, err := p.ScanSnapshot(ctx, snap, scan.Request{BatchSize: e.o.BatchSize, Filter: filter}, visit)
		if err != nil {
			return err
		}
		defer rdr.Release()
		return e.writeParquet(w, rdr, l, seg, owner, props, arrowProps, stats, &written)
	})
	if err != nil {
		_ = keysTmp.Close()
		return nil, err
	}
	if err := kw.finish(); err != nil {
		_ = keysTmp.Close()
		return nil, err
	}
	if err := keysBuf.commit(keysPath, e.o.fault); err != nil {
		return nil, err
	}
	if minKey == nil {
		// The filter selected none of the owner's rows. No manifest lists
		// the files, so recovery would remove them after a crash too.
		for _, f := range []string{partPath, keysPath} {
			if err := os.Remove(f); err != nil {
				return nil, fmt.Errorf("flush: %s: remove the empty segment: %w", l.FullName(), err)
			}
		}
		return nil, nil
	}
	seg.Rows = stats.Rows()
	seg.MinKey, seg.MaxKey = hex.EncodeToString(minKey), hex.EncodeToString(maxKey)
	seg.Columns = stats.Columns()
	return seg, nil
}

// newSegment is the manifest entry of segment seq of table l, its part and
// keys files in directory rel of the table's directory, in state st.
func (e *Executor) newSegment(l *layout.Table, rel string, seq uint64, st State) *Segment {
	return &Segment{
		Seq:         seq,
		File:        filepath.ToSlash(filepath.Join(rel, partFile(seq, "parquet"))),
		Keys:        filepath.ToSlash(filepath.Join(rel, partFile(seq, "keys"))),
		Fingerprint: l.Fingerprint(),
		Created:     e.o.Now().UTC(),
		State:       st,
	}
}

// WriterProperties returns the Parquet writer settings a flush with
// options o writes table l with, so that a program writing the same rows
// itself (the flush benchmarks' baseline, bench/cmd/instr) writes them
// exactly as a flush would.
func WriterProperties(o Options, l *layout.Table) (*parquet.WriterProperties, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	return o.writerProperties(l), nil
}

// writerProperties are the Parquet writer settings of a flush of table l.
func (o *Options) writerProperties(l *layout.Table, extra ...parquet.WriterProperty) *parquet.WriterProperties {
	props := []parquet.WriterProperty{
		parquet.WithCompression(*o.Compression),
		parquet.WithCompressionLevel(o.CompressionLevel),
		parquet.WithMaxRowGroupLength(o.RowGroupSize),
		parquet.WithDictionaryDefault(o.Dictionary == DictionaryAll),
		parquet.WithCreatedBy("tablegen"),
	}
	if o.Dictionary == DictionaryStrings {
		for _, c := range l.Columns {
			switch c.Type {
			case "string", "enum", "json":
				props = append(props, parquet.WithDictionaryFor(c.Name, true))
			}
		}
		if partitioned(l) {
			props = append(props, parquet.WithDictionaryFor("owner", true)) // the added owner column (withOwner)
		}
	}
	return parquet.NewWriterProperties(append(props, extra...)...)
}

// writeBatches moves every batch of rdr into fw, accumulating statistics
// and reporting progress. With Options.ReadAhead, rdr is read on a
// goroutine of its own (readAhead), so decoding the next batches overlaps
// encoding and compressing this one; rdr's visit callbacks and the
// statistics (stats.Add) then run on that goroutine, off the writer's
// path, and all of them have returned when writeBatches does.
func writeBatches(rdr array.RecordReader, fw *pqarrow.FileWriter, schema, fileSchema *arrow.Schema, plain []bool, owner *string, stats *scan.Stats, o Options, written *int64) error {
	cols := make([]arrow.Array, len(plain))
	ra := startReadAhead(rdr, o.ReadAhead, stats.Add)
	for {
		rec, ok := ra.next()
		if !ok {
			break
		}
		err := writeBatch(rec, fw, schema, fileSchema, plain, owner, cols)
		n := rec.NumRows()
		rec.Release()
		if err != nil {
			_ = ra.stop()
			return err
		}
		*written += n
		if o.Progress != nil {
			o.Progress(*written)
		}
		if err := o.fault(stepBatch); err != nil {
			_ = ra.stop()
			return err
		}
	}
	return ra.stop()
}

// writeBatch writes one batch of the provider's schema into fw.
func writeBatch(rec arrow.RecordBatch, fw *pqarrow.FileWriter, schema, fileSchema *arrow.Schema, plain []bool, owner *string, cols []arrow.Array) error {
	out := toParquet(schema, plain, rec, cols)
	if owner != nil {
		out = appendOwner(fileSchema, out, *owner)
	}
	err := fw.WriteBuffered(out)
	out.Release()
	if err != nil {
		return fmt.Errorf("write Parquet: %w", err)
	}
	return nil
}

// readAhead hands out the batches of a record reader, read up to n
// batches ahead by a goroutine of its own (n > 0), or read on the caller's
// goroutine when next is called (n < 0). Each batch is passed to fold on
// the goroutine that read it before it is handed out; an error from fold
// ends the reading like a reader error. Each batch is the caller's to
// release.
type readAhead struct {
	rdr  array.RecordReader
	fold func(arrow.RecordBatch) error
	ch   chan arrow.RecordBatch // nil: no goroutine
	quit chan struct{}
	done chan struct{}
	err  error // the reader's or fold's error; with a goroutine, set before it closes done
}

func startReadAhead(rdr array.RecordReader, n int, fold func(arrow.RecordBatch) error) *readAhead {
	ra := &readAhead{rdr: rdr, fold: fold}
	if n < 0 {
		return ra
	}
	// One batch waits in the goroutine's hands while the channel is full.
	ra.ch = make(chan arrow.RecordBatch, n-1)
	ra.quit = make(chan struct{})
	ra.done = make(chan struct{})
	go func() {
		defer close(ra.done)
		defer close(ra.ch)
		for {
			rec, err := ra.read()
			if rec == nil {
				ra.err = err
				return
			}
			select {
			case ra.ch <- rec:
			case <-ra.quit:
				rec.Release()
				return
			}
		}
	}()
	return ra
}

// read reads and folds the next batch, retained; nil at the end of the
// reader (with its error) or at fold's error.
func (ra *readAhead) read() (arrow.RecordBatch, error) {
	if !ra.rdr.Next() {
		return nil, ra.rdr.Err()
	}
	rec := ra.rdr.RecordBatch()
	if err := ra.fold(rec); err != nil {
		return nil, err
	}
	rec.Retain()
	return rec, nil
}

// next returns the next batch, or false at the end of the reader or at
// an error (which stop returns).
func (ra *readAhead) next() (arrow.RecordBatch, bool) {
	if ra.ch == nil {
		if ra.err != nil {
			return nil, false
		}
		rec, err := ra.read()
		ra.err = err
		return rec, rec != nil
	}
	rec, ok := <-ra.ch
	return rec, ok
}

// stop ends the reading, waits for the goroutine to return, releases the
// batches it read and nobody took, and returns the reader's or fold's
// error.
func (ra *readAhead) stop() error {
	if ra.ch == nil {
		return ra.err
	}
	close(ra.quit)
	<-ra.done
	for rec := range ra.ch {
		rec.Release()
	}
	return ra.err
}

// MetaType is the field metadata key that keeps a column's tablegen type
// in a Parquet file where the Arrow type alone does not say it: "json" for
// JSON columns, written as plain UTF-8 strings, and "duration" for
// duration columns, written as INT64 microseconds.
const MetaType = scan.MetaType

// parquetSchema is the Arrow schema written to Parquet: the provider's,
// except for two types pqarrow cannot round-trip. arrow.json extension
// columns become their utf8 storage: arrow-go writes them with Parquet's
// JSON logical type but cannot read that back, and every engine reads a
// UTF-8 column. duration[us] columns become int64 microseconds: pqarrow
// cannot write Arrow durations at all. Both are marked with MetaType;
// plain[i] marks the columns converted.
func parquetSchema(s *arrow.Schema) (*arrow.Schema, []bool) {
	fields := s.Fields()
	plain := make([]bool, len(fields))
	mark := func(i int, typ arrow.DataType, name string) {
		f := fields[i]
		keys := slices.Concat(f.Metadata.Keys(), []string{MetaType})
		vals := slices.Concat(f.Metadata.Values(), []string{name})
		fields[i] = arrow.Field{Name: f.Name, Type: typ, Nullable: f.Nullable, Metadata: arrow.NewMetadata(keys, vals)}
		plain[i] = true
	}
	for i, f := range fields {
		if tag, ok := f.Metadata.GetValue(scan.MetaTag); ok {
			fields[i].Metadata = arrow.NewMetadata(slices.Concat(f.Metadata.Keys(), []string{metaFieldID}), slices.Concat(f.Metadata.Values(), []string{tag}))
			f = fields[i]
		}
		if ext, ok := f.Type.(arrow.ExtensionType); ok && ext.ExtensionName() == "arrow.json" {
			mark(i, ext.StorageType(), "json")
		} else if ok && ext.ExtensionName() == "arrow.uuid" {
			// The scan package's arrow.uuid reports no Parquet logical type;
			// arrow-go's does, so the files say UUID.
			fields[i].Type = extensions.NewUUIDType()
			plain[i] = true
		} else if f.Type.ID() == arrow.DURATION {
			mark(i, arrow.PrimitiveTypes.Int64, "duration")
		}
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md), plain
}

// withOwner adds the owner column to the Parquet schema of an
// owner-partitioned table: the owner id as data, so an engine reading the
// files never depends on parsing the owner-dir=<...> directory, whose
// name is escaped, shortened for long ids, and which Hive readers turn
// into SQL NULL for the id "NULL" (the directory key differs from the
// column's name so that DuckDB does not let it shadow the column). It
// carries no tag, only MetaType "owner": the union scan reads it for the
// rows' scopes in multi-owner segments and ignores it elsewhere. A
// one-owner file of a table that declares its own owner column keeps that
// one instead; a multi-owner file then names the added column
// _tablegen_owner (parquetFile.add). An id that is not UTF-8 is written with
// U+FFFD for the invalid bytes (the exact id is in the footer as
// tablegen.owner_hex and in the manifest).
func withOwner(s *arrow.Schema, name string) *arrow.Schema {
	fields := append(s.Fields(), arrow.Field{Name: name, Type: arrow.BinaryTypes.String,
		Metadata: arrow.NewMetadata([]string{MetaType}, []string{"owner"})})
	md := s.Metadata()
	return arrow.NewSchema(fields, &md)
}

// appendOwner returns rec with the constant owner column added; it
// releases rec.
func appendOwner(schema *arrow.Schema, rec arrow.RecordBatch, owner string) arrow.RecordBatch {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	v := strings.ToValidUTF8(owner, "\ufffd")
	n := int(rec.NumRows())
	b.Reserve(n)
	b.ReserveData(n * len(v))
	for range n {
		b.Append(v)
	}
	col := b.NewArray()
	defer col.Release()
	out := array.NewRecordBatch(schema, append(rec.Columns(), col), rec.NumRows())
	rec.Release()
	return out
}

// ParquetForm converts a full-width record batch of a provider's schema
// into what a flush writes to Parquet (see parquetSchema), sharing its
// buffers; release the result. With WriterProperties it lets a program
// write rows exactly as a flush would.
func ParquetForm(rec arrow.RecordBatch) arrow.RecordBatch {
	schema, plain := parquetSchema(rec.Schema())
	return toParquet(schema, plain, rec, make([]arrow.Array, len(plain)))
}

// toParquet returns rec in the Parquet schema (see parquetSchema), sharing
// its buffers; cols is scratch of len(plain). Release the result.
func toParquet(schema *arrow.Schema, plain []bool, rec arrow.RecordBatch, cols []arrow.Array) arrow.RecordBatch {
	var owned []arrow.Array
	for i := range cols {
		cols[i] = rec.Column(i)
		if !plain[i] {
			continue
		}
		switch a := cols[i].(type) {
		case array.ExtensionArray:
			if ext, ok := schema.Field(i).Type.(arrow.ExtensionType); ok {
				cols[i] = array.NewExtensionArrayWithStorage(ext, a.Storage())
				owned = append(owned, cols[i])
			} else {
				cols[i] = a.Storage()
			}
		default:
			// duration[us] → int64 over the same buffers.
			d := array.NewData(arrow.PrimitiveTypes.Int64, a.Len(), a.Data().Buffers(), nil, a.NullN(), a.Data().Offset())
			cols[i] = array.MakeFromData(d)
			d.Release()
			owned = append(owned, cols[i])
		}
	}
	out := array.NewRecordBatch(schema, cols, rec.NumRows())
	for _, a := range owned {
		a.Release()
	}
	return out
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
