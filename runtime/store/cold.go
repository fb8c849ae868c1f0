package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/layout"
)

// Cold rows.
//
// A flushed row stays a row of its table: when runtime/flush has written a
// row to a Parquet segment and deletes its hot copy (deleteUnchanged),
// it writes, in the same Pebble batch, a cold marker
//
//	0x05 + BE uint32 table id + scope + key tuple → BE uint64 segment seq
//
// and leaves the row's index entries (unique and not) where they are,
// pointing at the key. The marker keyspace mirrors the row keyspace byte
// for byte after the first byte, so every range, scope, cursor and TTL
// floor of the rows applies to the markers unchanged.
//
// Why markers rather than manifest key ranges, row-group statistics or a
// bloom filter: a point read then costs one extra Pebble Get on a hot miss
// and opens exactly one segment; Count and key-only reads open none; and the
// hot unique entry keeps the existing UniqueViolationError path across
// tiers with no new check. The price is one small key per cold row (about
// the key's size plus 9 bytes, against the whole row hot).
//
// The marker is also the one rule of cold liveness: a flushed version of a
// key is live exactly when the key has no hot row and its marker names the
// version's segment. Put over a cold row writes the hot row and deletes the
// marker (hot wins); Delete deletes the row, the marker and the index
// entries (whose values are read from the cold row). Typed reads (Get, Has,
// Count, Scan, index scans, GetUnique, transactions) and the provider's
// union scan (runtime/scan) apply it from the same snapshot.
//
// The store reads a cold row's bytes through the coldtier.Reader that
// runtime/flush attaches to the DB (flush.New): the store cannot read
// Parquet. A read that meets a marker with no reader attached fails with
// ErrNoColdReader rather than pretending the row is gone.
const keyspaceCold = 0x05

// ErrNoColdReader is wrapped by reads that meet a flushed row while no
// flush executor is attached to the DB to read it.
var ErrNoColdReader = errors.New("store: the row is flushed to a cold segment and no flush executor is attached to read it; create one with flush.New on this DB")

func init() {
	coldtier.SlotOf = func(db any) *coldtier.Slot { return &stateOf(db.(*DB)).tier }
	coldtier.ColdSeq = func(db any, l *layout.Table) (uint64, error) { return db.(*DB).coldMarker(l) }
	coldtier.ReadOnly = func(db any) bool { return db.(*DB).popts.ReadOnly }
	coldtier.ColdRoot = func(db any) (string, error) { return db.(*DB).coldRoot() }
	coldtier.SetColdRoot = func(db any, root string) error { return db.(*DB).setColdRoot(root) }
	coldtier.RaiseColdSeq = func(db any, l *layout.Table, seq uint64) error { return db.(*DB).raiseColdMarker(l, seq) }
	coldtier.DeleteUnchanged = func(db any, l *layout.Table, seq uint64, rows []coldtier.RowVersion, sync bool) (int, error) {
		return db.(*DB).deleteUnchanged(l, seq, rows, sync)
	}
	coldtier.DeleteDamaged = func(db any, l *layout.Table, key, want []byte, save func([]byte) error) (bool, error) {
		return db.(*DB).deleteDamaged(l, key, want, save)
	}
}

// appendColdKey appends the cold marker key of a row key (header + scope +
// key tuple).
func appendColdKey(dst, rowKey []byte) []byte {
	dst = append(dst, keyspaceCold)
	return append(dst, rowKey[1:]...)
}

// coldBound maps a row-keyspace iterator bound to the marker keyspace.
func coldBound(b []byte) []byte {
	if b == nil {
		return nil
	}
	if b[0] != keyspaceRow {
		return []byte{keyspaceCold + 1}
	}
	c := bytes.Clone(b)
	c[0] = keyspaceCold
	return c
}

// ColdPrefix is the prefix of every cold marker of a table: 0x05 + BE
// uint32 table id, continued by the flushed row's scope and key tuple
// exactly as its row key was after 0x02 + table id. runtime/scan's union
// of hot rows and segments reads the markers through it: a flushed version
// of a key is live exactly when the key's marker names its segment.
func ColdPrefix(tableID uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{keyspaceCold}, tableID)
}

