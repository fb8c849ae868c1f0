package reliability

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

// These tests flip bytes in the files Pebble keeps on disk (sstables, the
// write-ahead log, the MANIFEST) while the database is closed, reopen it and
// read everything. Row values carry no checksum of their own; what protects
// them on disk is Pebble's: every sstable block ends with a checksum checked
// when the block is read, and every WAL and MANIFEST record has a CRC.

// recordingLogger keeps Pebble's error messages instead of printing them
// (Pebble reports background corruption through the logger).
type recordingLogger struct {
	mu   sync.Mutex
	msgs []string
}

func (l *recordingLogger) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelError
}

func (l *recordingLogger) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}

func (l *recordingLogger) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *recordingLogger) WithGroup(string) slog.Handler      { return l }

// diskFixture writes batches 1..n of the crash workload into a new
// database, optionally flushes the memtable to an sstable, closes it and
// returns its files.
func diskFixture(t *testing.T, seed uint64, n int64, sync, flush bool) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(dir, &store.Options{NoSync: !sync})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(seed)
	for m.batch < n {
		b := db.NewBatch()
		addTo(b, ts, m.next(), m.batch)
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if flush {
		if err := rawpebble.DB(db).Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// diskOutcome is what reading a database with one flipped byte gave.
type diskOutcome int

const (
	diskDetected diskOutcome = iota // Open, NewTable, a read or Verify reported an error or problem
	diskIntact                      // every batch present and correct: the byte did not matter
	diskPrefix                      // batches 1..k for some k < n, nothing else: a lost tail, silently
	diskWrong                       // anything else: wrong data returned silently (a failure)
	numDiskOutcomes
)

var diskNames = [...]string{"detected", "intact", "lost tail", "WRONG"}

// readFlipped writes files to dir with byte pos of file name xor'ed by mask,
// opens the database and compares its content with the workload's model.
func readFlipped(t *testing.T, dir string, files map[string][]byte, name string, pos int, mask byte, seed uint64, n int64) (diskOutcome, string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, b := range files {
		if f == name {
			b = slices.Clone(b)
			b[pos] ^= mask
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := &recordingLogger{}
	db, err := store.Open(dir, &store.Options{NoSync: true, Logger: slog.New(log), MemTableSize: 1 << 20, CacheSize: 1 << 20})
	if err != nil {
		return diskDetected, "open: " + err.Error()
	}
	defer func() {
		// Close may report what the corruption did to background work; the
		// outcome is decided by the reads.
		_ = db.Close()
	}()
	ts, err := OpenTables(db)
	if err != nil {
		return diskDetected, "tables: " + err.Error()
	}
	got, err := readBatch(ts)
	if err != nil {
		return diskDetected, "progress: " + err.Error()
	}
	m := newModel(seed)
	if got > n || got < 0 {
		return diskWrong, fmt.Sprintf("progress says batch %d of %d", got, n)
	}
	m.advanceTo(got)
	r := checkState(ts, m)
	switch {
	case len(r.mismatches) > 0 && len(r.errors) == 0:
		return diskWrong, strings.Join(r.mismatches, "\n")
	case len(r.errors) > 0:
		// A read that failed also leaves rows missing from the comparison,
		// which is fine: the reader was told. A row read with different
		// values is wrong even then.
		for _, s := range r.mismatches {
			if !strings.Contains(s, "is missing") && !strings.Contains(s, "events in the database") {
				return diskWrong, strings.Join(append(r.errors, r.mismatches...), "\n")
			}
		}
		return diskDetected, r.errors[0]
	}
	if got < n {
		return diskPrefix, fmt.Sprintf("batches %d..%d lost", got+1, n)
	}
	return diskIntact, ""
}

// flipFiles flips sampled bytes of every file whose name matches and tallies
// the outcomes. A silently wrong read fails the test, and so does a lost
// tail unless mayLose allows it for that byte.
func flipFiles(t *testing.T, files map[string][]byte, match func(string) bool, samples int, seed uint64, n int64, mayLose func(pos, size int) bool) [numDiskOutcomes]int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0xD15C))
	scratch := filepath.Join(t.TempDir(), "db")
	var counts [numDiskOutcomes]int
	names := slices.Sorted(func(yield func(string) bool) {
		for f := range files {
			if match(f) && !yield(f) {
				return
			}
		}
	})
	if len(names) == 0 {
		t.Fatalf("no file to corrupt among %v", slices.Sorted(func(yield func(string) bool) {
			for f := range files {
				yield(f)
			}
		}))
	}
	for _, name := range names {
		size := len(files[name])
		positions := []int{0, size - 1}
		for range samples {
			positions = append(positions, rng.IntN(size))
		}
		for range samples / 4 { // the footer and trailers at the end
			positions = append(positions, size-1-rng.IntN(min(size, 128)))
		}
		for _, pos := range positions {
			mask := byte(1) << rng.IntN(8)
			o, detail := readFlipped(t, scratch, files, name, pos, mask, seed, n)
			counts[o]++
			switch {
			case o == diskWrong:
				t.Errorf("seed %d: %s byte %d of %d ^ %#x: wrong data read silently:\n%s", seed, name, pos, size, mask, detail)
			case o == diskPrefix && !mayLose(pos, size):
				t.Errorf("seed %d: %s byte %d of %d ^ %#x: %s silently", seed, name, pos, size, mask, detail)
			}
		}
	}
	return counts
}

func logCounts(t *testing.T, what string, counts [numDiskOutcomes]int) {
	t.Helper()
	var s []string
	for o, n := range counts {
		s = append(s, fmt.Sprintf("%s %d", diskNames[o], n))
	}
	t.Logf("%s: %s", what, strings.Join(s, ", "))
}

func diskSamples() int {
	if slow() {
		return 400
	}
	return 24
}

// TestSSTableFlips: with the data in sstables, every flipped byte is either
// caught by Pebble's block checksums (an error on open, on a read, or a
// Verify problem) or harmless; never silently different rows, never lost
// rows.
func TestSSTableFlips(t *testing.T) {
	seed := testSeed(t)
	const n = 150
	files := diskFixture(t, seed, n, false, true)
	counts := flipFiles(t, files, func(f string) bool { return strings.HasSuffix(f, ".sst") }, diskSamples(), seed, n, never)
	logCounts(t, "sstable flips", counts)
	if counts[diskDetected] == 0 {
		t.Errorf("no flip was detected: the test did not reach the data")
	}
}

// TestWALFlipsSync: with the data only in the write-ahead log, written with
// Sync=true, a flipped byte is reported as corruption when the log is
// replayed on Open, because later WAL chunks record how far the log had been
// synced. Pebble looks for such chunks only in the 32 KiB blocks after the
// damaged one, so damage in the log's last block looks like the torn tail of
// a crash: Pebble replays up to the damaged record and drops the rest
// silently, although those batches were acknowledged as durable. The same
// holds for the end of the previous block when the damaged record continues
// into the last one (a record is split into chunks at block boundaries). The
// test allows exactly that.
func TestWALFlipsSync(t *testing.T) {
	seed := testSeed(t)
	const n = 150
	files := diskFixture(t, seed, n, true, false)
	counts := flipFiles(t, files, isWAL(files), diskSamples(), seed, n, inLastWALBlock)
	logCounts(t, "WAL flips (Sync=true)", counts)
	if counts[diskDetected] == 0 {
		t.Errorf("no flip was detected: the test did not reach the data")
	}
}

// walBlockSize is the block size of Pebble's log format (record.blockSize).
const walBlockSize = 32 << 10

// maxFixtureBatch bounds the size of one batch's log record in the disk
// fixture (batches of a few rows, under 1 KiB on average), so a record that
// ends in the last block starts at most this far before it.
const maxFixtureBatch = 4 << 10

// inLastWALBlock reports whether a flip at pos can hit a record that reaches
// the log's last block: in that block, or in a record continuing into it.
func inLastWALBlock(pos, size int) bool {
	return pos >= (size-1)/walBlockSize*walBlockSize-maxFixtureBatch
}

func never(int, int) bool { return false }

// TestWALFlipsNoSync: written with Sync=false, the log records no synced
// offsets after the first records, so Pebble cannot tell a flipped byte from
// the torn tail of a crash: it replays the log up to the damaged record and
// silently drops the rest, although the database was closed cleanly. The
// batches before the damage are intact, none is partial, none out of order.
func TestWALFlipsNoSync(t *testing.T) {
	seed := testSeed(t)
	const n = 150
	files := diskFixture(t, seed, n, false, false)
	counts := flipFiles(t, files, isWAL(files), diskSamples(), seed, n, func(int, int) bool { return true })
	logCounts(t, "WAL flips (Sync=false)", counts)
	if counts[diskPrefix] == 0 {
		t.Errorf("no flip lost the log's tail; the documented Sync=false behaviour has changed, update the package documentation")
	}
}

func isWAL(files map[string][]byte) func(string) bool {
	return func(f string) bool { return strings.HasSuffix(f, ".log") && len(files[f]) > 0 }
}

// TestManifestFlips: a flipped byte in the MANIFEST is caught on open or
// harmless.
func TestManifestFlips(t *testing.T) {
	seed := testSeed(t)
	const n = 50
	files := diskFixture(t, seed, n, false, true)
	counts := flipFiles(t, files, func(f string) bool { return strings.HasPrefix(f, "MANIFEST-") }, diskSamples(), seed, n, never)
	logCounts(t, "MANIFEST flips", counts)
}
