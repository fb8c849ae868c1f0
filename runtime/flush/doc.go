// Package flush moves a table's hot rows out of Pebble into Parquet files
// that any engine reads, crash-safely, and reads them back together with
// the rows still hot. It is the only package of the runtime that imports
// Parquet: the writer (executor.go), the reader behind scan.Segment
// (segment.go), the manifest (manifest.go) and the table directories,
// found by table id (dirs.go); runtime/scan keeps the merge of hot and
// cold rows, and the store the tombstones and cold markers. It is the Go counterpart of the reference design's
// FlushExecutor: one generic executor for every table, driven by the
// table's [scan.Provider] (schema-driven or generated row sources alike).
//
// # Files
//
// Hive style, under a root directory:
//
//	<root>/<namespace>/<table>/_manifest.json
//	<root>/<namespace>/<table>/part-<seq>.parquet                 every table (default)
//	<root>/<namespace>/<table>/owner-dir=<escaped owner>/part-<seq>.parquet   Options.PartitionByOwner
//
// A user or stream table's files are multi-owner by default: one file
// holds the rows of many owners, sorted by (owner scope, key) — the order
// of the hot row keys — with the owner id as a column and Parquet
// row-group statistics, and its manifest entry has no owner (Owner nil;
// MinKey and MaxKey span owner scope + key). A flush closes a file at the
// first owner boundary past Options.SegmentBytes (DefaultSegmentBytes,
// about: pages still buffered are not counted), so one owner's rows of a
// flush stay in one file. A union scan of one owner opens only the row
// groups whose owner statistics can hold it and skips the other owners'
// rows there; a point read loads the file whole, as for any segment. Options.PartitionByOwner writes one file per owner under
// an owner directory instead (a per-user export); a tree may hold both
// layouts, and the manifest says which segment is which. An owner id
// that is not valid UTF-8 always gets a one-owner file (a Parquet string
// column cannot hold it).
//
// The table directory is named when the table is first flushed and found
// by table id afterwards (every manifest records it), so a renamed table
// keeps its files. Columns are matched by tag (also written as the Parquet
// field id), so a renamed column keeps its values. The owner directory
// escapes '/', '%', '=', '+', '~', control and non-ASCII bytes; an owner
// whose name would pass 200 bytes, or that is not UTF-8, gets an escaped
// prefix plus '~' and a hash. The exact owner is in the manifest, the
// footer (tablegen.owner, or tablegen.owner_hex) and an owner column in
// the file (unless the table declares its own). The Hive key is
// owner-dir, not owner, so that DuckDB's hive_partitioning, which lets a
// directory's key shadow the file column of the same name, reads the
// owner column as the real id. Trees written by older versions
// (owner=<escaped owner>) are read, and recovery moves their files to
// owner-dir= directories (one Hive key per table; it leaves them where
// they are on a read-only root).
//
// Columns have the provider's Arrow
// types (timestamps are TIMESTAMP(MICROS, UTC), uuids FIXED_LEN_BYTE_ARRAY(16)
// with the UUID logical type, enums their names as strings), except two
// that pqarrow cannot round-trip: json columns are plain UTF-8 strings and
// durations INT64 microseconds, both marked in the field metadata
// ([MetaType]). Pages are ZSTD-compressed by default; the Arrow schema (with
// the column docs and tags) and the table, owner, seq and layout
// fingerprint are stored in the footer. DuckDB reads a whole table across owners with
//
//	SELECT * FROM read_parquet('<root>/chat/messages/**/*.parquet', hive_partitioning = true)
//
// whose owner column holds each row's owner id (the owner-dir column is
// the directory name). The manifest and keys files are
// not *.parquet, so globs skip them.
//
// # Crash safety
//
// A flush of one table (see [Executor.Flush]):
//
//  0. reserves one segment number per owner to flush, above every number
//     reserved before, as the table's cold marker in the database, and
//     takes a Pebble snapshot in the same step ([store.DB.FlushSnapshot];
//     see Deletes below for why);
//  1. streams the rows of the snapshot, one owner at a time,
//     in record batches of Options.BatchSize rows (memory does not grow with
//     the table) into part-<seq>.parquet, recording the (key, value hash)
//     of every row in part-<seq>.keys; both are written to a temporary
//     name, fsynced, renamed, and their directory fsynced;
//  2. writes the manifest listing the new segments in state written (file,
//     rows, min/max key, per-column min/max and null counts, layout
//     fingerprint, creation time), the same way; then state deleting;
//  3. moves, through the store (internal coldtier.DeleteUnchanged), each
//     flushed hot row whose current value still has the flushed hash to
//     the cold tier:
//     the hot row is deleted and a cold marker naming the segment is
//     written, while no writer of the store can commit (runs of adjacent
//     rows go as one range deletion); the row's index entries stay, so
//     the row remains a row of the typed API and its unique values stay
//     taken; then it syncs the WAL;
//  4. marks the segments done and removes the keys files.
//
// A row written or updated during the flush keeps its new value hot; its
// flushed copy is older, and readers take the newest (hot first, then the
// segment with the highest seq). A crash at any point leaves either files
// no manifest lists (removed by recovery; their rows are still hot) or
// listed segments not yet done (recovery redoes step 3 from the keys file
// and finishes step 4). So after [Executor.Recover] — which the executor
// runs before the first flush or scan of each table — every row is hot or
// in exactly one listed file, never both and never neither. The tests
// prove it with fault injection at every step of a flush and with a child process
// killed by SIGKILL at random moments.
//
// # Compaction
//
// Flushes write at least one file each time (one per owner with
// PartitionByOwner), so files stay small. [Executor.Compact] merges, per
// segment directory (the multi-owner segments are one; a scoped provider
// compacts only its owner's directory), the segments below a
// target size (CompactOptions.TargetBytes, DefaultCompactTarget) into
// files of at least that size, carrying over only the live rows (the
// row's cold marker names the segment, and the row is not past the TTL),
// sorted by key. Its crash order:
//
//  1. reserves one segment number (the table's cold marker, as a flush);
//  2. writes part-<seq>.parquet with the live rows and part-<seq>.keys
//     with each row's old segment (or that it is dropped as expired),
//     tmp + fsync + rename + directory fsync;
//  3. writes the manifest listing the new segment in state compacting,
//     with the segments it Replaces, which stay listed;
//  4. moves, through the store, every marker that still names an old
//     segment to the new one (deletes it for an expired row), under the
//     writer locks, so a row written or deleted meanwhile keeps its new
//     state; then syncs the WAL;
//  5. writes the manifest without the old segments, the new one done;
//  6. removes the old files and the keys file, and drops the tombstones
//     older than every segment left in the directory.
//
// A crash before 3 leaves unlisted files, removed by recovery (no marker
// moved); from 3 on, recovery redoes 4 from the keys file (idempotent: a
// moved marker no longer names an old segment) and finishes 5 and 6;
// after 5 the old files are unlisted and recovery removes them. Until 5
// both the old and the new segment are listed, so every marker names a
// listed segment at every step. Scans hold the table's file lock from
// their snapshot until their files are open and step 5–6 takes it
// exclusively, so a scan never loses a retired file; a typed read whose
// marker named a segment retired since re-reads the marker. Memory holds
// one merge's live rows (inputs under three times the target). A segment
// at or above the target is not rewritten, so its dead rows stay until
// it expires. [Executor.Expire] removes a stream table's
// segments wholly past the TTL the same way (markers first, then the
// manifest, then the files); Compact drops the expired rows of the rest.
//
// # Reading
//
// [Executor.Scan] returns hot rows and flushed rows as one table through
// scan.Provider.ScanUnion: merged by key, newest version wins, the filter
// applied to the winning version; Parquet files are read with only the
// needed columns, and a file is skipped when its owner, key range or
// column statistics exclude the filter.
//
// # One table, two tiers
//
// [New] attaches the executor to the DB as the store's reader of flushed
// rows (the store cannot read Parquet): typed reads that meet a cold
// marker ask it for the row, and it loads the marker's segment whole into
// sorted (key, row) pairs, cached across reads (coldread.go, 64 MiB LRU), so
// a point read opens one file once and a typed scan over a segment's rows
// costs a binary search each. The union scan keeps a flushed version only
// when the key's marker names its segment; a deleted or rewritten row's
// older versions are dead without any tombstone.
//
// # Deletes (tombstone era)
//
// The text below describes the tombstones the store still writes; reads now
// decide by the cold markers instead (see above).
//
// Deleting a row from the store after its flush must not let its flushed
// copy reappear. Once a table has a cold marker (step 0 of its first
// flush), every deletion through the store (Delete, DeleteIn, any Batch)
// also writes a tombstone, in the same Pebble batch, under keyspace 0x04:
//
//	0x04 + BE uint32 table id + scope + key tuple → BE uint64 seq
//
// whose seq is the table's cold marker at that moment. A union read drops
// a flushed version of a key when the snapshot holds a tombstone for the
// key with seq >= the version's segment number. Because step 0 numbers a
// flush's segments above the old marker and takes the snapshot while no
// write commits, a deletion before the snapshot has a seq below every new
// segment (so a row put back before the flush, which the flush then
// writes, stays visible) and a deletion after it has a seq at least that
// of every new segment (the flushed copy is the deleted version, and it
// stays hidden). Puts never touch tombstones: a hot row always wins, and
// once flushed it lands in a newer segment than any tombstone before it.
// Tombstones are honoured the same way by every read of the union,
// whichever segments pruning skipped (tombstones only hide rows of the
// segments read). Recovery raises the marker to the manifest's last
// segment number before anything else, so a database restored from a
// backup older than its files still hides what it deletes, and a row
// deleted while a crashed flush waits for recovery is simply not found
// again by the redone deletion.
//
// Compaction drops, per directory, every tombstone whose seq is below the
// smallest segment number left there: it hides nothing any more. Until a
// table is compacted, it costs one extra key per deletion, including
// deletions of rows that were never flushed.
//
// # Concurrency with writers
//
// Step 3 must not lose a write racing with it. Writers to tables with
// indexes take the store's commit mutex; writers to tables without indexes
// take the store's plain-writer lock for reading (an RWMutex: they do not
// exclude each other); DeleteUnchanged and FlushSnapshot take both
// exclusively. Measured on this 2-core machine, single puts into a table
// without indexes cost the same within noise (see runtime/store's
// BenchmarkInsertSingle).
//
// # Writer settings and their cost
//
// The defaults were chosen by BenchmarkFlush (20 columns, 100 000 rows,
// same run as the raw scan + pqarrow baseline, which writes with the same
// settings; -dict, -zstd and -rowgroup pick others):
//
//   - Dictionary encoding only for string, enum and json columns
//     (DictionaryStrings). Encoding every column (Parquet's default,
//     DictionaryAll) builds a hash table per numeric column that falls
//     back to plain pages anyway: it made the flush about 2× slower, the
//     peak heap about 100 MiB larger and the file 1.9× larger.
//   - ZSTD level 1 (DefaultZstdLevel): faster than level 3, and on this
//     data no larger. Higher levels only pay for cold data read often.
//   - 64 Ki-row groups. At 100 000 rows, smaller groups saved little
//     memory, since a file that size is one or two groups; at 1M rows of
//     the bench table (bench/cmd/instr -timed -mode flush, peak heap from
//     the GC trace) 128 Ki-row groups peaked at about 170 MiB of heap and
//     64 Ki at about 120 MiB (32 Ki: 90), at the same speed, for files 2%
//     larger (32 Ki: 3%).
//   - The snapshot is decoded on a goroutine of its own, up to ReadAhead
//     batches ahead of the Parquet writer, so the two overlap on two
//     cores: at 1M rows the flush took about 0.8 of its time without
//     (its CPU time is the same).
//   - A pool that reuses the Arrow builders' and the writer's buffers from
//     batch to batch (about 20 MiB less peak RSS).
//
// The figures are in the package's benchmark output and the issue report;
// the flush still costs about twice the baseline, because the baseline's
// rows are prebuilt Arrow batches while a flush decodes every stored row
// into Arrow (schema-driven for `tablegen flush`, generated code for a
// program's own tables, about 12% faster) and deletes the hot copies.
//
// # Limits
//
//   - Expiry of stream tables (store.Table.Expire) range-deletes the hot
//     rows and the cold markers of flushed rows past the TTL, so no read
//     returns them; their bytes stay in the files until Executor.Expire
//     (whole segments) or Compact (rows) removes them. The per-owner cap
//     counts hot rows only.
//   - Segments flushed before cold markers existed have no markers: their
//     rows are not read by this version (no migration yet).
//   - One executor (one process) per root. Compaction runs when called
//     (Compact, `tablegen compact`, the Flight compact action), not in the
//     background.
//   - Owner directories rely on a case-sensitive file system.
package flush
