package flush

import (
	"encoding/hex"
	"fmt"
	"io"
	"unicode/utf8"

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
// files with it.
func (e *Executor) writeParquet(w io.Writer, rdr array.RecordReader, l *layout.Table, seg *Segment, owner *string, props *parquet.WriterProperties, arrowProps pqarrow.ArrowWriterProperties, stats *scan.Stats, written *int64) error {
	cw := &countingWriter{w: w}
	schema, plain := parquetSchema(rdr.Schema())
	var ownerCol *string
	fileSchema := schema
	if owner != nil && schema.FieldIndices("owner") == nil {
		fileSchema, ownerCol = withOwner(schema), owner
	}
	fw, err := pqarrow.NewFileWriter(fileSchema, cw, props, arrowProps)
	if err != nil {
		return fmt.Errorf("flush: %s: start Parquet file: %w", l.FullName(), err)
	}
	if err := writeBatches(rdr, fw, schema, fileSchema, plain, ownerCol, stats, e.o, written); err != nil {
		_ = fw.Close()
		return fmt.Errorf("flush: %s: %w", l.FullName(), err)
	}
	md := map[string]string{
		"tablegen.table": l.FullName(), "tablegen.fingerprint": seg.Fingerprint,
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
			if err := fw.AppendKeyValueMetadata(k, v); err != nil {
				_ = fw.Close()
				return fmt.Errorf("flush: %s: Parquet metadata: %w", l.FullName(), err)
			}
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("flush: %s: finish Parquet file: %w", l.FullName(), err)
	}
	seg.Bytes = cw.n
	return nil
}
