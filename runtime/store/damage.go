package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/layout"
)

// dropEntriesOf deletes, in pb, every index entry of table c in scope that
// points to the row ref (scope + key tuple), for a row whose stored bytes
// do not decode, so its index values, and with them its entries' keys, are
// unknown. An entry's value holds the ref of its row whatever the index, so the
// entries are found by reading each index's keyspace within the scope: a
// cost proportional to the index, paid only when such a row is deleted or
// overwritten. Entries of the batch's own earlier operations are seen
// through its reads; the caller holds the commit mutex.
func (b *Batch) dropEntriesOf(pb batchWriter, c *tableCore, scope, ref []byte) error {
	for _, ix := range c.indexes {
		lower := append(appendIndexPrefix(nil, c.id, ix.id), scope...)
		it, err := b.db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
		if err != nil {
			return readError(c.name, c.formatKey(ref[len(scope):]), "find the index entries of a damaged row", err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			v, err := it.ValueAndErr()
			if err != nil {
				_ = it.Close()
				return readError(c.name, c.formatKey(ref[len(scope):]), "find the index entries of a damaged row", err)
			}
			// A covering value that does not split holds no ref: not this
			// row's (Verify reports it).
			if got, _, err := splitEntryValue(ix, v); err != nil || !bytes.Equal(got, ref) {
				continue
			}
			if err := pb.Delete(it.Key(), nil); err != nil {
				_ = it.Close()
				return wrapWrite(c, err)
			}
			if ix.unique {
				if r := b.lookup(it.Key()); r != nil {
					r.found = false
				}
			}
		}
		if err := it.Close(); err != nil {
			return readError(c.name, c.formatKey(ref[len(scope):]), "find the index entries of a damaged row", err)
		}
	}
	return nil
}

// Repair removes, under the commit mutex (so no writer of an indexed table
// changes anything meanwhile), every dangling and stale index entry that
// Verify finds in the view, and returns what it removed and the problems it
// leaves: corrupt rows (delete or overwrite them: their entries go with
// them) and missing entries (rewrite the row with Put to restore them).
// Rows are never changed. On an error nothing was removed.
func (t *Table[K, V]) Repair() (removed, left []Problem, err error) {
	db := t.core.db
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	problems, err := t.Verify()
	if err != nil {
		return nil, problems, err
	}
	if !db.life.enter() {
		return nil, problems, ErrClosed
	}
	defer db.life.exit()
	if err := db.refuseWhilePending(); err != nil {
		return nil, problems, fmt.Errorf("store: %s: repair: %w", t.core.name, err)
	}
	pb := db.pdb.NewBatch()
	for _, p := range problems {
		if p.Kind != DanglingEntry && p.Kind != StaleEntry {
			left = append(left, p)
			continue
		}
		if err := pb.Delete(p.RawKey, nil); err != nil {
			_ = pb.Close()
			return nil, problems, fmt.Errorf("store: %s: repair: %w", t.core.name, err)
		}
		removed = append(removed, p)
	}
	if len(removed) == 0 {
		_ = pb.Close()
		return nil, left, nil
	}
	if err := db.commit(pb, db.writeOpts); err != nil { // closes pb
		return nil, problems, fmt.Errorf("store: %s: repair: remove %d index entries: %w", t.core.name, len(removed), err)
	}
	return removed, left, nil
}

// deleteDamaged deletes the row of table l whose key below the row prefix
// is key (scope + key tuple), with every index entry pointing to it, but
// only while its stored value is still want: the value a flush's
// snapshot held and could not decode. save is called with the value
// under the commit mutex and the plain-writer lock (no write of any table
// can change the row meanwhile) before anything is deleted; its error
// aborts and deletes nothing, which is what lets a flush write the row to
// its quarantine durably first. A table with flushed rows also gets the
// row's tombstone, so no older flushed copy comes back. deleted is false
// (and save is not called) when the row changed or went since.
func (db *DB) deleteDamaged(l *layout.Table, key, want []byte, save func(value []byte) error) (deleted bool, err error) {
	x, err := newLayoutIndexer(l)
	if err != nil {
		return false, err
	}
	c := x.core
	c.db = db
	c.formatKey = func(tuple []byte) string { return "0x" + hex.EncodeToString(tuple) }
	scope, _, err := x.split(key)
	if err != nil {
		return false, &CorruptError{Table: c.name, Key: "0x" + hex.EncodeToString(key), Err: err}
	}
	if err := c.loadCold(); err != nil {
		return false, err
	}
	if !db.life.enter() {
		return false, ErrClosed
	}
	defer db.life.exit()
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	c.state.plainMu.Lock()
	defer c.state.plainMu.Unlock()
	if err := db.refuseWhilePending(); err != nil {
		return false, fmt.Errorf("store: %s: delete damaged row 0x%x: %w", c.name, key, err)
	}
	rowKey := append(appendRowPrefix(nil, l.ID), key...)
	v, closer, err := db.pdb.Get(rowKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, readError(c.name, c.formatKey(key), "read a damaged row", err)
	}
	same := bytes.Equal(v, want)
	_ = closer.Close()
	if !same {
		return false, nil
	}
	if err := save(want); err != nil {
		return false, err
	}
	pb := db.pdb.NewBatch()
	b := &Batch{db: db}
	if err := b.dropEntriesOf(pb, c, scope, key); err != nil {
		_ = pb.Close()
		return false, err
	}
	if err := pb.Delete(rowKey, nil); err != nil {
		_ = pb.Close()
		return false, wrapWrite(c, err)
	}
	if seq := c.cold.Load(); seq != 0 {
		if err := pb.Delete(appendColdKey(nil, rowKey), nil); err != nil {
			_ = pb.Close()
			return false, wrapWrite(c, err)
		}
		t := appendTombstone(nil, rowKey)
		if err := pb.Set(t, binary.BigEndian.AppendUint64(nil, seq), nil); err != nil {
			_ = pb.Close()
			return false, wrapWrite(c, err)
		}
	}
	if err := db.commitMaintenance(pb, pebble.Sync); err != nil { // closes pb
		return false, fmt.Errorf("store: %s: delete damaged row 0x%x: %w", c.name, key, err)
	}
	return true, nil
}
