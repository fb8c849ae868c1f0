package store

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// dropEntriesOf deletes, in pb, every index entry of table c in scope that
// points to the row ref (scope + key tuple), for a row whose stored bytes
// do not decode, so its index values, and with them its entries' keys, are
// unknown. An entry's value is the ref of its row whatever the index, so the
// entries are found by reading each index's keyspace within the scope: a
// cost proportional to the index, paid only when such a row is deleted or
// overwritten. Entries of the batch's own earlier operations are seen
// through its reads; the caller holds the commit mutex.
func (b *Batch) dropEntriesOf(pb *pebble.Batch, c *tableCore, scope, ref []byte) error {
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
			if !bytes.Equal(v, ref) {
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
