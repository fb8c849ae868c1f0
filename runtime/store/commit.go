package store

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// defaultWriteTimeout is how long a write waits for Pebble when
// Options.WriteTimeout is 0.
const defaultWriteTimeout = 30 * time.Second

// ErrWriteTimeout is wrapped by the error of a write that Pebble did not
// take within Options.WriteTimeout, and of the writes refused while such a
// write is still queued. Pebble blocks commits while it cannot flush its
// memtables (a full disk, which it retries until space is freed), so these
// writes fail instead of hanging. Test for it with errors.Is.
var ErrWriteTimeout = errors.New("store: the database did not take the write in time; the disk may be full or too slow: free space, then retry")

// Pebble's trouble states, which make commits take the bounded path.
const (
	troubleStall int32 = 1 << iota // writes are stalled (WriteStallBegin until WriteStallEnd)
	troubleFlush                   // the last memtable flush failed (a full disk: Pebble retries it)
)

// commit applies pb and closes it. While Pebble flushes normally it commits
// on the caller's goroutine: a commit blocks only when memtables cannot be
// flushed, and a flush fails (or writes stall) long before the memtables
// queue up to the point where a commit blocks. While Pebble is in trouble,
// it commits on a goroutine of its own and waits at most the DB's write
// timeout (handing every commit to another goroutine costs a scheduler
// round trip, which tripled the time of a single Put). When the timeout
// passes first, the commit stays queued in Pebble (it cannot be
// withdrawn) and is applied once Pebble can write again, unless the process
// ends first; the returned error says so, and until it is applied every
// other commit is refused at once (see refuseWhilePending), because a
// writer that read rows now would miss its changes.
func (db *DB) commit(pb *pebble.Batch, wo *pebble.WriteOptions) error {
	return db.commitBounded(pb, wo, db.trouble.Load() == 0)
}

// commitMaintenance is commit for the store's own writes (a flush's
// deletions, cold markers, compaction's marker moves, layout records,
// backfills, marks): it always commits on a goroutine of its own and waits
// at most the write timeout. Those writes are few and large, so the
// goroutine costs nothing, and it closes the gap commit leaves: a write
// stall that begins while a commit runs on the caller's goroutine (Pebble
// had not reported trouble when it started) would block it for as long as
// the disk stays full.
func (db *DB) commitMaintenance(pb *pebble.Batch, wo *pebble.WriteOptions) error {
	return db.commitBounded(pb, wo, false)
}

// finishMaintenance ends a maintenance batch of table name's (what: the
// operation, for errors): it commits pb through commitMaintenance, synced
// when sync is set, and closes it. An empty pb is closed without a commit,
// but with sync the WAL is still synced: the caller relies on its earlier
// unsynced chunks being durable when this returns.
func (db *DB) finishMaintenance(pb *pebble.Batch, sync bool, name, what string) error {
	if pb.Empty() {
		_ = pb.Close()
		if sync {
			return db.syncWAL(name)
		}
		return nil
	}
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	if err := db.commitMaintenance(pb, wo); err != nil { // bounded on a full disk
		return fmt.Errorf("store: %s: %s: commit: %w", name, what, err)
	}
	return nil
}

// commitBounded is commit and commitMaintenance: direct commits on the
// caller's goroutine, the others through commitWait. It closes pb.
func (db *DB) commitBounded(pb *pebble.Batch, wo *pebble.WriteOptions, direct bool) error {
	if err := db.fatalErr(); err != nil {
		// Pebble has stopped (a failed MANIFEST write, say): hand it
		// nothing more, whose commit could block or be lost.
		_ = pb.Close()
		return err
	}
	if db.writeTimeout < 0 || direct {
		err := pb.Commit(wo)
		_ = pb.Close()
		return db.checkCommit(err)
	}
	return db.commitWait(pb, wo)
}

// commitWait commits pb on a goroutine and waits at most the write
// timeout (see commit).
func (db *DB) commitWait(pb *pebble.Batch, wo *pebble.WriteOptions) error {
	const running, finished, abandoned = 0, 1, 2
	var state atomic.Int32
	done := make(chan error, 1)
	db.life.enter() // cannot fail: the caller is inside an operation; Close waits for this commit
	go func() {
		defer db.life.exit()
		err := pb.Commit(wo)
		_ = pb.Close()
		if !state.CompareAndSwap(running, finished) {
			db.pending.Add(-1) // the caller gave up on it
		}
		done <- err
	}()
	timer := time.NewTimer(db.writeTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return db.checkCommit(err)
	case <-timer.C:
		if !state.CompareAndSwap(running, abandoned) {
			return db.checkCommit(<-done) // finished just now
		}
		db.pending.Add(1)
		return fmt.Errorf("%w (waited %v): the write is queued and will be applied when Pebble can write again, unless the process stops first; read it back to know", ErrWriteTimeout, db.writeTimeout)
	}
}

// refuseWhilePending fails a commit at once while a commit that timed out
// is still queued in Pebble (see commit). It is called before a commit
// reads anything.
func (db *DB) refuseWhilePending() error {
	if db.writeTimeout >= 0 && db.pending.Load() > 0 {
		return fmt.Errorf("%w: an earlier write is still waiting for Pebble", ErrWriteTimeout)
	}
	return nil
}

// set writes one key through commit, so that maintenance writes (cold
// markers, layout records, marks) are bounded on a full disk like rows.
func (db *DB) set(key, val []byte, wo *pebble.WriteOptions) error {
	if err := db.refuseWhilePending(); err != nil {
		return err
	}
	pb := db.pdb.NewBatch()
	if err := pb.Set(key, val, nil); err != nil {
		_ = pb.Close()
		return err
	}
	return db.commitMaintenance(pb, wo)
}
