package flush

import (
	"encoding/hex"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// writeParquet writes the batches of rdr to w as segment seg's Parquet
// file: the Parquet schema (parquetSchema), the owner column of a
// partitioned table (withOwner), the footer metadata, the statistics into
// stats and the size into seg.Bytes. Flush and compaction both write their
// one-owner files with it; multi-owner files use parquetFile directly.
func (e *Executor) writeParquet(w io.Writer, rdr array.RecordReader, l *layout.Table, seg *Segment, owner *string, props *parquet.WriterProperties, arrowProps pqarrow.ArrowWriterProperties, stats *scan.Stats, written *int64) error {
	pf := e.newParquetFile(w, l, owner != nil, false, props, arrowProps, stats, written)
	if err := pf.add(rdr, owner); err != nil {
		pf.abort()
		return err
	}
	return pf.close(seg, owner)
}

// parquetFile is one Parquet file being written, fed by one record reader
// per owner (multi-owner segments) or by a single one.
type parquetFile struct {
	e          *Executor
	l          *layout.Table
	cw         *countingWriter
	fw         *pqarrow.FileWriter
	owned      bool // rows carry an owner column
	multi      bool // the owner column is required (multi-owner segment)
	schema     *arrow.Schema
	fileSchema *arrow.Schema
	plain      []bool
	ownerCol   bool
	props      *parquet.WriterProperties
	arrowProps pqarrow.ArrowWriterProperties
	stats      *scan.Stats
	written    *int64
}

func (e *Executor) newParquetFile(w io.Writer, l *layout.Table, owned, multi bool, props *parquet.WriterProperties, arrowProps pqarrow.ArrowWriterProperties, stats *scan.Stats, written *int64) *parquetFile {
	return &parquetFile{e: e, l: l, cw: &countingWriter{w: w}, owned: owned, multi: multi, props: props, arrowProps: arrowProps, stats: stats, written: written}
}

// add writes every batch of rdr, whose rows all belong to owner (nil: a
// table without owners). The file starts with the first reader's schema.
func (f *parquetFile) add(rdr array.RecordReader, owner *string) error {
	if f.fw == nil {
		f.schema, f.plain = parquetSchema(rdr.Schema())
		f.fileSchema = f.schema
		if f.owned {
			name := "owner"
			if f.schema.FieldIndices(name) != nil {
				if !f.multi {
					// The table's own owner column stands in for it.
					name = ""
				} else {
					// Rows of many owners need the ids whatever the
					// table declares.
					name = "_tablegen_owner"
				}
			}
			if name != "" {
				f.fileSchema, f.ownerCol = withOwner(f.schema, name), true
			}
		}
		fw, err := pqarrow.NewFileWriter(f.fileSchema, f.cw, f.props, f.arrowProps)
		if err != nil {
			return fmt.Errorf("flush: %s: start Parquet file: %w", f.l.FullName(), err)
		}
		f.fw = fw
	}
	var col *string
	if f.ownerCol {
		col = owner
	}
	if err := writeBatches(rdr, f.fw, f.schema, f.fileSchema, f.plain, col, f.stats, f.e.o, f.written); err != nil {
		return fmt.Errorf("flush: %s: %w", f.l.FullName(), err)
	}
	return nil
}

// size is about the bytes of the file so far: those written, plus the
// compressed pages of the row group still buffered.
func (f *parquetFile) size() int64 {
	if f.fw == nil {
		return 0
	}
	return f.cw.n + f.fw.RowGroupTotalCompressedBytes()
}

func (f *parquetFile) abort() {
	if f.fw != nil {
		_ = f.fw.Close()
	}
}

// close writes the footer metadata (the owner of a one-owner file, nil
// otherwise) and records the file's size in seg.Bytes.
func (f *parquetFile) close(seg *Segment, owner *string) error {
	if f.fw == nil {
		return fmt.Errorf("flush: %s: segment %d: no rows were added to its Parquet file", f.l.FullName(), seg.Seq)
	}
	md := map[string]string{
		"tablegen.table": f.l.FullName(), "tablegen.fingerprint": seg.Fingerprint,
		"tablegen.seq": fmt.Sprint(seg.Seq),
	}
	if owner != nil {
		// Footer metadata must be UTF-8: an owner that is not is
		// kept in hex.
		if utf8.ValidString(*owner) {
			md["tablegen.owner"] = *owner
		} else {
			md["tablegen.owner_hex"] = hex.EncodeToString([]byte(*owner))
		}
	}
	for _, k := range []string{"tablegen.table", "tablegen.fingerprint", "tablegen.seq", "tablegen.owner", "tablegen.owner_hex"} {
		if v, ok := md[k]; ok {
			if err := f.fw.AppendKeyValueMetadata(k, v); err != nil {
				_ = f.fw.Close()
				return fmt.Errorf("flush: %s: Parquet metadata: %w", f.l.FullName(), err)
			}
		}
	}
	if err := f.fw.Close(); err != nil {
		return fmt.Errorf("flush: %s: finish Parquet file: %w", f.l.FullName(), err)
	}
	seg.Bytes = f.cw.n
	return nil
}
