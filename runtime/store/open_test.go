package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"go.uber.org/goleak"
)

// TestOpenKeepsBlocksCachedBesideFullMemtables fills the memtables while a
// table's blocks are being read: the blocks must stay cached. Pebble charges
// its memtables against the block cache, so a cache of CacheSize alone would
// be taken over by two 1 MiB memtables and every read would miss.
func TestOpenKeepsBlocksCachedBesideFullMemtables(t *testing.T) {
	db, _ := openDB(t, &Options{CacheSize: 1 << 20, MemTableSize: 1 << 20})
	hot := newJobs(t, db, 1, false)
	cold := newJobs(t, db, 2, false)
	for i := range 500 {
		if err := hot.Put(&job{Group: "g", Seq: int64(i), Name: strings.Repeat("h", 100)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.pdb.Flush(); err != nil {
		t.Fatal(err)
	}
	// About 3 MiB through 1 MiB memtables: one live, one recycled.
	for i := range 3000 {
		if err := cold.Put(&job{Group: "g", Seq: int64(i), Note: strings.Repeat("c", 1000)}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() {
		for i := range 500 {
			if _, err := hot.Get(jobKey{"g", int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	read() // loads the blocks
	before := db.pdb.Metrics().BlockCache
	read()
	after := db.pdb.Metrics().BlockCache
	hits, misses := after.Hits-before.Hits, after.Misses-before.Misses
	if hits == 0 || misses*10 > hits {
		t.Errorf("second pass over %d rows read from sstables: %d block cache hits, %d misses; want (almost) only hits", 500, hits, misses)
	}
}

// TestFailedOpenLeaksNoGoroutine opens a database whose MANIFEST is garbage,
// five times: each Open fails, and none may leave a goroutine behind (Pebble
// does not stop its disk-health checker when its Open fails, so Open must).
func TestFailedOpenLeaksNoGoroutine(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	db, dir := openDB(t, &Options{NoSync: true})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	manifests, err := filepath.Glob(filepath.Join(dir, "MANIFEST-*"))
	if err != nil || len(manifests) == 0 {
		t.Fatalf("no MANIFEST in %s (%v)", dir, err)
	}
	for _, m := range manifests {
		if err := os.WriteFile(m, []byte(strings.Repeat("garbage ", 100)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		db, err := Open(dir, &Options{NoSync: true})
		if err == nil {
			_ = db.Close()
			t.Fatalf("open %d of a database with a garbage MANIFEST succeeded", i+1)
		}
	}
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("failed opens left goroutines behind: %v", err)
	}
}

// TestNewDatabaseLogDetectsDamage damages the write-ahead log of a database
// created by Open and written with Sync: true, away from the log's last
// block: reopening must report corruption. Pebble writes a new database's
// first log without sync offsets, and replaying such a log drops everything
// from a damaged record on as if it were a torn write, silently; Open
// therefore starts a new database on a log in the newest format.
func TestNewDatabaseLogDetectsDamage(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	tbl := newJobs(t, db, 1, false)
	for i := range 300 { // about 300 KiB of log: ten 32 KiB blocks
		if err := tbl.Put(&job{Group: "g", Seq: int64(i), Note: strings.Repeat("n", 1000)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	// Damage the log holding the most records (the first one written to:
	// Pebble's memtables start small, so a second log holds the rest).
	var wal string
	var data []byte
	for _, l := range logs {
		if b, err := os.ReadFile(l); err == nil && len(b) > len(data) {
			wal, data = l, b
		}
	}
	const blockSize = 32 << 10 // Pebble's log block size
	if len(data) < 4*blockSize {
		t.Fatalf("largest log %q holds %d bytes; want several 32 KiB blocks", wal, len(data))
	}
	data[blockSize+blockSize/2] ^= 0x10 // inside a record of the second block
	if err := os.WriteFile(wal, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, &Options{NoSync: true})
	if err != nil {
		return // reported on replay, as it must be
	}
	defer db.Close()
	tbl, err = NewTable(db, jobSpec(1, false))
	if err != nil {
		t.Fatalf("reopen reported no corruption, then NewTable: %v", err)
	}
	n, err := tbl.Count(Range{})
	t.Errorf("a damaged record in the log's second block was not reported; %d of 300 rows are left (%v)", n, err)
}

// TestOpenRefusesCacheOverflow: the cache Open sizes from CacheSize and
// MemTableSize must fit an int64; a MemTableSize that overflows it is
// refused by name instead of wrapping around to a tiny cache.
func TestOpenRefusesCacheOverflow(t *testing.T) {
	_, err := Open(t.TempDir(), &Options{MemTableSize: 1 << 62})
	if err == nil || !strings.Contains(err.Error(), "MemTableSize") {
		t.Fatalf("Open with MemTableSize 1<<62 = %v, want an error naming MemTableSize", err)
	}
}

// TestMustExistAndReadOnly: tools that only look at a database never create
// one at a mistyped path, and a read-only open refuses writes and leaves the
// directory unchanged.
func TestMustExistAndReadOnly(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []*Options{{MustExist: true}, {ReadOnly: true}} {
		if db, err := Open(dir, o); err == nil {
			db.Close()
			t.Fatalf("Open(%+v) of an empty directory succeeded; want an error", *o)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("refused opens left %d entries (%v) in the directory", len(entries), err)
	}
	db, err := Open(dir, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.pdb.Set([]byte("k"), []byte("v"), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(dir, &Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of an existing database: %v", err)
	}
	defer ro.Close()
	v, closer, err := ro.pdb.Get([]byte("k"))
	if err != nil || string(v) != "v" {
		t.Fatalf("read-only Get = %q, %v; want v", v, err)
	}
	closer.Close()
	if err := ro.pdb.Set([]byte("k2"), nil, nil); err == nil {
		t.Fatal("a write to a read-only database succeeded")
	}
}

// TestZeroOptionsAreTheDefaults: nil options and a zero Options open the
// database the same way, and both sync every commit (durable by default);
// only NoSync turns the fsync off.
func TestZeroOptionsAreTheDefaults(t *testing.T) {
	open := func(o *Options) *DB {
		db, err := Open(t.TempDir(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	nilDB, zeroDB, noSyncDB := open(nil), open(&Options{}), open(&Options{NoSync: true})
	if nilDB.writeOpts != pebble.Sync || zeroDB.writeOpts != pebble.Sync {
		t.Errorf("nil options sync %t, zero options sync %t; both must sync", nilDB.writeOpts.Sync, zeroDB.writeOpts.Sync)
	}
	if noSyncDB.writeOpts != pebble.NoSync {
		t.Error("NoSync: true still syncs every commit")
	}
	if nilDB.upgrade.batchSize != zeroDB.upgrade.batchSize {
		t.Errorf("backfill batch size: nil options %d, zero options %d", nilDB.upgrade.batchSize, zeroDB.upgrade.batchSize)
	}
}
