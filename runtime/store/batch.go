package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// Batch collects puts and deletes on any tables of one DB and applies them
// atomically with Commit: all rows and index entries, or nothing. Operations
// are applied in the order they were added, each seeing the ones before it:
// two puts of one key leave the second row, a put then a delete leaves no
// row, and two rows given the same unique values in one batch make Commit
// fail with a *UniqueViolationError. A Batch is not safe for concurrent use;
// use one per goroutine.
type Batch struct {
	db   *DB
	sync *bool // per-batch override of Options.Sync; nil = the DB's setting
	ops  []op
	buf  []byte // encoded keys, rows and index values of all ops
	idx  []span // index values of put ops, len(core.indexes) per op
	// scratch reused by Commit
	kbuf  []byte
	obuf  []byte
	spans []span
}

// op is one logical operation, encoded when it was added (so the caller may
// change the row afterwards) and materialized by Commit.
type op struct {
	core   *tableCore
	scope  []byte
	del    bool
	rowKey span // header + scope + key tuple, in buf
	pk     int  // start of the key tuple in buf (ends at rowKey.end)
	row    span // encoded row (puts), in buf
	idx    int  // first of len(core.indexes) spans in Batch.idx (puts)
}

// NewBatch returns an empty batch on db.
func (db *DB) NewBatch() *Batch { return &Batch{db: db} }

// SetSync overrides the DB's Options.Sync for this batch's commits.
func (b *Batch) SetSync(sync bool) { b.sync = &sync }

// Len is the number of operations in the batch.
func (b *Batch) Len() int { return len(b.ops) }

// Reset empties the batch (keeping its memory and its SetSync override) so
// it can be reused.
func (b *Batch) Reset() {
	clear(b.ops) // drop references to tables
	b.ops = b.ops[:0]
	b.buf = b.buf[:0]
	b.idx = b.idx[:0]
}

// PutIn adds a put of row v to batch b. The row is encoded now; changing v
// afterwards does not change the batch.
func (t *Table[K, V]) PutIn(b *Batch, v *V) {
	o := op{core: t.core, scope: t.scope, idx: len(b.idx)}
	o.rowKey.start = len(b.buf)
	b.buf = appendRowPrefix(b.buf, t.core.id)
	b.buf = append(b.buf, t.scope...)
	o.pk = len(b.buf)
	b.buf = t.spec.AppendKey(b.buf, t.spec.KeyOf(v))
	o.rowKey.end = len(b.buf)
	o.row.start = len(b.buf)
	b.buf = t.spec.AppendRow(b.buf, v)
	o.row.end = len(b.buf)
	for _, ix := range t.spec.Indexes {
		start := len(b.buf)
		var ok bool
		b.buf, ok = ix.AppendValues(b.buf, v)
		if !ok {
			b.buf = b.buf[:start]
		}
		b.idx = append(b.idx, span{start, len(b.buf), ok})
	}
	b.ops = append(b.ops, o)
}

// DeleteIn adds a delete of the row with key k (and its index entries) to
// batch b. Deleting a missing row is not an error.
func (t *Table[K, V]) DeleteIn(b *Batch, k K) {
	o := op{core: t.core, scope: t.scope, del: true}
	o.rowKey.start = len(b.buf)
	b.buf = appendRowPrefix(b.buf, t.core.id)
	b.buf = append(b.buf, t.scope...)
	o.pk = len(b.buf)
	b.buf = t.spec.AppendKey(b.buf, k)
	o.rowKey.end = len(b.buf)
	b.ops = append(b.ops, o)
}

func (b *Batch) bytes(s span) []byte { return b.buf[s.start:s.end] }

// Commit applies every operation atomically and, on success, empties the
// batch. On error nothing was written and the batch keeps its operations;
// Reset it to reuse it. Batches that touch tables with indexes commit through
// the DB's commit mutex (see the package documentation), which is what makes
// unique indexes hold under concurrent writers.
func (b *Batch) Commit() error {
	if len(b.ops) == 0 {
		return nil
	}
	db := b.db
	indexed := false
	for i := range b.ops {
		if b.ops[i].core.db != db {
			return fmt.Errorf("store: batch: operation %d is on table %s of another DB; a batch commits to one DB only", i, b.ops[i].core.name)
		}
		indexed = indexed || len(b.ops[i].core.indexes) > 0
	}
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	wo := db.writeOpts
	if b.sync != nil {
		wo = pebble.NoSync
		if *b.sync {
			wo = pebble.Sync
		}
	}
	var err error
	if indexed {
		err = b.commitIndexed(wo)
	} else {
		err = b.commitPlain(wo)
	}
	if err != nil {
		return err
	}
	b.Reset()
	return nil
}

// commitPlain writes a batch that touches no indexed table: nothing needs to
// be read first, so it does not take the commit mutex.
func (b *Batch) commitPlain(wo *pebble.WriteOptions) error {
	pb := b.db.pdb.NewBatch()
	defer pb.Close()
	for i := range b.ops {
		o := &b.ops[i]
		var err error
		if o.del {
			err = pb.Delete(b.bytes(o.rowKey), nil)
		} else {
			err = pb.Set(b.bytes(o.rowKey), b.bytes(o.row), nil)
		}
		if err != nil {
			return fmt.Errorf("store: batch: %s: %w", o.core.name, err)
		}
	}
	if err := pb.Commit(wo); err != nil {
		return fmt.Errorf("store: batch commit: %w", err)
	}
	return nil
}

