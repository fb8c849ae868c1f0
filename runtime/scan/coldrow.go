package scan

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// SegmentRows streams every row of segment s of table l in key order as
// the store holds rows: key is scope + key tuple, value the row encoding
// (runtime/rowenc) of the segment's columns, so the store's typed API
// decodes a flushed row exactly like a hot one. runtime/flush serves the
// store's reads of flushed rows with it (see runtime/store's cold.go);
// columns are matched by tag, and a column the segment lacks (added
// since) is left out, which decoders read as null or zero. The slices
// passed to visit are reused for the next row.
func SegmentRows(ctx context.Context, l *layout.Table, s Segment, visit func(key, value []byte) error) error {
	t, err := newTable(l)
	if err != nil {
		return err
	}
	need := make([]bool, len(t.cols))
	for i := range need {
		need[i] = true
	}
	c, err := openCold(ctx, t, s, need, 4096, nil)
	if err != nil {
		return err
	}
	defer c.close()
	var val []byte
	for err = c.advance(); err == nil && c.valid; err = c.advance() {
		val = val[:0]
		for i := range t.cols {
			if c.cols[i] == nil {
				continue
			}
			v := c.Value(i)
			if c.err != nil {
				return fmt.Errorf("scan: %s: %w", t.name, c.err)
			}
			if v.Null {
				continue
			}
			val = appendRowField(val, &t.cols[i], v)
		}
		if err := visit(c.key, val); err != nil {
			return err
		}
	}
	return err
}

// appendRowField appends one column value in the row encoding, the
// inverse of what rowDecoder.Load reads.
func appendRowField(b []byte, c *column, v Value) []byte {
	tag := protowire.Number(c.Tag)
	switch c.typ {
	case tBool:
		return rowenc.AppendBool(b, tag, v.I != 0)
	case tInt32:
		return rowenc.AppendInt32(b, tag, int32(v.I))
	case tEnum:
		return rowenc.AppendEnum(b, tag, int32(v.I))
	case tInt64:
		return rowenc.AppendInt64(b, tag, v.I)
	case tUint64:
		return rowenc.AppendUint64(b, tag, v.U)
	case tFloat64:
		return rowenc.AppendFloat64(b, tag, v.F)
	case tTimestamp, tDuration:
		// Both are microseconds as a zigzag varint (rowenc).
		b = protowire.AppendTag(b, tag, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeZigZag(v.I))
	case tDecimal:
		var buf [16]byte
		return rowenc.AppendBytes(b, tag, dec128.Num{Hi: v.I, Lo: v.U}.AppendMinimal(buf[:0]))
	default: // string, bytes, uuid, json: length-delimited
		return rowenc.AppendBytes(b, tag, v.B)
	}
}
