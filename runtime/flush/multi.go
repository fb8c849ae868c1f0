package flush

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// flushPart is one owner's rows of a flush (owner nil: a table without
// owners), read through a provider scoped to it.
type flushPart struct {
	p     *scan.Provider
	owner *string
}

// writeMulti writes the rows of parts (owners in key order) from snap as
// multi-owner segments numbered from seq, in the table directory: each
// file holds whole owners, sorted by (owner scope, key), with the owner
// column, and is closed at the first owner boundary past
// Options.SegmentBytes. An owner id that is not valid UTF-8 cannot be a
// Parquet string, so that owner's rows get a one-owner segment of their
// own (writeSegment), which keeps the id exactly in the manifest; it is
// in the table directory too, so the tree stays one Hive level. Rows whose key is in
// kept (per owner, from pl) stay hot.
func (e *Executor) writeMulti(ctx context.Context, snap *store.Snapshot, parts []flushPart, l *layout.Table, dir string, seq uint64, pl plan, pool *bufferPool, res *Result) ([]*Segment, error) {
	var out []*Segment
	var cur *multiSegment
	written := res.Rows
	done := func() error {
		seg, err := cur.finish(e, l)
		cur = nil
		if err != nil {
			return err
		}
		if seg != nil {
			out = append(out, seg)
		}
		return nil
	}
	for _, pt := range parts {
		kept, err := keep(ctx, snap, pt.p, pl, e.o.BatchSize)
		if err != nil {
			return nil, err
		}
		p := pt.p.WithAllocator(pool)
		if !utf8.ValidString(*pt.owner) {
			seg, err := e.writeSegment(ctx, snap, p, l, dir, ".", seq, pt.owner, pl.filter, kept, pool, res)
			if err != nil {
				return nil, err
			}
			if seg != nil {
				seq++
				out = append(out, seg)
			}
			continue
		}
		found, err := hasRows(rawpebble.Snapshot(snap), l, p.Scope(), e.db.Now())
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		if cur == nil {
			if cur, err = e.openMulti(p, l, dir, seq, pool, &written); err != nil {
				return nil, err
			}
			seq++
		}
		if err := cur.add(ctx, snap, p, pt.owner, pl.filter, kept); err != nil {
			cur.abort()
			return nil, err
		}
		if cur.pf.size() >= e.o.SegmentBytes {
			if err := done(); err != nil {
				return nil, err
			}
		}
	}
	if cur != nil {
		if err := done(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// multiSegment is a multi-owner segment being written: its Parquet and
// keys files under their temporary names.
type multiSegment struct {
	seg            *Segment
	dir            string
	part, keys     *bufferedFile
	kw             *keysWriter
	pf             *parquetFile
	stats          *scan.Stats
	minKey, maxKey []byte
	rowPrefixLen   int
}

func (e *Executor) openMulti(p *scan.Provider, l *layout.Table, dir string, seq uint64, pool *bufferPool, written *int64) (*multiSegment, error) {
	ms := &multiSegment{
		seg:          e.newSegment(l, ".", seq, Written),
		dir:          dir,
		stats:        p.NewStats(),
		rowPrefixLen: len(store.RowPrefix(l.ID)),
	}
	for _, f := range []struct {
		name string
		to   **bufferedFile
	}{{ms.seg.File, &ms.part}, {ms.seg.Keys, &ms.keys}} {
		tmp := filepath.Join(dir, f.name) + tmpSuffix
		fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			ms.abort()
			return nil, fmt.Errorf("flush: create %s: %w", tmp, err)
		}
		*f.to = newBufferedFile(fh)
	}
	ms.kw = newKeysWriter(ms.keys)
	props := e.o.writerProperties(l, parquet.WithAllocator(pool))
	arrowProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	ms.pf = e.newParquetFile(ms.part, l, true, true, props, arrowProps, ms.stats, written)
	return ms, nil
}

// add writes one owner's rows (p is scoped to it).
func (ms *multiSegment) add(ctx context.Context, snap *store.Snapshot, p *scan.Provider, owner *string, filter scan.Expr, kept map[string]struct{}) error {
	visit := func(key, value []byte) error {
		if _, ok := kept[string(key)]; ok {
			return scan.SkipRow
		}
		below := key[ms.rowPrefixLen:]
		ms.kw.add(below, coldtier.RowHash(value))
		if ms.minKey == nil {
			ms.minKey = bytes.Clone(below)
		}
		ms.maxKey = append(ms.maxKey[:0], below...)
		return nil
	}
	rdr, err := p.ScanSnapshot(ctx, snap, scan.Request{BatchSize: ms.pf.e.o.BatchSize, Filter: filter}, visit)
	if err != nil {
		return err
	}
	defer rdr.Release()
	return ms.pf.add(rdr, owner)
}

// abort closes the temporary files, leaving them for recovery.
func (ms *multiSegment) abort() {
	if ms.pf != nil {
		ms.pf.abort()
	}
	for _, f := range []*bufferedFile{ms.part, ms.keys} {
		if f != nil {
			_ = f.f.Close()
		}
	}
}

// finish makes both files durable under their names and returns the
// segment, or nil when the filter selected no row (and then removes the
// files).
func (ms *multiSegment) finish(e *Executor, l *layout.Table) (*Segment, error) {
	if err := ms.pf.close(ms.seg, nil); err != nil {
		ms.abort()
		return nil, err
	}
	if err := ms.kw.finish(); err != nil {
		ms.abort()
		return nil, err
	}
	partPath := filepath.Join(ms.dir, ms.seg.File)
	keysPath := filepath.Join(ms.dir, ms.seg.Keys)
	if err := ms.part.commit(partPath, e.o.fault); err != nil {
		_ = ms.keys.f.Close()
		return nil, err
	}
	if err := ms.keys.commit(keysPath, e.o.fault); err != nil {
		return nil, err
	}
	if ms.minKey == nil {
		// No manifest lists the files, so recovery would remove them
		// after a crash too.
		for _, f := range []string{partPath, keysPath} {
			if err := os.Remove(f); err != nil {
				return nil, fmt.Errorf("flush: %s: remove the empty segment: %w", l.FullName(), err)
			}
		}
		return nil, nil
	}
	ms.seg.Rows = ms.stats.Rows()
	ms.seg.MinKey, ms.seg.MaxKey = hex.EncodeToString(ms.minKey), hex.EncodeToString(ms.maxKey)
	ms.seg.Columns = ms.stats.Columns()
	return ms.seg, nil
}