// commitIndexed materializes the batch under the commit mutex in an indexed
// Pebble batch, so each operation reads the rows and entries left by the
// operations before it, and no other writer can change them in between.
func (b *Batch) commitIndexed(wo *pebble.WriteOptions) error {
	db := b.db
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	pb := db.pdb.NewIndexedBatch()
	defer pb.Close()
	for i := range b.ops {
		if err := b.apply(pb, &b.ops[i]); err != nil {
			return err
		}
	}
	if err := pb.Commit(wo); err != nil {
		return fmt.Errorf("store: batch commit: %w", err)
	}
	return nil
}

// apply writes one operation and the index changes it implies into pb.
func (b *Batch) apply(pb *pebble.Batch, o *op) error {
	c := o.core
	rowKey := b.bytes(o.rowKey)
	pk := b.buf[o.pk:o.rowKey.end]
	ref := rowKey[rowHeaderLen:] // scope + key tuple: the value of index entries
	if len(c.indexes) == 0 {
		if o.del {
			return wrapWrite(c, pb.Delete(rowKey, nil))
		}
		return wrapWrite(c, pb.Set(rowKey, b.bytes(o.row), nil))
	}

	// The old row's index values, if there is an old row.
	hadOld := false
	b.obuf, b.spans = b.obuf[:0], b.spans[:0]
	old, closer, err := pb.Get(rowKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return fmt.Errorf("store: %s: read row %s: %w", c.name, c.formatKey(pk), err)
	default:
		hadOld = true
		b.obuf, b.spans, err = c.indexValues(old, b.obuf, b.spans)
		_ = closer.Close()
		if err != nil {
			return &CorruptError{Table: c.name, Key: c.formatKey(pk), Err: fmt.Errorf("the stored row cannot be decoded to update its index entries: %w", err)}
		}
	}

	for i, ix := range c.indexes {
		var oldV, newV []byte
		oldOK := hadOld && b.spans[i].ok
		if oldOK {
			oldV = b.obuf[b.spans[i].start:b.spans[i].end]
		}
		newOK := false
		if !o.del {
			s := b.idx[o.idx+i]
			newOK = s.ok
			newV = b.bytes(s)
		}
		if oldOK == newOK && bytes.Equal(oldV, newV) {
			continue // unchanged (or absent both times): leave the entry alone
		}
		if newOK && ix.unique {
			b.kbuf = entryKey(b.kbuf[:0], c, ix, o.scope, newV, pk)
			if err := b.checkUnique(pb, c, ix, o, b.kbuf, ref, newV, pk); err != nil {
				return err
			}
		}
		if oldOK {
			b.kbuf = entryKey(b.kbuf[:0], c, ix, o.scope, oldV, pk)
			if err := pb.Delete(b.kbuf, nil); err != nil {
				return wrapWrite(c, err)
			}
		}
		if newOK {
			b.kbuf = entryKey(b.kbuf[:0], c, ix, o.scope, newV, pk)
			if err := pb.Set(b.kbuf, ref, nil); err != nil {
				return wrapWrite(c, err)
			}
		}
	}
	if o.del {
		return wrapWrite(c, pb.Delete(rowKey, nil))
	}
	return wrapWrite(c, pb.Set(rowKey, b.bytes(o.row), nil))
}

// checkUnique fails when the unique entry key already points to another row.
func (b *Batch) checkUnique(pb *pebble.Batch, c *tableCore, ix indexCore, o *op, key, ref, values, pk []byte) error {
	got, closer, err := pb.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %s: index %s: read entry: %w", c.name, ix.name, err)
	}
	defer closer.Close()
	if bytes.Equal(got, ref) {
		return nil // a stale entry of this very row
	}
	existing := "0x" + fmt.Sprintf("%x", got)
	if rest, ok := bytes.CutPrefix(got, o.scope); ok {
		existing = c.formatKey(rest)
	}
	return &UniqueViolationError{
		Table:       c.name,
		Index:       ix.name,
		Values:      bytes.Clone(values),
		ExistingKey: existing,
		Key:         c.formatKey(pk),
	}
}

// entryKey appends an index entry key: header + scope + values, + key tuple
// for a non-unique index.
func entryKey(dst []byte, c *tableCore, ix indexCore, scope, values, pk []byte) []byte {
	dst = appendIndexPrefix(dst, c.id, ix.id)
	dst = append(dst, scope...)
	dst = append(dst, values...)
	if !ix.unique {
		dst = append(dst, pk...)
	}
	return dst
}

func wrapWrite(c *tableCore, err error) error {
	if err != nil {
		return fmt.Errorf("store: %s: write batch: %w", c.name, err)
	}
	return nil
}

// Single Put/Delete calls on indexed tables reuse batches, and direct puts
// reuse encoding buffers, instead of allocating per call.
var (
	bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}
)

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 64<<10 { // keep pooled buffers small
		bufPool.Put(b)
	}
}

func (db *DB) getBatch() *Batch {
	if b, ok := db.batches.Get().(*Batch); ok {
		return b
	}
	return &Batch{db: db}
}

func (db *DB) putBatch(b *Batch) {
	b.Reset()
	if cap(b.buf) <= 64<<10 {
		db.batches.Put(b)
	}
}