// flushed reports whether the table has ever been flushed: only then can
// it have markers.
func (c *tableCore) flushed() bool { return c.cold != nil && c.cold.Load() != 0 }

// coldSeq reads the marker of rowKey through g: the segment holding the
// row, or found false.
func (c *tableCore) coldSeq(g getter, rowKey []byte) (seq uint64, found bool, err error) {
	if !c.flushed() {
		return 0, false, nil
	}
	var kb [64]byte
	key := appendColdKey(kb[:0], rowKey)
	val, closer, err := g.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: %s: read cold marker %x: %w", c.name, key, err)
	}
	seq, err = coldtier.DecodeSeq(val)
	_ = closer.Close()
	if err != nil {
		return 0, false, &CorruptError{Table: c.name, Key: "0x" + fmt.Sprintf("%x", rowKey), Err: err}
	}
	return seq, true, nil
}

// coldValue reads the bytes of flushed row rowKey from segment seq. The
// slice may be shared with the reader's cache: callers copy it before a
// decoder may keep views into it.
func (c *tableCore) coldValue(seq uint64, rowKey []byte) ([]byte, error) {
	r := c.state.tier.Get()
	if r == nil {
		return nil, fmt.Errorf("store: %s: row 0x%x: %w", c.name, rowKey, ErrNoColdReader)
	}
	val, found, err := r.Row(&c.layout, seq, rowKey[rowHeaderLen:])
	if err != nil {
		return nil, fmt.Errorf("store: %s: read flushed row 0x%x from segment %d: %w", c.name, rowKey, seq, err)
	}
	if !found {
		return nil, &CorruptError{Table: c.name, Key: "0x" + fmt.Sprintf("%x", rowKey),
			Err: fmt.Errorf("the cold marker names segment %d, which does not hold the row (a segment was removed by hand?)", seq)}
	}
	return val, nil
}

// coldRow is the cold fallback of a hot miss: the flushed row's bytes when
// a marker names its segment.
func (c *tableCore) coldRow(g getter, rowKey []byte) ([]byte, bool, error) {
	seq, found, err := c.coldSeq(g, rowKey)
	if err != nil || !found {
		return nil, false, err
	}
	val, err := c.coldValue(seq, rowKey)
	if err != nil {
		return nil, false, err
	}
	return val, true, nil
}

// tierIter walks a table's hot rows and cold markers as one key order. Key
// returns the row key (keyspace 0x02) either way. Hot rows and markers of
// one key are exclusive (every write that creates one removes the other in
// the same batch); should both exist, the hot row wins and the marker is
// skipped.
type tierIter struct {
	c         *tableCore
	hot, cold *pebble.Iterator // cold is nil for a table never flushed
	hv, cv    bool
	reverse   bool
	onCold    bool
	// key is the current row key: the hot iterator's own (no copy per
	// row; Key is valid until the next move, as Pebble's is), or coldKey,
	// the row key rebuilt from the current cold marker's.
	key, coldKey []byte
}

func (c *tableCore) newTierIter(r pebble.Reader, lower, upper []byte, reverse bool) (*tierIter, error) {
	hot, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	t := &tierIter{c: c, hot: hot, reverse: reverse}
	if c.flushed() {
		if t.cold, err = r.NewIter(&pebble.IterOptions{LowerBound: coldBound(lower), UpperBound: coldBound(upper)}); err != nil {
			_ = hot.Close()
			return nil, err
		}
	}
	return t, nil
}

// settle picks the current source after a move.
func (t *tierIter) settle() bool {
	for t.hv && t.cv {
		c := bytes.Compare(t.hot.Key()[1:], t.cold.Key()[1:])
		if c == 0 {
			t.cv = t.step(t.cold) // shadowed marker: skip it
			continue
		}
		t.onCold = (c > 0) != t.reverse
		return t.pos()
	}
	t.onCold = t.cv
	return t.pos()
}

