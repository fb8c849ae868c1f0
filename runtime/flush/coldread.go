package flush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/apache/arrow-go/v18/arrow/array"
	"os"
	"sort"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// coldCacheBytes bounds the rows the cold reader keeps decoded in memory
// (keys + row encodings), across segments.
const coldCacheBytes = 64 << 20

// coldReader serves the store's reads of flushed rows (Get, Has, Scan,
// index scans, unique lookups, writes over a cold row): the store's cold
// marker names the segment (runtime/store's cold.go), so one file is read.
// A segment is loaded whole, once, into sorted (key, row) pairs and kept in
// an LRU bounded by coldCacheBytes: point reads after the first are a
// binary search, and a typed scan over many cold rows of one segment does
// not reopen it per row. Segments are immutable and their numbers never
// reused, so a cached segment is never stale; a marker removed or moved
// simply stops pointing at it.
type coldReader struct {
	e *Executor

	mu    sync.Mutex
	segs  map[coldSeg]*coldRows
	lru   []coldSeg // least recently used first
	bytes int
}

type coldSeg struct {
	table uint32
	seq   uint64
}

// coldRows is one loaded segment.
type coldRows struct {
	once sync.Once
	keys [][]byte
	vals [][]byte
	size int
	err  error
}

func newColdReader(e *Executor) *coldReader {
	return &coldReader{e: e, segs: map[coldSeg]*coldRows{}}
}

// Scan is the union scan (Executor.Scan) that the scan package runs when
// a Provider.Scan meets a flushed table.
func (r *coldReader) Scan(ctx context.Context, p *scan.Provider, req scan.Request) (array.RecordReader, error) {
	return r.e.Scan(ctx, p, req, nil)
}

// Row implements coldtier.Reader.
func (r *coldReader) Row(l *layout.Table, seq uint64, key []byte) ([]byte, bool, error) {
	val, found, err := r.row(l, seq, key)
	if errors.Is(err, errRetired) {
		// A compaction retired the segment after the caller read the
		// marker: it moved the marker first, and the segment it names
		// now holds the same version of the row (compact.go).
		if now, ok, merr := r.marker(l, key); merr == nil && ok && now != seq {
			return r.row(l, now, key)
		}
	}
	return val, found, err
}

// marker reads the current cold marker of key (scope + key tuple).
func (r *coldReader) marker(l *layout.Table, key []byte) (uint64, bool, error) {
	v, closer, err := rawpebble.DB(r.e.db).Get(append(store.ColdPrefix(l.ID), key...))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer closer.Close()
	seq, err := coldtier.DecodeSeq(v)
	return seq, err == nil, err
}

// errRetired is wrapped by load when the manifest no longer lists the
// segment.
var errRetired = errors.New("the segment is not in the manifest")

func (r *coldReader) row(l *layout.Table, seq uint64, key []byte) ([]byte, bool, error) {
	id := coldSeg{l.ID, seq}
	r.mu.Lock()
	rows := r.segs[id]
	if rows == nil {
		rows = &coldRows{}
		r.segs[id] = rows
	}
	r.touch(id)
	r.mu.Unlock()
	rows.once.Do(func() { rows.err = r.load(l, seq, rows) })
	if rows.err != nil {
		r.mu.Lock()
		if r.segs[id] == rows {
			delete(r.segs, id) // retry on the next read
		}
		r.mu.Unlock()
		return nil, false, rows.err
	}
	r.mu.Lock()
	r.account(id, rows)
	r.mu.Unlock()
	i := sort.Search(len(rows.keys), func(i int) bool { return bytes.Compare(rows.keys[i], key) >= 0 })
	if i == len(rows.keys) || !bytes.Equal(rows.keys[i], key) {
		return nil, false, nil
	}
	return rows.vals[i], true, nil
}

// touch moves id to the most recently used end. The caller holds r.mu.
func (r *coldReader) touch(id coldSeg) {
	for i, s := range r.lru {
		if s == id {
			r.lru = append(r.lru[:i], r.lru[i+1:]...)
			break
		}
	}
	r.lru = append(r.lru, id)
}

// account adds a freshly loaded segment's size once and evicts the least
// recently used segments over the bound (never the one just read). The
// caller holds r.mu.
func (r *coldReader) account(id coldSeg, rows *coldRows) {
	if rows.size < 0 {
		return // counted
	}
	r.bytes += rows.size
	rows.size = -1
	for r.bytes > coldCacheBytes && len(r.lru) > 1 && r.lru[0] != id {
		old := r.lru[0]
		r.lru = r.lru[1:]
		if o := r.segs[old]; o != nil {
			delete(r.segs, old)
			for i := range o.keys {
				r.bytes -= len(o.keys[i]) + len(o.vals[i])
			}
		}
	}
}

// load reads segment seq of table l whole.
func (r *coldReader) load(l *layout.Table, seq uint64, rows *coldRows) error {
	dir, err := r.e.tableDir(l)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("flush: %s: segment %d: the table has no flushed files under %s", l.FullName(), seq, r.e.root)
	}
	// The manifest read and the file opened as one, between two
	// compactions' retirements (compact.go).
	tl := r.e.tableLock(l.ID)
	tl.files.RLock()
	defer tl.files.RUnlock()
	m, err := readManifest(dir, l.FullName(), l.ID)
	if err != nil {
		return err
	}
	for i := range m.Segments {
		s := &m.Segments[i]
		if s.Seq != seq {
			continue
		}
		return scan.SegmentRows(context.Background(), l, s.reader(dir), func(key, value []byte) error {
			rows.keys = append(rows.keys, bytes.Clone(key))
			rows.vals = append(rows.vals, bytes.Clone(value))
			rows.size += len(key) + len(value)
			return nil
		})
	}
	return fmt.Errorf("flush: %s: segment %d: %w of %s", l.FullName(), seq, errRetired, dir)
}
