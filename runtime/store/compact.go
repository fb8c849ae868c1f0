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

// The store half of a compaction of flushed segments (runtime/flush's
// Compact): once the merged segment and its manifest entry are durable,
// the rows it took move to it, and the markers of the rows it dropped as
// expired go. Both run under the writer locks, like deleteUnchanged, so a
// row written or deleted meanwhile is never touched: its marker no longer
// names the old segment.

func init() {
	coldtier.Repoint = func(db any, l *layout.Table, to uint64, rows []coldtier.Move, sync bool) (int, error) {
		return db.(*DB).repoint(l, to, rows, sync)
	}
	coldtier.DropTombstones = func(db any, l *layout.Table, scope []byte, below uint64) (int, error) {
		return db.(*DB).dropTombstones(l, scope, below)
	}
}

// repoint sets the cold marker of each row in rows that still names
// segment From to segment to, or deletes it when the move is a Drop, in one
// Pebble batch; a row whose marker names another segment, or has none
// (written hot again, deleted), is left alone. It returns how many markers
// changed. Redoing it is harmless: a moved marker no longer names From.
func (db *DB) repoint(l *layout.Table, to uint64, rows []coldtier.Move, sync bool) (int, error) {
	name := l.FullName()
	if len(rows) == 0 {
		if sync {
			return 0, db.syncWAL(name)
		}
		return 0, nil
	}
	if !db.life.enter() {
		return 0, ErrClosed
	}
	defer db.life.exit()
	st := stateOf(db)
	m, err := st.cold(db, l.ID)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", name, err)
	}
	for i := range rows {
		if !rows[i].Drop && (to == 0 || to > m.Load()) {
			return 0, fmt.Errorf("store: %s: move flushed rows to segment %d: no flush reserved that number (the table's cold marker is %d); take it from FlushSnapshot", name, to, m.Load())
		}
	}
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	st.plainMu.Lock()
	defer st.plainMu.Unlock()
	if err := db.refuseWhilePending(); err != nil {
		return 0, fmt.Errorf("store: %s: move cold markers: %w", name, err)
	}
	pb := db.pdb.NewBatch()
	committed := false
	defer func() {
		if !committed {
			_ = pb.Close()
		}
	}()
	prefix := ColdPrefix(l.ID)
	toVal := binary.BigEndian.AppendUint64(nil, to)
	var key []byte
	changed := 0
	for i := range rows {
		key = append(append(key[:0], prefix...), rows[i].Key...)
		val, closer, err := db.pdb.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: %s: read cold marker %x: %w", name, key, err)
		}
		seq, derr := coldtier.DecodeSeq(val)
		_ = closer.Close()
		if derr != nil {
			return 0, &CorruptError{Table: name, Key: fmt.Sprintf("0x%x", key), Err: derr}
		}
		if seq != rows[i].From {
			continue
		}
		if rows[i].Drop {
			err = pb.Delete(key, nil)
		} else {
			err = pb.Set(key, toVal, nil)
		}
		if err != nil {
			return 0, fmt.Errorf("store: %s: move cold marker %x: %w", name, key, err)
		}
		changed++
	}
	committed = true
	if err := db.finishMaintenance(pb, sync, name, "move cold markers"); err != nil {
		return 0, err
	}
	return changed, nil
}

// tombstoneChunk bounds the tombstones dropTombstones deletes per batch,
// and so how long it holds writers out.
const tombstoneChunk = 4096

// dropTombstones deletes the tombstones of table l in scope (nil: the whole
// table) whose seq is below below: they only ever hid flushed copies in
// segments numbered up to their seq, and once no listed segment of the
// scope is numbered that low they hide nothing. Tombstones written
// meanwhile carry the current cold marker, at least below's segment, and
// stay. It returns how many it deleted.
func (db *DB) dropTombstones(l *layout.Table, scope []byte, below uint64) (int, error) {
	name := l.FullName()
	if !db.life.enter() {
		return 0, ErrClosed
	}
	defer db.life.exit()
	st := stateOf(db)
	prefix := append(tombstonePrefix(l.ID), scope...)
	upper := prefixEnd(prefix)
	from := prefix
	total := 0
	for {
		n, next, err := func() (int, []byte, error) {
			db.commitMu.Lock()
			defer db.commitMu.Unlock()
			st.plainMu.Lock()
			defer st.plainMu.Unlock()
			it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: upper})
			if err != nil {
				return 0, nil, fmt.Errorf("store: %s: drop tombstones: %w", name, err)
			}
			if err := db.refuseWhilePending(); err != nil {
				return 0, nil, fmt.Errorf("store: %s: drop tombstones: %w", name, err)
			}
			pb := db.pdb.NewBatch()
			committed := false
			defer func() {
				if !committed {
					_ = pb.Close()
				}
			}()
			n := 0
			var next []byte
			for ok := it.First(); ok; ok = it.Next() {
				if n == tombstoneChunk {
					next = bytes.Clone(it.Key())
					break
				}
				v, err := it.ValueAndErr()
				if err == nil {
					var seq uint64
					if seq, err = decodeTombstone(v); err == nil && seq < below {
						err = pb.Delete(it.Key(), nil)
						n++
					}
				}
				if err != nil {
					_ = it.Close()
					return 0, nil, fmt.Errorf("store: %s: drop tombstone %x: %w", name, it.Key(), err)
				}
			}
			if err := it.Close(); err != nil {
				return 0, nil, fmt.Errorf("store: %s: drop tombstones: %w", name, err)
			}
			committed = true
			if err := db.finishMaintenance(pb, false, name, "drop tombstones"); err != nil {
				return 0, nil, err
			}
			return n, next, nil
		}()
		total += n
		if err != nil || next == nil {
			return total, err
		}
		from = next
	}
}
