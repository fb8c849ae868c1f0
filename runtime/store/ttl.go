package store

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

// Stream tables (layout.Stream with a TTL) hide expired rows on every read
// of the table itself: a row whose event time (the first key column) is
// older than now - TTL is absent to Get, Has, Scan, Count, ScanAllOwners
// and Owners whether or not Expire has removed it yet. This file holds that
// rule and the clock it reads.

// WithClock returns the view of t that takes now from the given clock
// instead of the database's (Options.Now, or time.Now; nil means the
// database's): for tests, and for replaying events at their own time. It decides what a stream table's reads treat
// as expired.
func (t *Table[K, V]) WithClock(now func() time.Time) *Table[K, V] {
	nt := *t
	nt.now = now
	return &nt
}

// Now is the view's clock (the database's unless WithClock set another),
// for StartExpirer.
func (t *Table[K, V]) Now() time.Time {
	if t.now == nil {
		return t.core.db.Now()
	}
	return t.now()
}

// liveFloor returns the encoded TTL cutoff of a stream table, the smallest
// key tuple that has not expired, or nil when rows do not expire.
func (t *Table[K, V]) liveFloor() []byte {
	cutoff, ok := t.core.layout.LiveCutoff(t.Now())
	if !ok {
		return nil
	}
	return keyenc.AppendTimestamp(nil, cutoff)
}

// expired reports whether the row with key k is past the TTL on an
// owner-scoped view of a stream table, and the error a point read returns.
func (t *Table[K, V]) expired(k K) error {
	if t.scope == nil {
		return nil
	}
	floor := t.liveFloor()
	if floor == nil || bytes.Compare(t.spec.AppendKey(nil, k), floor) >= 0 {
		return nil
	}
	return notFound(t.core.name, fmt.Sprintf("row %v (expired: older than the table's ttl %v)", k, t.core.layout.TTL))
}

// liveRange narrows r to unexpired rows on an owner-scoped view of a stream
// table (see liveRangeFrom), and returns r unchanged otherwise.
func (t *Table[K, V]) liveRange(r Range) Range {
	if t.scope == nil {
		return r
	}
	if floor := t.liveFloor(); floor != nil && (r.Start == nil || bytes.Compare(r.Start, floor) < 0) {
		r.Start = floor
	}
	return r
}
