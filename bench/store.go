package bench

import (
	"errors"

	"github.com/tablegen/tablegen/runtime/store"
)

// Store is the common face of the five implementations, just wide enough for
// the workloads of issue 10. An interface is justified here: there are five
// implementations and one harness.
type Store interface {
	// Load inserts or replaces rows, maintaining the index on Category,
	// in atomic batches of BatchSize rows where the library has batches.
	Load(rows []Row) error
	// Settle makes the loaded rows live in the engine's on-disk tables
	// rather than only in its memtable, so reads measure what a long-running
	// service sees (Pebble: flush; Badger: close and reopen, its only flush).
	Settle() error
	// Get returns the row with the id, or an error wrapping ErrNotFound.
	Get(id int64) (Row, error)
	// ByCategory appends the rows whose Category equals category to dst,
	// read through the secondary index.
	ByCategory(category string, dst []Row) ([]Row, error)
	// First appends the first n rows in key order to dst (a scan with a
	// limit).
	First(n int, dst []Row) ([]Row, error)
	// ScanAll calls fn with every row in key order; the *Row is only valid
	// during the call.
	ScanAll(fn func(*Row) error) error
	// SumScore reads only the Score column of every row (a projection) and
	// returns the sum in key order, or ErrNoProjection when the library
	// cannot read one column without decoding the whole row.
	SumScore() (float64, error)
	// Close releases the database.
	Close() error
}

// BatchSize is the number of rows per atomic batch in Load.
const BatchSize = 1000

// ErrNotFound is wrapped by Get when no row has the id.
var ErrNotFound = errors.New("bench: row not found")

// ErrNoProjection is returned by SumScore of a library that has no way to
// read a single column.
var ErrNoProjection = errors.New("bench: this library cannot project a single column; the workload is reported as n/a")

// Impl names one implementation and opens it on a directory.
type Impl struct {
	Name string
	Open func(dir string) (Store, error)
}

// Impls are the implementations under benchmark, tablegen first: the report
// states every ratio relative to it.
var Impls = []Impl{
	{Name: "tablegen", Open: OpenTablegen},
	{Name: "covering", Open: OpenCovering},
	{Name: "raw", Open: OpenRaw},
	{Name: "badgerhold", Open: OpenBadgerhold},
	{Name: "json", Open: OpenJSON},
}

// openPebble opens the Pebble database of the Pebble-based implementations
// through store.Open, so all three run on exactly the same engine
// configuration (block cache, memtable size, format version). Commits do not
// fsync (Sync false), as Badger's default does not either: the benchmarks
// measure the libraries, not the disk's fsync latency.
func openPebble(dir string) (*store.DB, error) {
	return store.Open(dir, &store.Options{NoSync: true})
}

// OpenDB opens the Pebble-backed store.DB every Pebble implementation here
// uses (same options), for tools that drive a generated store directly.
func OpenDB(dir string) (*store.DB, error) { return openPebble(dir) }
