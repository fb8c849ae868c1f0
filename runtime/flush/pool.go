package flush

import (
	"math/bits"
	"sync"
	"unsafe"
)

// bufferPool is the memory.Allocator of one flush's Arrow builders and
// Parquet writer: it keeps the buffers a record batch frees for the next
// batch instead of handing them to the garbage collector, so a flush
// allocates about one batch's worth of buffers instead of one per batch,
// and its peak heap stays near what it uses rather than twice that. Buffers
// are kept in power-of-two size classes, at most maxHeld bytes in all;
// what does not fit is left to the collector.
type bufferPool struct {
	mu      sync.Mutex
	free    [64][][]byte // by class: buffers of capacity in [2^class, 2^(class+1))
	held    int
	maxHeld int
}

// alignment is Arrow's buffer alignment (memory.GoAllocator's too).
const alignment = 64

func newBufferPool(maxHeld int) *bufferPool { return &bufferPool{maxHeld: maxHeld} }

// Allocate returns a zeroed, 64-byte aligned buffer of length size.
func (p *bufferPool) Allocate(size int) []byte {
	if size <= 0 {
		return nil
	}
	class := bits.Len(uint(size - 1)) // 2^class >= size
	p.mu.Lock()
	if n := len(p.free[class]); n > 0 {
		b := p.free[class][n-1]
		p.free[class][n-1] = nil
		p.free[class] = p.free[class][:n-1]
		p.held -= cap(b)
		p.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	p.mu.Unlock()
	buf := make([]byte, 1<<class+alignment)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % alignment); r != 0 {
		off = alignment - r
	}
	return buf[off : off+size : off+1<<class]
}

// Reallocate grows or shrinks b to size, keeping its content.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free gives b back for reuse.
func (p *bufferPool) Free(b []byte) {
	c := cap(b)
	if c == 0 {
		return
	}
	class := bits.Len(uint(c)) - 1 // 2^class <= cap
	p.mu.Lock()
	if p.held+c <= p.maxHeld {
		p.free[class] = append(p.free[class], b[:0])
		p.held += c
	}
	p.mu.Unlock()
}
