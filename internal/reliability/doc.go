// Package reliability holds tablegen's reliability suites for the runtime —
// kill -9 crash tests, corruption tests, fuzzing of stored values — and the
// two things they share with the soak and leak tests in runtime/store:
// hand-written fixture tables over keyenc and rowenc (three tables with a
// unique, a composite, a covering composite, a unique sparse and a
// non-unique sparse index, and one table without indexes; see
// [OpenTables]), so no suite depends on the
// generator, and [OpenDB], a test database that fails the test when an
// iterator or snapshot is leaked.
//
// # Running
//
//	go test ./internal/reliability/             crash tests (5 kills per durability mode), corruption, disk flips
//	go test -race ./runtime/store/              includes the 3 s soak and the leak test (make test does this)
//	make test-slow                              TABLEGEN_SLOW=1, tests matching Slow|Crash|Soak: 50 kills per mode, a 60 s soak
//	TABLEGEN_SLOW=1 go test ./internal/reliability/   also every metadata byte and 400 flips per Pebble file
//	go test -run '^$' -fuzz FuzzRowDecode ./internal/reliability/
//
// Randomized tests log their seed; TABLEGEN_SEED=<seed> replays one.
// TABLEGEN_SOAK=<duration> sets the soak's length.
//
// # Durability
//
// This section is meant for the README.
//
// Every Put, Delete and Batch.Commit is atomic: after a crash, either all
// of its rows and index entries are there or none is. Commits are also
// ordered: what survives a crash is always a prefix of the commits in the
// order they returned — if a commit survived, every commit that returned
// before it survived too. What else is promised depends on Options.NoSync:
//
//   - Synced (the default, NoSync false). Commit returns only after Pebble's
//     write-ahead log is fsynced, so an acknowledged commit survives a crash
//     of the process and of the machine. After a crash, the commits that
//     were in flight (not yet acknowledged) may be present or not.
//   - NoSync: true. Commit returns once the batch is in the memtable and
//     queued for the write-ahead log. Pebble keeps the log's current 32 KiB
//     block in the process's memory and hands it to the operating system
//     when the block fills or a sync is requested, so a crash of the
//     process loses the most recent commits whose log records had not been
//     handed over — up to about 32 KiB of log records (one slow crash run
//     lost 109 of 11,764 acknowledged batches over 50 kills, at most 15 in
//     one) — and a crash of the machine loses every commit since the log
//     was last fsynced. The log is fsynced
//     by any commit with Sync (for example a Batch with SetSync(true), or
//     NewTable recording a new table), when Pebble switches to a new log
//     file (memtable rotation) and on Close. So a synced commit makes every
//     commit before it durable, and a clean Close loses nothing.
//
// In both modes a lost commit is lost whole: no crash leaves part of a batch,
// an index entry without its row or a row without its index entries, and
// Table.Verify finds every index consistent after recovery.
//
// The crash tests check exactly this. A child process (the test binary
// re-executed with TABLEGEN_CRASH_CHILD=1) commits numbered batches of
// puts, updates and deletes over the fixture tables — every row written
// carries its batch number, and a progress row records the last batch — and
// prints each batch number after Commit returns. The parent kills it with
// SIGKILL at a random moment (a quarter of the kills land before the first
// acknowledgement, often during Open and WAL recovery), reopens the
// database, reads the last batch n from the progress row and checks that
// the content is exactly that of a deterministic model after batches 1..n
// (nothing of n+1 visible, nothing missing), that Verify reports nothing,
// and that n is at least the last acknowledged batch (synced, the default) or the
// last acknowledged synced batch (NoSync: true, where every 16th batch is
// synced). All kills of a run share one directory, so each child also
// recovers from the previous kill. A power failure is not simulated: the
// synced machine-crash guarantee rests on Pebble's fsync of the log.
//
// # Corruption
//
// Rows are protobuf wire format without a checksum of their own (neither
// per value nor per row). What that means, measured by TestCorruptRowValues
// over every byte of every fixture row, one bit and all bits flipped (726
// cases):
//
//   - 23% no longer decode. Every path that decodes (Get, Scan, IndexScan,
//     GetUnique, and Put and Delete, which must read the old row to update
//     its index entries) returns a *store.CorruptError naming the table and
//     key, the scans go on with the next row, and Verify reports a corrupt
//     row. Has and Count do not decode and do not notice.
//   - 17% decode with different key columns and 46% with different indexed
//     values: Get and Scan return the changed row as it is stored, index
//     reads through the old entries return a CorruptError (the store
//     re-checks each row's values against the entry), and Verify reports
//     the row.
//   - 14% change only columns that are neither key nor indexed (a payload
//     byte, a string's letter): nothing can notice, and reads return the
//     changed value.
//
// That is acceptable because such a flip cannot come from the disk: Pebble
// checksums every sstable block and every log record and checks the sum
// when it reads them. TestSSTableFlips flips bytes in the sstable files of a
// closed database: every flip is reported (on Open, on a read, or by
// Verify) — 502 of 502 in a TABLEGEN_SLOW run — and none has returned
// different data. A byte changed in memory, or
// written to the raw Pebble database, is out of scope; a per-row checksum would
// cost 4-8 bytes and a hash per row and is not worth it for that.
//
// The write-ahead log is weaker, by Pebble's design (TestWALFlipsSync,
// TestWALFlipsNoSync): on replay Pebble cannot always tell a damaged record
// from the torn last write of a crash, and for a torn write it replays up to
// the damaged record and silently drops the rest. With synced commits every log
// chunk records how far the log had been synced, so damage is reported as
// corruption on Open — except in the log's last 32 KiB block (and a record
// that continues into it from the block before), where Pebble
// finds no later chunk to prove the damaged one was synced and drops the
// batches from there on, acknowledged or not. With NoSync: true the chunks
// record no sync progress and a flipped byte anywhere in the log drops
// everything after it, silently, even after a clean Close. What is dropped
// is always a suffix of whole batches. The MANIFEST is protected by record
// checksums like the log; every flip in it was reported or harmless.
//
// The metadata keyspace holds each table's layout as JSON with its
// fingerprint. NewTable refuses, as a *store.MetadataError naming the table,
// a record that does not parse, whose layout no longer matches its
// fingerprint, that names another table id, or that is missing while the
// table has rows. A flip it cannot see (the letter case of a JSON key) does
// not change the layout that is read back, and TestCorruptMetadata checks
// that every row reads back unchanged whenever NewTable accepts.
package reliability
