// Package store is the generic typed store that generated tables run on: one
// Pebble database holds every table, each row and each secondary-index entry
// under its own keyspace, and a typed [Table] turns Go values into keys and
// rows through the codec functions of a [Spec].
//
// # Keyspace
//
// The on-disk layout is binding (see DESIGN.md); every key starts with a
// keyspace byte:
//
//	0x01 meta:  0x01 + BE uint32 table id                      → JSON of the table's Layout and fingerprint
//	0x02 rows:  0x02 + BE uint32 table id + scope + key tuple  → row (protobuf wire format)
//	0x03 index: 0x03 + BE uint32 table id + BE uint32 index id + scope + index values [+ key tuple] → scope + key tuple
//	            (covering: → uvarint(len(scope + key tuple)) + scope + key tuple + row)
//	0x04 tomb:  0x04 + BE uint32 table id + scope + key tuple  → the cold marker when the row was deleted
//	0x05 cold:  0x05 + BE uint32 table id + scope + key tuple  → BE uint64 segment seq of the flushed row
//
// A flushed row stays a row of its table. When runtime/flush moves a row to
// a Parquet segment, deleteUnchanged deletes the hot row and writes a
// cold marker (0x05) naming the segment, in one batch, and keeps the row's
// index entries. Every typed read (Get, Has, Count, Scan, index scans,
// GetUnique, ScanAllOwners, Owners, transactions) merges hot rows and
// markers as one key order and reads a cold row's bytes through the reader
// the flush executor attaches to the DB; Put over a cold row writes it hot
// and deletes the marker, Delete deletes row, marker and index entries; a
// unique value of a cold row is refused to another row as for a hot one.
// The marker is the one rule of cold liveness, which the provider's union
// scan (runtime/scan) applies too. See cold.go for why markers.
//
// Tombstones are still written for tables that have flushed rows to Parquet
// (a delete records that the key's flushed copies, in segments numbered up
// to the marker, are deleted too), but no read consults them any more: the
// cold markers decide. They are kept for databases and tools of the
// tombstone era; a compaction of a table's segments (runtime/flush) drops
// those older than every segment it leaves. See [DB.FlushSnapshot].
//
// A unique index entry's key is the index values alone; a non-unique entry's
// key is the index values followed by the row's key tuple, so every entry is
// one Pebble key and nothing grows. The value of both kinds of entry is the
// row's key without its table prefix (scope + key tuple): a reader, and
// [Table.Verify], can find the row from the entry without knowing where the
// index values end. An entry of a covering index (layout.Index.Covering,
// non-unique only) holds that ref after its length and then the row's
// bytes, so its scans read no row keyspace; see covering.go.
//
// User and stream tables are owner-scoped: their scope is the encoded owner,
// keyenc.AppendString(nil, owner) (see [OwnerScope] and [Table.WithScope]),
// so each owner's rows and index entries form one contiguous range that no
// other owner's range overlaps, and a unique index is unique per owner.
// System and shared tables have an empty scope. Reading across owners is
// explicit: [Table.ScanAllOwners] and [Table.Owners].
//
// # Consistency
//
// Every Put, Delete and [Batch] writes a row and all its index entries in one
// Pebble batch, so they become visible together or not at all. Writes to
// tables that have indexes go through one commit path per [DB], serialized
// by a mutex. Under the mutex a commit reads everything it needs (the old
// rows, to find the entries to remove, and the unique entries of the new
// values) in one sorted forward pass of a single Pebble iterator, applies
// the operations in order to a plain Pebble batch, each seeing the writes of
// those before it, and commits that batch. That is why two goroutines
// inserting the same unique value can never both succeed: the second one
// reads after the first has committed and sees its entry. Writes to tables
// without indexes need no read: they skip the mutex and take only a shared
// lock, which a flush's conditional delete of hot rows takes exclusively so
// that no update can slip between its check and its delete.
//
// Scans read from one consistent snapshot: a primary scan uses one Pebble
// iterator, an index scan a Pebble snapshot from which it reads both the
// entries and the rows they point to, so a concurrent writer can never make
// an index scan return a row that does not match the index.
//
// # Transactions
//
// [DB.Update] runs a function in a read-write transaction and [DB.View] in
// a read-only one; tables are bound to the transaction with [Table.In]
// (generated stores wrap it as In(tx), so every generated method, owner
// scoping through For and WithScope included, works inside one). Reads in
// a transaction (Get, Has, GetUnique, Scan, IndexScan, Count, the
// cross-owner reads) see one state of the database plus the transaction's
// own writes; the commit is atomic across tables and owners, with index
// maintenance and unique checks exactly as for a [Batch]; a returned
// error, a panic (re-raised after discarding, as database/sql and bbolt
// do) or a done context writes nothing. [Table.Create] (insert-only,
// [ErrExists]) and [Table.Update] (read, change in place, write back) are
// one-row transactions for the common cases.
//
// The design is bbolt's single writer, not Badger's optimistic
// validation. Update holds the writer lock (the commit mutex above) from
// before its function runs until it has committed, and the plain-writer
// lock exclusively from the first time it touches a table without
// indexes; every other commit takes one of those locks (indexed writes,
// Batch.Commit, DeleteUnchanged, the cold marker, Expire's deletions under
// the writer lock; plain writes under the plain-writer lock). So while the
// function runs nothing else commits to anything it can have read, and the
// transaction reads and writes through a Pebble indexed batch over the
// latest state, which is its snapshot. Each write is applied to that batch
// at once by the code Batch.Commit runs, so later reads in the transaction
// see it, index entries included; a write refused by a unique index
// leaves the transaction as it was. An index scan in a transaction reads
// its entries and rows through two iterators opened together, so writes
// the function makes while ranging over it (moving rows out of the
// scanned index value) are not seen by that scan and never make it yield
// a row that does not match its entry.
//
// The outcome is serializable (strictly: transactions and writes run one
// at a time in one order, each seeing everything committed before it).
// Nothing conflicts, so there is no ErrConflict and no retry policy: a
// writer waits for the lock instead (an Update's wait ends with its
// context). A View takes a Pebble snapshot and no lock: it never waits for
// writers and never delays them. Flush and expiry are writers like any
// other: a DeleteUnchanged or Expire issued while a transaction is open
// waits for it, then sees what it wrote (a row the transaction changed no
// longer hashes to its flushed version and stays; a rewritten expired row
// is expired), so nothing a transaction read is deleted under it and
// nothing deleted comes back. A transaction reads the hot rows only:
// rows already flushed to Parquet are not part of its view.
//
// Why a single writer: commits to indexed tables already run one at a
// time under the commit mutex, because they read old rows and unique
// entries before they write. An optimistic design would keep that serial
// section and add to it the validation of every key and range the
// transaction read; only the function itself would run in parallel, at
// the price of read tracking, ErrConflict and retries of functions that
// may have side effects. BenchmarkTxContention bounds what that could
// gain: blind Puts of the same rows from as many goroutines (the commit
// path alone, which every design shares) committed 3 to 6 times as many
// rows per second as single-writer Updates on disjoint rows (2 and 8
// goroutines on two heavily shared cores, where a lock holder that loses
// its core stalls every waiter), so optimism could win up to that much on
// disjoint rows; on one shared row it would retry nearly every
// transaction, where the single writer commits every one (about 50,000
// commits/s, no retries, same as on disjoint rows within the noise). The
// single writer was chosen for that worst case, for having no conflicts
// and no re-run functions to explain, and because it adds no rule to the
// commit path; if disjoint-row throughput matters more later, validation
// can be added behind the same API (Update re-running fn), and the
// measurement says how much there is to win. Uncontended, an Update that
// reads and writes one row cost 1.3 times a Get and a Put of an indexed
// table (BenchmarkTxReadWrite), and a View of ten reads the same as ten
// Gets (BenchmarkTxView).
//
// The costs of the lock: a long function delays every writer; fn must not
// write to the DB outside its transaction (that waits for the lock it
// holds, forever, as a nested bbolt Update does); and with Options.Sync
// the fsync happens under the lock, so Updates do not share fsyncs (writes
// to indexed tables did not before either). A transaction's writes are
// held in memory until it commits.
//
// # Upgrades on open
//
// [NewTable] records a table's [layout.Table] (with its fingerprint) under the
// table's metadata key the first time it is registered, and compares it on
// every later open. When the declared layout differs and every difference is
// safe by [layout.Diff] (a new or retired column, a widened type,
// appended enum values, a rename, a new or dropped index), NewTable upgrades
// the table before it returns: one synced batch records the new layout and
// range-deletes the keyspace of dropped indexes, then new indexes are
// backfilled from the rows, Options.BackfillBatchSize rows per batch, each
// batch recording how far it got, so a crash mid-backfill is resumed by the
// next open and an index is never served incomplete. Any unsafe difference
// (a changed key, an incompatible column type, nullable to required, edited
// enum values, an index redefined under its id) makes NewTable return a
// *[LayoutMismatchError] naming each change's rule, having written nothing.
// A layout record that is damaged (it does not parse, or its layout no
// longer hashes to its fingerprint) or missing while the table has rows is
// not a layout change: NewTable returns a *[MetadataError] and writes
// nothing. See upgrade.go for the steps and their crash safety.
//
// # Durability
//
// Commits are atomic (a crash leaves all of a Put, Delete or Batch, rows and
// index entries, or none of it) and ordered: what survives a crash is a
// prefix of the commits in the order they returned. Beyond that:
//
//   - By default (Options.NoSync false): a commit returns after Pebble's
//     write-ahead log is fsynced, so an acknowledged commit survives a crash
//     of the process and of the machine.
//   - Options.NoSync true: a commit returns once it is in the memtable and
//     queued for the log. A process crash can lose the latest commits whose
//     log records were still in Pebble's 32 KiB log buffer, a machine crash
//     every commit since the last fsync. The log is fsynced by any synced
//     commit ([Batch.SetSync], NewTable recording a layout, [Mark.Save]), on
//     memtable rotation and on Close: a synced commit makes every commit
//     before it durable, and a clean Close loses nothing.
//
// Pebble checksums every sstable block and log record, so damage on disk is
// reported as an error rather than returned as different data, with one
// exception in the log: on replay Pebble cannot always tell a damaged record
// from the torn tail of a crash, and then drops the damaged record and every
// one after it. Logs written with Sync true record how far they were synced,
// which turns such damage into an error on Open except in the log's last
// 32 KiB block. (Open flushes a database it has just created, because
// Pebble writes a new database's first log without those sync offsets.)
// Rows carry no checksum of their own; [Table.Verify] finds rows that do
// not decode or disagree with their index entries. internal/reliability
// holds the crash, corruption and disk-flip tests behind these statements.
package store
