// Package flush moves a table's hot rows out of Pebble into Parquet files
// that any engine reads, crash-safely, and reads them back together with
// the rows still hot. It is the Go counterpart of the reference design's
// FlushExecutor: one generic executor for every table, driven by the
// table's [scan.Provider] (schema-driven or generated row sources alike).
//
// # Files
//
// Hive style, under a root directory:
//
//	<root>/<namespace>/<table>/_manifest.json
//	<root>/<namespace>/<table>/part-<seq>.parquet                 system and shared tables
//	<root>/<namespace>/<table>/owner=<url.PathEscape(owner)>/part-<seq>.parquet   user and stream tables
//
// One flush writes one file per owner. Columns have the provider's Arrow
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
// which also yields the owner as a column. The manifest and keys files are
// not *.parquet, so globs skip them.
//
// # Crash safety
//
// A flush of one table (see [Executor.Flush]):
//
//  1. takes a Pebble snapshot and streams the rows, one owner at a time,
//     in record batches of Options.BatchSize rows (memory does not grow with
//     the table) into part-<seq>.parquet, recording the (key, value hash)
//     of every row in part-<seq>.keys; both are written to a temporary
//     name, fsynced, renamed, and their directory fsynced;
//  2. writes the manifest listing the new segments in state written (file,
//     rows, min/max key, per-column min/max and null counts, layout
//     fingerprint, creation time), the same way; then state deleting;
//  3. deletes, through [store.DB.DeleteUnchanged], each flushed hot row
//     whose current value still has the flushed hash, with its index
//     entries, under the store's commit mutex, and syncs the WAL;
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
// prove it with fault injection at every [Step] and with a child process
// killed by SIGKILL at random moments.
//
// # Reading
//
// [Executor.Scan] returns hot rows and flushed rows as one table through
// scan.Provider.ScanUnion: merged by key, newest version wins, the filter
// applied to the winning version; Parquet files are read with only the
// needed columns, and a file is skipped when its owner, key range or
// column statistics exclude the filter.
//
// # Limits
//
//   - Deleting a row that was already flushed does not delete its flushed
//     copy (there are no tombstones yet): a flushed row reappears from its
//     file once deleted hot. The same holds for a row deleted while a flush
//     that read it runs.
//   - For tables without secondary indexes, the store writes without its
//     commit mutex, so an update racing with step 3 on the same row can be
//     lost (see store.DB.DeleteUnchanged); flush such tables when their
//     flushed rows are not being updated (append-only and stream tables).
//   - One executor (one process) per root. Segments are never compacted.
//   - Owner directories rely on a case-sensitive file system.
package flush