func (t *tierIter) pos() bool {
	switch {
	case t.onCold && t.cv:
		t.coldKey = append(append(t.coldKey[:0], keyspaceRow), t.cold.Key()[1:]...)
		t.key = t.coldKey
		return true
	case !t.onCold && t.hv:
		t.key = t.hot.Key()
		return true
	}
	return false
}

func (t *tierIter) step(it *pebble.Iterator) bool {
	if t.reverse {
		return it.Prev()
	}
	return it.Next()
}

// First positions at the first row in the iterator's direction.
func (t *tierIter) First() bool {
	t.hv = first(t.hot, t.reverse)
	if t.cold != nil {
		t.cv = first(t.cold, t.reverse)
	}
	return t.settle()
}

// Next moves one row in the iterator's direction.
func (t *tierIter) Next() bool {
	if t.onCold {
		t.cv = t.step(t.cold)
	} else {
		t.hv = t.step(t.hot)
	}
	return t.settle()
}

// Seek positions at the first row at or after key (a row key) going
// forward (Pebble's SeekGE), or at the last row strictly below key going
// in reverse (SeekLT).
func (t *tierIter) Seek(key []byte) bool {
	if t.reverse {
		t.hv = t.hot.SeekLT(key)
		if t.cold != nil {
			t.cv = t.cold.SeekLT(appendColdKey(nil, key))
		}
	} else {
		t.hv = t.hot.SeekGE(key)
		if t.cold != nil {
			t.cv = t.cold.SeekGE(appendColdKey(nil, key))
		}
	}
	return t.settle()
}

// Key is the current row key; valid until the next move.
func (t *tierIter) Key() []byte { return t.key }

// Value returns the current row's bytes; a cold row's may be shared with
// the cold reader's cache (copy before decoding with views).
func (t *tierIter) Value() ([]byte, error) {
	if !t.onCold {
		return t.hot.ValueAndErr()
	}
	v, err := t.cold.ValueAndErr()
	if err != nil {
		return nil, err
	}
	seq, err := coldtier.DecodeSeq(v)
	if err != nil {
		return nil, &CorruptError{Table: t.c.name, Key: fmt.Sprintf("0x%x", t.key), Err: err}
	}
	return t.c.coldValue(seq, t.key)
}

// Error returns the first iteration error of either source.
func (t *tierIter) Error() error {
	if err := t.hot.Error(); err != nil {
		return err
	}
	if t.cold != nil {
		return t.cold.Error()
	}
	return nil
}

// Close closes both iterators.
func (t *tierIter) Close() error {
	err := t.hot.Close()
	if t.cold != nil {
		if e := t.cold.Close(); err == nil {
			err = e
		}
	}
	return err
}

// coldRootKey is where runtime/flush records the cold root of the last
// executor created with write access on the DB, so tools that open the DB
// (tablegen inspect) read its flushed rows without being told where they
// are.
func coldRootKey() []byte {
	key := binary.BigEndian.AppendUint32([]byte{keyspaceMeta}, markTableID)
	return append(key, "cold-root"...)
}

// coldRoot returns the recorded cold root, "" when none was recorded.
func (db *DB) coldRoot() (string, error) {
	if !db.life.enter() {
		return "", ErrClosed
	}
	defer db.life.exit()
	val, closer, err := db.pdb.Get(coldRootKey())
	if errors.Is(err, pebble.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: read the recorded cold root: %w", err)
	}
	defer closer.Close()
	return string(val), nil
}

// setColdRoot records root, unless it is already recorded, with the DB's
// sync option: a record lost in a crash only means a tool must be told the
// root.
func (db *DB) setColdRoot(root string) error {
	if old, err := db.coldRoot(); err != nil || old == root {
		return err
	}
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	if err := db.set(coldRootKey(), []byte(root), db.writeOpts); err != nil {
		return fmt.Errorf("store: record the cold root %s: %w", root, err)
	}
	return nil
}
