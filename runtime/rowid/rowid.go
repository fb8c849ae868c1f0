// Package rowid generates RowId values for shared and user tables: 64-bit,
// time-ordered, Snowflake-style ids that stay unique across restarts.
//
// Layout of an ID (most significant bit first):
//
//	0 | 41 bits: milliseconds since Epoch | 10 bits: node | 12 bits: sequence
//
// Ids sort by creation time, so a table keyed by RowId is naturally
// append-mostly in Pebble (cheap inserts, "newest" is a reverse scan).
//
// Ids are strictly increasing within a Generator, also when the wall clock
// steps backwards or more than 4096 ids are drawn in one millisecond: the
// generator then runs its logical clock ahead of the wall clock.
//
// Across restarts, uniqueness comes from a persisted high-water mark: before
// it issues an id in millisecond m, the generator has durably recorded a
// lease end L > m (L = m + Options.Lease). After a restart it never issues an
// id below the recorded L, so even a clock that went backwards, or a crash
// right after an id was handed out, cannot produce an id again.
package rowid

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Epoch is the zero of the id's time component: 2024-01-01T00:00:00Z. With 41
// bits of milliseconds the ids last until the year 2093.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	nodeBits = 10
	seqBits  = 12
	msBits   = 41

	// MaxNode is the largest node id; run at most MaxNode+1 writers with
	// distinct node ids against one keyspace.
	MaxNode = 1<<nodeBits - 1
	maxSeq  = 1<<seqBits - 1
	maxMS   = 1<<msBits - 1
)

// ID is a RowId.
type ID uint64

// Time reports the millisecond at which the id was issued (by the logical
// clock, which may run slightly ahead of the wall clock under heavy load).
func (id ID) Time() time.Time {
	return Epoch.Add(time.Duration(uint64(id)>>(nodeBits+seqBits)) * time.Millisecond)
}

// First returns the smallest id whose Time is not before t: every id
// issued before t (by the clock that issued it) is below it, every id
// issued at t or later is at least it, so "issued before t" is the key
// range id < First(t). A t before Epoch gives 0 and a t past the last
// representable millisecond the largest id.
func First(t time.Time) ID {
	d := t.Sub(Epoch)
	ms := d.Milliseconds()
	if d%time.Millisecond > 0 {
		ms++ // round up: an id of the millisecond before t is issued before t
	}
	switch {
	case d <= 0:
		return 0
	case ms > maxMS:
		return ID(uint64(maxMS)<<(nodeBits+seqBits) | MaxNode<<seqBits | maxSeq)
	}
	return ID(uint64(ms) << (nodeBits + seqBits))
}

// Node reports the node id that issued id.
func (id ID) Node() int { return int(uint64(id) >> seqBits & MaxNode) }

// Sequence reports the position of id within its millisecond.
func (id ID) Sequence() int { return int(uint64(id) & maxSeq) }

// String formats the id as a decimal number, the form used in logs and URLs.
func (id ID) String() string { return fmt.Sprintf("%d", uint64(id)) }

// Mark stores the generator's high-water mark (a millisecond count since
// Epoch). Save must be durable when it returns: the generator relies on it to
// never reissue an id after a crash. FileMark and the store's metadata
// keyspace implement it.
type Mark interface {
	Load() (int64, error)
	Save(ms int64) error
}

// Options configure a Generator. The zero value is not usable: Mark is required.
type Options struct {
	// Node distinguishes concurrent generators writing the same tables,
	// 0..MaxNode.
	Node int
	// Mark persists the high-water mark. Required.
	Mark Mark
	// Lease is how far ahead of the current millisecond the mark is moved each
	// time it is saved. Longer leases mean fewer writes of the mark and a
	// larger jump of the time component after a restart. Default 10s.
	Lease time.Duration
	// Now replaces time.Now (tests). Default time.Now.
	Now func() time.Time
}

// Generator issues ids. It is safe for concurrent use.
type Generator struct {
	mu     sync.Mutex
	node   uint64
	mark   Mark
	lease  int64 // in ms
	now    func() time.Time
	lastMS int64 // logical clock: ms of the last id issued (or the start floor)
	seq    int64 // sequence of the last id issued in lastMS; -1 before the first
	until  int64 // ids may be issued for ms < until without saving the mark
}

// ErrExhausted is returned when the 41-bit time component would overflow.
var ErrExhausted = errors.New("rowid: time component exhausted (past year 2093)")

// New returns a generator that continues after the persisted high-water mark.
func New(o Options) (*Generator, error) {
	if o.Mark == nil {
		return nil, errors.New("rowid: Options.Mark is required; use rowid.FileMark(path) or the store's mark")
	}
	if o.Node < 0 || o.Node > MaxNode {
		return nil, fmt.Errorf("rowid: node %d out of range; use 0..%d", o.Node, MaxNode)
	}
	if o.Lease <= 0 {
		o.Lease = 10 * time.Second
	}
	if o.Lease < time.Millisecond {
		o.Lease = time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	hw, err := o.Mark.Load()
	if err != nil {
		return nil, fmt.Errorf("rowid: load high-water mark: %w", err)
	}
	if hw < 0 {
		return nil, fmt.Errorf("rowid: high-water mark %d is negative; the mark is corrupt", hw)
	}
	return &Generator{
		node:   uint64(o.Node),
		mark:   o.Mark,
		lease:  o.Lease.Milliseconds(),
		now:    o.Now,
		lastMS: hw,
		seq:    -1,
		until:  hw, // nothing may be issued before the first Save
	}, nil
}

// Next returns a new id, greater than every id this generator, or any
// generator before it on the same Mark and node, has returned.
func (g *Generator) Next() (ID, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().Sub(Epoch).Milliseconds()
	if ms < 0 {
		ms = 0
	}
	switch {
	case ms > g.lastMS:
		g.lastMS, g.seq = ms, 0
	case g.seq < maxSeq:
		g.seq++ // same millisecond, or the clock stepped back: stay on the logical clock
	default:
		g.lastMS, g.seq = g.lastMS+1, 0 // sequence exhausted: borrow the next millisecond
	}
	if g.lastMS > maxMS {
		return 0, ErrExhausted
	}
	if g.lastMS >= g.until {
		next := g.lastMS + g.lease
		if err := g.mark.Save(next); err != nil {
			// Step back so that a retry after a transient error reuses this slot
			// rather than skipping ahead; nothing was handed out.
			g.seq--
			return 0, fmt.Errorf("rowid: save high-water mark: %w", err)
		}
		g.until = next
	}
	return ID(uint64(g.lastMS)<<(nodeBits+seqBits) | g.node<<seqBits | uint64(g.seq)), nil
}
