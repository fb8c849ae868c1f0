package scan

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// colBuf is one projected column of the batch a scan is building, held in
// Arrow's physical layout: a validity bitmap for a nullable column, then
// the values (a bitmap for bool, fixed-width little-endian values, or
// int32 offsets and data for strings and bytes). The scan writes cells
// straight into these buffers, one bounds check per cell, where Arrow's
// typed builders cost a method call, a capacity check and an offset
// append each; at the end of a batch the buffers become the batch's
// array (array), and the next batch starts with new ones, so a batch a
// consumer keeps is never written again. The buffers come from the
// provider's allocator, as a builder's would.
//
// Bits at and past n in the bitmaps are always zero, so appending a null
// or a false writes nothing, and truncate (which undoes the appends of a
// row the scan decided to decode another way) only has to clear the bits
// it gives back.
type colBuf struct {
	typ      colType
	nullable bool
	width    int // bytes per value of a fixed-width column; 0 for bool and binary
	n        int // rows
	nulls    int
	capRows  int // rows the validity and value buffers hold
	first    int // capRows of a batch's first allocation (see setOutput)

	valid *memory.Buffer // validity bitmap; nil for a column that is not nullable
	vals  *memory.Buffer // values: bitmap, fixed-width values, or offsets
	data  *memory.Buffer // string, bytes, json and enum data

	validB []byte  // valid.Buf()
	bits   []byte  // vals.Buf() of a bool column
	i32    []int32 // vals.Buf() of an int32 column
	i64    []int64 // vals.Buf() of an int64, timestamp or duration column
	u64    []uint64
	f64    []float64
	fixed  []byte  // vals.Buf() of a uuid or decimal column (16 bytes a row)
	offs   []int32 // vals.Buf() of a binary column: n+1 offsets
	dataB  []byte  // data.Buf()
}

// minBatchRows is the least first capacity of a column's buffers; they
// double as rows are appended past it, as Arrow's builders do.
const minBatchRows = 64

// maxBinaryData is the most string or bytes data one column of a batch can
// hold: Arrow's utf8 and binary arrays address their data with int32
// offsets.
const maxBinaryData = math.MaxInt32

func newColBuf(c *column, first int) colBuf {
	b := colBuf{typ: c.typ, nullable: c.Nullable, first: max(minBatchRows, first)}
	switch c.typ {
	case tInt32:
		b.width = 4
	case tInt64, tUint64, tFloat64, tTimestamp, tDuration:
		b.width = 8
	case tUUID, tDecimal:
		b.width = 16
	}
	return b
}

// binary reports whether the column's values are offsets into data.
func (b *colBuf) binary() bool {
	switch b.typ {
	case tString, tBytes, tJSON, tEnum:
		return true
	}
	return false
}

// grow makes room for at least one more row, doubling the buffers.
func (b *colBuf) grow(mem memory.Allocator) {
	rows := max(b.first, 2*b.capRows)
	if b.vals == nil {
		b.vals = memory.NewResizableBuffer(mem)
	}
	if b.nullable {
		if b.valid == nil {
			b.valid = memory.NewResizableBuffer(mem)
		}
		b.validB = growBitmap(b.valid, b.capRows, rows)
	}
	switch {
	case b.typ == tBool:
		b.bits = growBitmap(b.vals, b.capRows, rows)
	case b.binary():
		b.vals.Reserve(4 * (rows + 1))
		b.offs = arrow.Int32Traits.CastFromBytes(b.vals.Buf())
		if b.capRows == 0 {
			b.offs[0] = 0
		}
	default:
		b.vals.Reserve(b.width * rows)
		buf := b.vals.Buf()
		switch b.typ {
		case tInt32:
			b.i32 = arrow.Int32Traits.CastFromBytes(buf)
		case tInt64, tTimestamp, tDuration:
			b.i64 = arrow.Int64Traits.CastFromBytes(buf)
		case tUint64:
			b.u64 = arrow.Uint64Traits.CastFromBytes(buf)
		case tFloat64:
			b.f64 = arrow.Float64Traits.CastFromBytes(buf)
		default:
			b.fixed = buf
		}
	}
	b.capRows = rows
}

// growBitmap grows buf from a bitmap of old bits to one of rows bits,
// zeroing the new bytes (an allocator need not return zeroed memory).
func growBitmap(buf *memory.Buffer, old, rows int) []byte {
	have := (old + 7) / 8
	buf.Reserve((rows + 7) / 8)
	b := buf.Buf()
	clear(b[have:])
	return b
}

// room makes sure one more row fits; the appends below assume it.
func (b *colBuf) room(mem memory.Allocator) {
	if b.n == b.capRows {
		b.grow(mem)
	}
}

// prepare is room and setValid, for the fixed-width appends: they call it
// only when a column needs either, so what they inline at appendRow's call
// sites is a compare and a store.
func (b *colBuf) prepare(mem memory.Allocator) {
	b.room(mem)
	b.setValid()
}

// setValid marks row n valid in a nullable column.
func (b *colBuf) setValid() {
	if b.nullable {
		b.validB[b.n>>3] |= 1 << (b.n & 7)
	}
}

