package flush

import (
	"context"
	"errors"
	"os"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// Scan reads p's table as one: its hot rows and its flushed segments,
// merged by key with the newest version winning (see
// scan.Provider.ScanUnion for order, filters, projection and pruning). A
// scoped provider reads one owner's rows and files. stats, when not nil,
// receives how many segments were read and skipped.
//
// Scans run concurrently with flushes: the hot snapshot is taken before
// the manifest is read, and a flush deletes hot rows only after its
// manifest is durable, so no row is ever missed; a row then in both places
// is returned once.
func (e *Executor) Scan(ctx context.Context, p *scan.Provider, r scan.Request, stats *scan.UnionStats) (array.RecordReader, error) {
	l := p.Layout()
	if tl := e.tableLock(l.ID); !tl.recovered.Load() {
		if _, err := held(e, ctx, l.FullName(), func(context.Context) (*tableLock, error) { return e.lock(&l) }); err != nil {
			return nil, err
		}
		tl.Unlock()
	}
	// A compaction retires segments only while no scan is between its
	// snapshot and opening its files (compact.go).
	tl := e.tableLock(l.ID)
	tl.files.RLock()
	defer tl.files.RUnlock()
	// ScanUnion takes its snapshot before it lists the segments.
	return p.ScanUnion(ctx, func() ([]scan.Segment, error) { return e.segments(&l) }, r, stats)
}

// manifestOf returns table l's directory under the root and its manifest;
// m is nil when nothing was ever flushed there (no directory).
func (e *Executor) manifestOf(l *layout.Table) (dir string, m *Manifest, err error) {
	if dir, err = e.tableDir(l); err != nil {
		return "", nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return dir, nil, nil
	}
	m, err = readManifest(dir, l.FullName(), l.ID)
	return dir, m, err
}

// segments lists table l's flushed segments from its manifest.
func (e *Executor) segments(l *layout.Table) ([]scan.Segment, error) {
	dir, m, err := e.manifestOf(l)
	if m == nil || err != nil {
		return nil, err
	}
	segs := make([]scan.Segment, 0, len(m.Segments))
	for i := range m.Segments {
		segs = append(segs, m.Segments[i].reader(dir))
	}
	return segs, nil
}

// Manifest returns the table's manifest as it is on disk (an empty one
// when nothing was flushed yet).
func (e *Executor) Manifest(p *scan.Provider) (*Manifest, error) {
	l := p.Layout()
	_, m, err := e.manifestOf(&l)
	if m == nil && err == nil {
		m = &Manifest{Format: manifestFormat, Table: l.FullName(), TableID: l.ID, NextSeq: 1}
	}
	return m, err
}
