package flush

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
)

// metaFieldID is the field metadata key pqarrow writes as the Parquet
// field id; flush sets it to the column's tag so engines that match by
// field id (Iceberg-style readers) see renames as renames.
const metaFieldID = "PARQUET:field_id"

// segmentFile is a manifest [Segment] as the union scan reads it: the
// Parquet reader behind scan.Segment. It is the only place that opens
// Parquet files for reading.
type segmentFile struct {
	seg    *Segment
	path   string
	scope  []byte
	lo, hi []byte
}

var _ scan.Segment = (*segmentFile)(nil)

// reader returns the segment of the table directory tableDir for a union
// scan. Its keys were validated by ParseManifest.
func (s *Segment) reader(tableDir string) *segmentFile {
	lo, _ := hex.DecodeString(s.MinKey)
	hi, _ := hex.DecodeString(s.MaxKey)
	var scope []byte
	if o, ok := s.owner(); ok {
		scope = keyenc.AppendString(nil, o)
	}
	return &segmentFile{seg: s, path: filepath.Join(tableDir, filepath.FromSlash(s.File)), scope: scope, lo: lo, hi: hi}
}

func (f *segmentFile) Seq() uint64                { return f.seg.Seq }
func (f *segmentFile) Scope() []byte              { return f.scope }
func (f *segmentFile) KeyRange() ([]byte, []byte) { return f.lo, f.hi }
func (f *segmentFile) String() string             { return f.path }
func (f *segmentFile) Stats() (int64, []scan.ColumnStats) {
	return f.seg.Rows, f.seg.Columns
}

// fieldTag is the layout tag a file's field carries (scan.MetaTag, or the
// Parquet field id), or -1.
func fieldTag(fld arrow.Field) int64 {
	for _, k := range []string{scan.MetaTag, metaFieldID} {
		if v, ok := fld.Metadata.GetValue(k); ok {
			if tag, err := strconv.ParseInt(v, 10, 32); err == nil {
				return tag
			}
		}
	}
	return -1
}

// Open reads the columns with the given tags, matched by tag (never by
// name), with only those columns decoded; for one owner (scope) of a
// multi-owner segment, only the row groups whose owner statistics can
// hold it.
func (f *segmentFile) Open(ctx context.Context, tags []uint32, batch int, scope []byte) (array.RecordReader, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	pf, err := file.NewParquetReader(fh)
	if err != nil {
		_ = fh.Close()
		return nil, err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(batch)}, nil)
	if err != nil {
		_ = pf.Close()
		return nil, err
	}
	sc, err := fr.Schema()
	if err != nil {
		_ = pf.Close()
		return nil, err
	}
	want := make(map[int64]bool, len(tags))
	for _, t := range tags {
		want[int64(t)] = true
	}
	var indices, groups []int
	for i, fld := range sc.Fields() {
		if want[fieldTag(fld)] {
			indices = append(indices, i)
		} else if t, _ := fld.Metadata.GetValue(MetaType); t == "owner" && f.scope == nil {
			// A multi-owner segment's rows name their owner (scan.Segment).
			indices = append(indices, i)
			if scope != nil {
				groups = ownerGroups(pf, fr.Manifest.Fields[i].ColIndex, scope)
			}
		}
	}
	rr, err := fr.GetRecordReader(ctx, indices, groups)
	if err != nil {
		_ = pf.Close()
		return nil, err
	}
	r := &fileReader{RecordReader: rr, pf: pf}
	r.refs.Store(1)
	return r, nil
}

// fileReader closes the Parquet file with its last reference.
type fileReader struct {
	pqarrow.RecordReader
	pf   *file.Reader
	refs atomic.Int64
}

func (r *fileReader) Retain() { r.refs.Add(1) }

func (r *fileReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.RecordReader.Release()
	if err := r.pf.Close(); err != nil {
		_ = err // read-only file: nothing was lost
	}
}

// ownerGroups returns the row groups of pf whose owner column (leaf col)
// statistics may hold the owner of scope: all of them when a statistic is
// missing, and at least one (the reader is then simply short).
func ownerGroups(pf *file.Reader, col int, scope []byte) []int {
	owner, _, err := keyenc.DecodeString(scope)
	if err != nil || col < 0 {
		return nil
	}
	var groups []int
	for g := range pf.NumRowGroups() {
		keep := true
		if cc, err := pf.MetaData().RowGroup(g).ColumnChunk(col); err == nil {
			if set, err := cc.StatsSet(); err == nil && set {
				if st, err := cc.Statistics(); err == nil {
					if bs, ok := st.(*metadata.ByteArrayStatistics); ok && bs.HasMinMax() {
						keep = string(bs.Min()) <= owner && owner <= string(bs.Max())
					}
				}
			}
		}
		if keep {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		groups = []int{0}
	}
	return groups
}
