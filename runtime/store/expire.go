package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// Owner-partitioned tables (kind user and stream) keep every owner's rows
// under scope = keyenc.AppendString(nil, owner), right after the table
// header. Because that encoding is self-delimiting (no owner's scope is a
// prefix of another's), one owner's rows are one contiguous key range, and
// the owners of a table can be enumerated by seeking past each scope. This
// file holds what works on that structure: expiry of stream tables and the
// explicitly named cross-owner reads used by flush, admin and export.

// liveRangeFrom narrows r to the key tuples whose leading timestamp (a stream
// table's event time, encoded with keyenc.AppendTimestamp) is at or after
// cutoff. Stream reads go through it so that a row older than the TTL is
// never returned, even before [Table.Expire] has removed it.
func liveRangeFrom(r Range, cutoff time.Time) Range {
	floor := keyenc.AppendTimestamp(nil, cutoff)
	if r.Start == nil || bytes.Compare(r.Start, floor) < 0 {
		r.Start = floor
	}
	return r
}

// ownerPartitioned reports whether the table's keys carry an owner scope.
func (c *tableCore) ownerPartitioned() bool {
	return c.layout.Kind.OwnerScoped()
}

// checkExpirable says why Expire cannot run on the table, or nil.
func (c *tableCore) checkExpirable() error {
	switch {
	case !c.ownerPartitioned():
		return fmt.Errorf("store: %s: Expire needs an owner-partitioned table (kind stream), not kind %q", c.name, c.layout.Kind)
	case len(c.layout.Key) == 0 || c.layout.Key[0].Type != "timestamp" || c.layout.Key[0].Desc:
		return fmt.Errorf("store: %s: Expire needs a key whose first column is an ascending timestamp (the event time); declare it first in the key", c.name)
	case len(c.indexes) > 0:
		return fmt.Errorf("store: %s: Expire cannot run on a table with secondary indexes (a range deletion would leave their entries behind); stream tables may not declare indexes", c.name)
	}
	return nil
}

// expireBatchRanges is how many range deletions Expire commits per Pebble
// batch: enough to amortise the commit, small enough to keep a batch tiny.
const expireBatchRanges = 256

