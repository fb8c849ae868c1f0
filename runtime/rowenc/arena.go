package rowenc

import (
	"bytes"
	"time"
	"unsafe"

	"github.com/tablegen/tablegen/runtime/decimal"
)

// arenaChunk is the size of the blocks an Arena carves row buffers from. A
// larger block saves allocations; a smaller one keeps less memory alive when
// a caller keeps a row (its strings point into the block).
const arenaChunk = 4 << 10

// arenaSlab is how many values of one type an Arena allocates at once for
// the pointer targets of nullable columns. A nullable string's slab points
// into up to arenaSlab row blocks, so the slab stays small: a kept row keeps
// its slabs alive, and through a string slab the row blocks of the other
// strings in it.
const arenaSlab = 64

// Arena is the memory the rows of one scan are decoded into, so that a scan
// makes a few allocations per block of rows rather than one per row and one
// per nullable value: Copy hands out each row's bytes (the decoded strings
// and byte slices point into them, see NewOwnedDecoder) and NewString,
// NewInt64, … the pointer targets of the row's nullable columns. Each piece
// is handed out once and never reused or written again, so a row kept
// after the scan stays valid for as long as it is referenced; the price is
// that it keeps alive the blocks and slabs its pieces are in (up to
// arenaChunk bytes of row bytes, and one slab of arenaSlab values per
// nullable column it has a value in). Callers that keep a few rows out of
// a large scan clone what they keep.
//
// A nil *Arena is valid and allocates every piece on its own: the decode of
// a single row (a Get, an index's old values, Verify) gains nothing from
// sharing. The zero Arena is ready to use; an Arena is not safe for
// concurrent use.
type Arena struct {
	free []byte // the unused rest of the current row block

	bools    []bool
	int32s   []int32 // int32 columns and enums
	int64s   []int64 // int64 and duration columns
	uint64s  []uint64
	float64s []float64
	strings  []string
	uuids    [][16]byte
	times    []time.Time
	decimals []decimal.Decimal
}

// Copy returns a copy of val that the caller owns. Rows are packed into
// shared blocks; a buffer's capacity ends with the row, so an append through
// a decoded slice cannot reach the next row. A row larger than a quarter of
// a block, or any row when a is nil, gets a buffer of its own.
func (a *Arena) Copy(val []byte) []byte {
	n := len(val)
	if a == nil || n > arenaChunk/4 {
		return bytes.Clone(val)
	}
	if len(a.free) < n {
		a.free = make([]byte, arenaChunk)
	}
	b := a.free[:n:n]
	a.free = a.free[n:]
	copy(b, val)
	return b
}

// slot hands out the next unused element of *free, refilling it with a new
// slab when it is empty. The refill is a make, not a call, so that slot and
// the New functions around it stay under the inliner's budget and inline
// into the generated decode loops.
func slot[E any](free *[]E) *E {
	s := *free
	if len(s) == 0 {
		s = make([]E, arenaSlab)
	}
	*free = s[1:]
	return &s[0]
}

// The New functions return a pointer to a copy of x, the value of a nullable
// column, from a's slab for x's type (or a new allocation when a is nil).
// They are generic over the named types a column's field may have (enums,
// go_types) whose underlying type is the slab's: converting a *int32 to a
// *Status whose underlying type is int32 is a conversion between types of
// the same memory layout, as unsafe.Pointer's rule (1) allows.

// NewBool returns a pointer to a copy of x (see Arena).
func NewBool[T ~bool](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.bools)))
	*p = x
	return p
}

// NewInt32 returns a pointer to a copy of x, an int32 or an enum (see Arena).
func NewInt32[T ~int32](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.int32s)))
	*p = x
	return p
}

// NewInt64 returns a pointer to a copy of x, an int64 or a time.Duration
// (see Arena).
func NewInt64[T ~int64](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.int64s)))
	*p = x
	return p
}

// NewUint64 returns a pointer to a copy of x (see Arena).
func NewUint64[T ~uint64](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.uint64s)))
	*p = x
	return p
}

// NewFloat64 returns a pointer to a copy of x (see Arena).
func NewFloat64[T ~float64](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.float64s)))
	*p = x
	return p
}

// NewString returns a pointer to a copy of x (see Arena). The string's
// bytes are not copied: from an owned decoder they are already the row's.
func NewString[T ~string](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.strings)))
	*p = x
	return p
}

// NewUUID returns a pointer to a copy of x, a uuid.UUID (see Arena).
func NewUUID[T ~[16]byte](a *Arena, x T) *T {
	if a == nil {
		p := new(T)
		*p = x
		return p
	}
	p := (*T)(unsafe.Pointer(slot(&a.uuids)))
	*p = x
	return p
}

// NewTimestamp returns a pointer to a copy of x (see Arena).
func NewTimestamp(a *Arena, x time.Time) *time.Time {
	if a == nil {
		p := new(time.Time)
		*p = x
		return p
	}
	p := slot(&a.times)
	*p = x
	return p
}

// NewDecimal returns a pointer to a copy of x (see Arena).
func NewDecimal(a *Arena, x decimal.Decimal) *decimal.Decimal {
	if a == nil {
		p := new(decimal.Decimal)
		*p = x
		return p
	}
	p := slot(&a.decimals)
	*p = x
	return p
}