// appendNull appends a null: its validity bit and value bits stay zero, a
// fixed-width value is zeroed and a binary value is empty.
func (b *colBuf) appendNull(mem memory.Allocator) {
	b.room(mem)
	switch {
	case b.typ == tBool:
	case b.binary():
		b.offs[b.n+1] = b.offs[b.n]
	default:
		clear(b.vals.Buf()[b.n*b.width : (b.n+1)*b.width])
	}
	b.n++
	b.nulls++
}

func (b *colBuf) appendBool(mem memory.Allocator, v bool) {
	b.room(mem)
	b.setValid()
	if v {
		b.bits[b.n>>3] |= 1 << (b.n & 7)
	}
	b.n++
}

func (b *colBuf) appendInt32(mem memory.Allocator, v int32) {
	if b.n >= b.capRows || b.nullable {
		b.prepare(mem)
	}
	b.i32[b.n] = v
	b.n++
}

func (b *colBuf) appendInt64(mem memory.Allocator, v int64) {
	if b.n >= b.capRows || b.nullable {
		b.prepare(mem)
	}
	b.i64[b.n] = v
	b.n++
}

func (b *colBuf) appendUint64(mem memory.Allocator, v uint64) {
	if b.n >= b.capRows || b.nullable {
		b.prepare(mem)
	}
	b.u64[b.n] = v
	b.n++
}

func (b *colBuf) appendFloat64(mem memory.Allocator, v float64) {
	if b.n >= b.capRows || b.nullable {
		b.prepare(mem)
	}
	b.f64[b.n] = v
	b.n++
}

// appendFixed appends a 16-byte value (uuid, or a decimal128 as its low
// then high 64 bits, little-endian).
func (b *colBuf) appendFixed(mem memory.Allocator, v []byte) {
	b.room(mem)
	b.setValid()
	copy(b.fixed[b.n*16:(b.n+1)*16], v)
	b.n++
}

// appendBinary appends a string or bytes value. It fails, appending
// nothing, when the column's data would pass what int32 offsets address.
func (b *colBuf) appendBinary(mem memory.Allocator, v []byte) error {
	b.room(mem)
	end := int(b.offs[b.n])
	if len(v) > maxBinaryData-end {
		return fmt.Errorf("a batch holds at most %d bytes of one string or bytes column (Arrow's int32 offsets); use a smaller Request.BatchSize", maxBinaryData)
	}
	if len(b.dataB)-end < len(v) {
		if b.data == nil {
			b.data = memory.NewResizableBuffer(mem)
		}
		b.data.Reserve(max(end+len(v), 2*len(b.dataB), 1024))
		b.dataB = b.data.Buf()
	}
	copy(b.dataB[end:], v)
	b.setValid()
	b.offs[b.n+1] = int32(end + len(v))
	b.n++
	return nil
}

// truncate drops the rows at and past row, clearing the bits they set.
func (b *colBuf) truncate(row int) {
	for b.n > row {
		b.n--
		if b.nullable {
			if b.validB[b.n>>3]&(1<<(b.n&7)) == 0 {
				b.nulls--
			}
			b.validB[b.n>>3] &^= 1 << (b.n & 7)
		}
		if b.typ == tBool {
			b.bits[b.n>>3] &^= 1 << (b.n & 7)
		}
	}
}

// array hands the buffers over to an array of type dt holding the rows
// appended since the last call, and starts the column over with no
// buffers.
func (b *colBuf) array(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	if b.capRows == 0 {
		b.grow(mem) // an empty batch still has offsets and buffers
	}
	n := b.n
	var valid *memory.Buffer
	if b.nullable {
		valid = b.valid
		valid.ResizeNoShrink((n + 7) / 8)
	}
	bufs := []*memory.Buffer{valid, b.vals}
	switch {
	case b.typ == tBool:
		b.vals.ResizeNoShrink((n + 7) / 8)
	case b.binary():
		b.vals.ResizeNoShrink(4 * (n + 1))
		if b.data == nil {
			b.data = memory.NewResizableBuffer(mem)
		}
		b.data.ResizeNoShrink(int(b.offs[n]))
		bufs = append(bufs, b.data)
	default:
		b.vals.ResizeNoShrink(b.width * n)
	}
	data := array.NewData(dt, n, bufs, nil, b.nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, buf := range bufs {
		if buf != nil {
			buf.Release()
		}
	}
	*b = colBuf{typ: b.typ, nullable: b.nullable, width: b.width, first: b.first}
	return arr
}

// release frees the buffers of an unfinished batch.
func (b *colBuf) release() {
	for _, buf := range []*memory.Buffer{b.valid, b.vals, b.data} {
		if buf != nil {
			buf.Release()
		}
	}
	*b = colBuf{typ: b.typ, nullable: b.nullable, width: b.width, first: b.first}
}

// appendDecimal appends a decimal128 as Arrow lays it out: the low 64 bits,
// then the high 64 bits, little-endian.
func (b *colBuf) appendDecimal(mem memory.Allocator, hi int64, lo uint64) {
	b.room(mem)
	b.setValid()
	binary.LittleEndian.PutUint64(b.fixed[b.n*16:], lo)
	binary.LittleEndian.PutUint64(b.fixed[b.n*16+8:], uint64(hi))
	b.n++
}