// Expire removes expired rows of a stream table and returns how many it
// removed. For every owner (only this view's owner when t is scoped) it
// deletes, with one Pebble range deletion, the rows whose event time (the
// first key column) is before cutoff: the key range [scope, scope +
// enc(cutoff)). When maxRowsPerOwner > 0 it then also removes, with a
// second range deletion, an owner's oldest remaining rows beyond its newest
// maxRowsPerOwner: the cap is enforced here, by Expire (and the background
// expirer), not on write, so between two runs an owner may hold more rows
// than the cap. Rows removed for either reason are counted.
//
// Owners are enumerated by seeking past each owner's scope, so the cost is
// one seek per owner plus a key-only pass over the removed rows (to count
// them) and, with a cap, over at most maxRowsPerOwner live rows per owner.
// The count is taken from the point-in-time view Expire starts with; an
// expired row written while it runs may be removed without being counted.
// Deletions are committed in batches with the DB's sync setting; on an error
// the owners handled so far stay expired and the rest are untouched.
func (t *Table[K, V]) Expire(cutoff time.Time, maxRowsPerOwner int) (int, error) {
	c := t.core
	if err := c.checkExpirable(); err != nil {
		return 0, err
	}
	if t.tx != nil {
		return 0, fmt.Errorf("store: %s: Expire runs outside transactions (in one it would wait for the transaction's own lock); call it on the table, not on a view from In", c.name)
	}
	if err := t.allow(access.Write); err != nil {
		return 0, err
	}
	if maxRowsPerOwner < 0 {
		return 0, fmt.Errorf("store: %s: maxRowsPerOwner is %d; use 0 for no cap or a positive row count", c.name, maxRowsPerOwner)
	}
	db := c.db
	if !db.life.enter() {
		return 0, ErrClosed
	}
	defer db.life.exit()
	// The hot rows, then (once the table has been flushed) the cold
	// markers of flushed rows: the marker keyspace mirrors the rows', so
	// the same range deletions expire flushed rows, which every read then
	// stops seeing (cold.go). The cap counts hot rows only: flushed rows
	// past the TTL are removed, flushed rows over the cap stay until they
	// expire.
	total := 0
	for _, header := range [][]byte{appendRowPrefix(nil, c.id), append([]byte{keyspaceCold}, appendRowPrefix(nil, c.id)[1:]...)} {
		if header[0] == keyspaceCold && !c.flushed() {
			break
		}
		max := maxRowsPerOwner
		if header[0] == keyspaceCold {
			max = 0
		}
		n, err := t.expireSpace(header, cutoff, max)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// expireSpace runs Expire over one keyspace of the table (header: its
// prefix, the row or cold-marker keyspace).
func (t *Table[K, V]) expireSpace(header []byte, cutoff time.Time, maxRowsPerOwner int) (int, error) {
	c := t.core
	db := c.db
	lower := append(bytes.Clone(header), t.scope...)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
	if err != nil {
		return 0, fmt.Errorf("store: %s: expire: %w", c.name, err)
	}
	x := expiry{c: c, it: it, floor: keyenc.AppendTimestamp(nil, cutoff), max: maxRowsPerOwner, b: db.pdb.NewBatch()}
	defer func() { _ = x.b.Close() }() // the batch of the last commit: commit replaces it
	total := 0
	var scopeKey []byte
	for ok := it.First(); ok; ok = it.SeekGE(prefixEnd(scopeKey)) {
		key := it.Key()
		_, rest, err := keyenc.DecodeString(key[len(header):])
		if err != nil {
			_ = it.Close()
			return total, &CorruptError{Table: c.name, Key: "0x" + hex.EncodeToString(key), Err: fmt.Errorf("row key has no owner scope: %w", err)}
		}
		scopeKey = append(scopeKey[:0], key[:len(key)-len(rest)]...)
		n, err := x.owner(scopeKey)
		total += n
		if err == nil && x.ranges >= expireBatchRanges {
			err = x.commit()
		}
		if err != nil {
			_ = it.Close()
			return total, err
		}
	}
	if err := it.Close(); err != nil {
		return total, fmt.Errorf("store: %s: expire: %w", c.name, err)
	}
	if err := x.commit(); err != nil {
		return total, err
	}
	return total, nil
}

// expiry is the state of one Expire run.
type expiry struct {
	c      *tableCore
	it     *pebble.Iterator
	floor  []byte // encoded cutoff
	max    int
	b      *pebble.Batch
	ranges int // range deletions in b
}

// owner expires the rows under one owner's scope key (header + scope); the
// iterator is positioned anywhere in that scope on entry.
func (x *expiry) owner(scope []byte) (int, error) {
	cut := append(bytes.Clone(scope), x.floor...)
	n := 0
	for ok := x.it.SeekGE(scope); ok && bytes.Compare(x.it.Key(), cut) < 0; ok = x.it.Next() {
		n++
	}
	if n > 0 {
		if err := x.b.DeleteRange(scope, cut, nil); err != nil {
			return 0, fmt.Errorf("store: %s: expire: %w", x.c.name, err)
		}
		x.ranges++
	}
	if x.max == 0 {
		return n, nil
	}
	// Walk back over the newest max live rows; whatever live row is left
	// below them is over the cap, down to the cutoff.
	end := prefixEnd(scope)
	ok := x.it.SeekLT(end)
	for kept := 0; ok && kept < x.max && bytes.Compare(x.it.Key(), cut) >= 0; kept++ {
		ok = x.it.Prev()
	}
	if !ok || bytes.Compare(x.it.Key(), cut) < 0 {
		if err := x.it.Error(); err != nil {
			return n, fmt.Errorf("store: %s: expire: %w", x.c.name, err)
		}
		return n, nil // at most max live rows: nothing over the cap
	}
	over := append(bytes.Clone(x.it.Key()), 0x00) // just past the newest row over the cap
	for ; ok && bytes.Compare(x.it.Key(), cut) >= 0; ok = x.it.Prev() {
		n++
	}
	if err := x.it.Error(); err != nil {
		return n, fmt.Errorf("store: %s: expire: %w", x.c.name, err)
	}
	if err := x.b.DeleteRange(cut, over, nil); err != nil {
		return n, fmt.Errorf("store: %s: expire: %w", x.c.name, err)
	}
	x.ranges++
	return n, nil
}

// commit applies the pending range deletions, under the DB's writer lock:
// a transaction that read rows the deletions remove commits entirely
// before them or starts after them, and one that wrote such rows has them
// removed, never brought back.
func (x *expiry) commit() error {
	if x.ranges == 0 {
		return nil
	}
	db := x.c.db
	db.commitMu.Lock()
	err := db.refuseWhilePending()
	if err == nil {
		// Bounded by Options.WriteTimeout like every write; commit
		// closes the batch, so the next deletions go into a new one.
		err = db.commit(x.b, db.writeOpts)
		x.b = db.pdb.NewBatch()
	}
	db.commitMu.Unlock()
	if err != nil {
		return fmt.Errorf("store: %s: expire: commit: %w", x.c.name, err)
	}
	x.ranges = 0
	return nil
}
