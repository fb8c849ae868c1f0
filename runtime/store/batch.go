package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
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
	sync *bool // per-batch override of Options.NoSync; nil = the DB's setting
	ops  []op
	buf  []byte // encoded keys, rows and index values of all ops
	idx  []span // index values of put ops, len(core.indexes) per op
	// scratch reused by Commit
	kbuf  []byte
	vbuf  []byte // a covering entry's value
	obuf  []byte
	spans []span
	rkeys []byte     // keys read by commitIndexed
	reads []read     // the keys read, in the order the operations need them
	order []keyRead  // reads sorted by key, one per distinct key
	uread []int32    // read of each unique entry of a put's new values, parallel to idx; -1 none
	rvals []byte     // values read from the database
	tomb  []byte     // tombstone key and value being written
	queue writeQueue // the writes of commitIndexed, before they go to Pebble
	// err is the first operation refused when it was added: a put whose
	// row failed its table's check (check.go), or a PutIn or DeleteIn on a
	// view from Table.As that may not write. Commit returns it and writes
	// nothing.
	err error
}

// op is one logical operation, encoded when it was added (so the caller may
// change the row afterwards) and materialized by Commit.
type op struct {
	core   *tableCore
	scope  []byte
	del    bool
	rowKey span  // header + scope + key tuple, in buf
	pk     int   // start of the key tuple in buf (ends at rowKey.end)
	row    span  // encoded row (puts), in buf
	idx    int   // first of len(core.indexes) spans in Batch.idx (puts)
	read   int32 // Commit: the read of rowKey (tables with indexes)
}

// NewBatch returns an empty batch on db.
func (db *DB) NewBatch() *Batch { return &Batch{db: db} }

// SetSync overrides the DB's Options.NoSync for this batch's commits.
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
	b.err = nil
}

// PutIn adds a put of row v to batch b. The row is encoded now; changing v
// afterwards does not change the batch. A row with a value its column's
// type does not allow (see *InvalidValueError) is not added: Commit then
// returns that error and writes nothing.
func (t *Table[K, V]) PutIn(b *Batch, v *V) {
	if err := t.allow(access.Write); err != nil {
		b.deny(err)
		return
	}
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
	if err := t.core.checkRow(b.bytes(o.row), b.buf[o.pk:o.rowKey.end]); err != nil {
		b.buf = b.buf[:o.rowKey.start]
		if b.err == nil {
			b.err = err
		}
		return
	}
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
// batch b. Deleting a missing row is not an error. As with Delete, a table
// with flushed rows also gets the row's tombstone, with the cold marker as
// of the commit.
func (t *Table[K, V]) DeleteIn(b *Batch, k K) {
	if err := t.allow(access.Write); err != nil {
		b.deny(err)
		return
	}
	o := op{core: t.core, scope: t.scope, del: true}
	o.rowKey.start = len(b.buf)
	b.buf = appendRowPrefix(b.buf, t.core.id)
	b.buf = append(b.buf, t.scope...)
	o.pk = len(b.buf)
	b.buf = t.spec.AppendKey(b.buf, k)
	o.rowKey.end = len(b.buf)
	b.ops = append(b.ops, o)
}

// deny records a refused operation; Commit then fails with the first one.
func (b *Batch) deny(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *Batch) bytes(s span) []byte { return b.buf[s.start:s.end] }

// Commit applies every operation atomically and, on success, empties the
// batch. On error nothing was written and the batch keeps its operations;
// Reset it to reuse it. Batches that touch tables with indexes commit through
// the DB's commit mutex (see the package documentation), which is what makes
// unique indexes hold under concurrent writers.
func (b *Batch) Commit() error {
	if b.err != nil {
		return b.err
	}
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
	if err := db.refuseWhilePending(); err != nil {
		return fmt.Errorf("store: batch commit: %w", err)
	}
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
// be read first, so it does not take the commit mutex, only the plain
// writers' read lock (see DB.deleteUnchanged), which also keeps the cold
// markers its tombstones carry from changing until it has committed.
func (b *Batch) commitPlain(wo *pebble.WriteOptions) error {
	pb := b.db.pdb.NewBatch()
	mu := &b.ops[0].core.state.plainMu // one lock per DB, and every op is on this DB
	mu.RLock()
	defer mu.RUnlock()
	for i := range b.ops {
		o := &b.ops[i]
		var err error
		if o.del {
			err = pb.Delete(b.bytes(o.rowKey), nil)
			if err == nil {
				err = b.tombstone(pb, o)
			}
		} else {
			err = pb.Set(b.bytes(o.rowKey), b.bytes(o.row), nil)
		}
		if err == nil {
			err = b.dropCold(pb, o, nil)
		}
		if err != nil {
			_ = pb.Close()
			return fmt.Errorf("store: batch: %s: %w", o.core.name, err)
		}
	}
	if err := b.db.commit(pb, wo); err != nil { // closes pb
		return fmt.Errorf("store: batch commit: %w", err)
	}
	return nil
}

// tombstone writes the tombstone of a deleted row when its table has
// flushed rows. The caller holds a lock that keeps the marker still (the
// commit mutex or the plain writers' read lock).
func (b *Batch) tombstone(pb batchWriter, o *op) error {
	seq := o.core.cold.Load()
	if seq == 0 {
		return nil
	}
	b.tomb = appendTombstone(b.tomb[:0], b.bytes(o.rowKey))
	n := len(b.tomb)
	b.tomb = binary.BigEndian.AppendUint64(b.tomb, seq)
	return pb.Set(b.tomb[:n], b.tomb[n:], nil)
}

// commitIndexed materializes a batch that touches indexed tables. Every key
// an operation must read (its old row, the unique entries of its new
// values) is collected, sorted and read in one forward pass of a single
// Pebble iterator, under the commit mutex so no other writer can change them
// before the batch is committed. The operations are then applied in order to
// a plain Pebble batch, each seeing the writes of the ones before it through
// the table of reads, which is updated as they go; their index entries are
// queued and follow the rows, index by index (writeQueue).
func (b *Batch) commitIndexed(wo *pebble.WriteOptions) error {
	db := b.db
	b.planReads() // needs no lock: it only looks at the batch
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	// Under the mutex, so no commit that read rows can time out between
	// this check and the reads.
	if err := db.refuseWhilePending(); err != nil {
		return fmt.Errorf("store: batch commit: %w", err)
	}
	if err := b.fetchReads(db.pdb); err != nil {
		return err
	}
	pb := db.pdb.NewBatch()
	q := &b.queue
	q.reset()
	var iw batchWriter = q
	if len(b.ops) == 1 {
		iw = pb // nothing to order: spare the copies
	}
	for i := range b.ops {
		if err := b.apply(pb, iw, &b.ops[i]); err != nil {
			_ = pb.Close()
			return err
		}
	}
	if err := q.writeTo(pb); err != nil {
		_ = pb.Close()
		return fmt.Errorf("store: batch: %w", err)
	}
	if err := db.commit(pb, wo); err != nil { // closes pb
		return fmt.Errorf("store: batch commit: %w", err)
	}
	return nil
}

// read is one key that commitIndexed reads, and what an operation sees under
// it: the stored value, then whatever earlier operations of the batch wrote.
type read struct {
	key   span  // in Batch.rkeys
	canon int32 // the read that holds the state of this key (the first of equal keys)
	found bool  // the key has a value
	inBuf bool  // the value is in Batch.buf (written by an operation), not Batch.rvals
	cold  bool  // a row read: the value is the flushed row, whose cold marker is still stored
	val   span
}

// planReads lists the keys the operations on indexed tables read: each
// operation's row key (op.read) and, for puts, the entry key of each unique
// index with a value (Batch.uread, parallel to Batch.idx; -1 for none). It
// sorts them into Batch.order, one entry per distinct key, with each read's
// canon pointing at the read that represents its key. The row keys come
// first, then the entries index by index, so a batch written in key order
// lists them already sorted and the sort costs one pass.
func (b *Batch) planReads() {
	b.rkeys, b.reads, b.order = b.rkeys[:0], b.reads[:0], b.order[:0]
	b.uread = slices.Grow(b.uread[:0], len(b.idx))[:len(b.idx)]
	maxIndexes := 0
	for i := range b.ops {
		o := &b.ops[i]
		if n := len(o.core.indexes); n > 0 {
			o.read = b.addRead(b.bytes(o.rowKey))
			maxIndexes = max(maxIndexes, n)
		}
	}
	for j := range maxIndexes {
		for i := range b.ops {
			o := &b.ops[i]
			c := o.core
			if o.del || j >= len(c.indexes) {
				continue
			}
			s := b.idx[o.idx+j]
			if !c.indexes[j].unique || !s.ok {
				b.uread[o.idx+j] = -1
				continue
			}
			start := len(b.rkeys)
			b.rkeys = entryKey(b.rkeys, c, c.indexes[j], o.scope, b.bytes(s), nil)
			b.uread[o.idx+j] = b.addReadSpan(span{start, len(b.rkeys), true})
		}
	}
	for i, r := range b.reads {
		b.order = append(b.order, keyRead{key: b.rkeys[r.key.start:r.key.end], read: int32(i)})
	}
	byKey := func(x, y keyRead) int {
		if c := bytes.Compare(x.key, y.key); c != 0 {
			return c
		}
		return cmp.Compare(x.read, y.read)
	}
	if !slices.IsSortedFunc(b.order, byKey) {
		slices.SortFunc(b.order, byKey)
	}
	// Keep the first read of each key in order; point the others at it.
	n := 0
	for _, r := range b.order {
		if n > 0 && bytes.Equal(b.order[n-1].key, r.key) {
			b.reads[r.read].canon = b.order[n-1].read
			continue
		}
		b.order[n] = r
		n++
	}
	b.order = b.order[:n]
}

// keyRead is a read's key, for sorting and searching.
type keyRead struct {
	key  []byte // in Batch.rkeys
	read int32
}

func (b *Batch) addRead(key []byte) int32 {
	start := len(b.rkeys)
	b.rkeys = append(b.rkeys, key...)
	return b.addReadSpan(span{start, len(b.rkeys), true})
}

func (b *Batch) addReadSpan(key span) int32 {
	i := int32(len(b.reads))
	b.reads = append(b.reads, read{key: key, canon: i})
	return i
}

// state returns the read holding the current state of read i's key.
func (b *Batch) state(i int32) *read { return &b.reads[b.reads[i].canon] }

// value returns the current value of a read's key.
func (b *Batch) value(r *read) []byte {
	if r.inBuf {
		return b.bytes(r.val)
	}
	return b.rvals[r.val.start:r.val.end]
}

// lookup finds the state of key when some operation reads it, or nil.
func (b *Batch) lookup(key []byte) *read {
	i, ok := slices.BinarySearchFunc(b.order, key, func(r keyRead, key []byte) int {
		return bytes.Compare(r.key, key)
	})
	if !ok {
		return nil
	}
	return &b.reads[b.order[i].read]
}

// fetchReads reads every planned key from r (the database, or a
// transaction's indexed batch), in key order through one iterator: each
// seek moves forward from the last one, so neighbouring keys (keys inserted
// in order, rows of one region) cost little more than a step.
//
// Most keys a bulk insert reads do not exist. The first key of each
// keyspace (a table's rows, one index's entries) that has more keys after
// it is probed with a full seek, which lands on the next key that does
// exist: every later key below that one is known to be missing without a
// seek of its own, so keys inserted past the end of a table (ascending ids,
// timestamps) cost a comparison each. While probes keep paying off (they
// answer at least one later key) the next seek past the landing key probes
// again; once one does not, and for a keyspace's only key, the keys are
// read by prefix seeks, which consult the sstables' bloom filters, so keys
// scattered among existing ones skip the blocks that cannot hold them.
func (b *Batch) fetchReads(r pebble.Reader) error {
	b.rvals = b.rvals[:0]
	if len(b.order) == 0 {
		return nil
	}
	it, err := r.NewIter(&pebble.IterOptions{
		LowerBound: b.order[0].key,
		UpperBound: []byte{keyspaceIndex + 1},
	})
	if err != nil {
		return fmt.Errorf("store: batch: read rows and index entries: %w", err)
	}
	var head []byte   // keyspace header of the last key read
	probed := false   // the iterator stands where the last probe landed
	probe := true     // the next seek probes
	answered := false // the last probe answered a later key
	for i, kr := range b.order {
		r, key := &b.reads[kr.read], kr.key
		newHead := false
		if h := keyHeader(key); !bytes.Equal(h, head) {
			head, newHead = h, true
		}
		c := 1 // key against the landing key; 1: seek
		if probed {
			c = -1 // an exhausted iterator: no key at or after the probed one
			if it.Valid() {
				c = bytes.Compare(key, it.Key())
			}
		}
		var found bool
		switch {
		case c < 0:
			answered = true
			continue
		case c == 0:
			answered, found = true, true
		default:
			if newHead {
				// A probe pays off only if a later key of the keyspace
				// may lie below where it lands.
				probe = i+1 < len(b.order) && bytes.HasPrefix(b.order[i+1].key, head)
			} else if probed && !answered {
				probe = false // the last probe saved no seek
			}
			if probe {
				found = it.SeekGE(key)
				probed, answered = true, false
			} else {
				found = it.SeekPrefixGE(key)
				probed = false
			}
			if !found {
				// A failed seek must not pass for a missing key (nor,
				// after a probe, for the end of the keys).
				if err := it.Error(); err != nil {
					_ = it.Close()
					return readError("batch", fmt.Sprintf("0x%x", key), fmt.Sprintf("read %x", key), err)
				}
				continue
			}
			found = bytes.Equal(it.Key(), key)
		}
		if !found {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return readError("batch", fmt.Sprintf("0x%x", key), fmt.Sprintf("read %x", key), err)
		}
		start := len(b.rvals)
		b.rvals = append(b.rvals, v...)
		r.found, r.inBuf, r.val = true, false, span{start, len(b.rvals), true}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("store: batch: read rows and index entries: %w", err)
	}
	// A row that is not hot may be flushed: its old values (for the index
	// entries) are the cold row's, and its marker goes with the write.
	for i := range b.ops {
		o := &b.ops[i]
		if len(o.core.indexes) == 0 || !o.core.flushed() {
			continue
		}
		rd := b.state(o.read)
		if rd.found || rd.cold {
			continue
		}
		val, found, err := o.core.coldRow(r, b.bytes(o.rowKey))
		if err != nil {
			return err
		}
		if found {
			start := len(b.rvals)
			b.rvals = append(b.rvals, val...)
			rd.found, rd.cold, rd.inBuf, rd.val = true, true, false, span{start, len(b.rvals), true}
		}
	}
	return nil
}

// dropCold deletes the cold marker of a row written or deleted over its
// flushed copy. A table without indexes reads nothing before it writes, so
// once it has been flushed every write deletes the marker blindly (a
// Pebble point deletion); an indexed table's write deletes it only when
// its read found one (rd, nil for a table without indexes).
func (b *Batch) dropCold(pb batchWriter, o *op, rd *read) error {
	if rd != nil {
		if !rd.cold {
			return nil
		}
		rd.cold = false
	} else if !o.core.flushed() {
		return nil
	}
	b.tomb = appendColdKey(b.tomb[:0], b.bytes(o.rowKey))
	return pb.Delete(b.tomb, nil)
}

// apply writes one operation into pb and the index changes it implies into
// iw (pb itself, or the writeQueue of a Commit), and records its writes in
// the reads that later operations see. It checks
// everything that can refuse the operation (the old row decodes, no unique
// entry belongs to another row) before it writes anything, so an error
// leaves pb as it was, apart from a failing Pebble write: a transaction
// applies its writes one by one to the batch it commits (tx.go).
func (b *Batch) apply(pb, iw batchWriter, o *op) error {
	c := o.core
	rowKey := b.bytes(o.rowKey)
	pk := b.buf[o.pk:o.rowKey.end]
	// scope + key tuple: the value of index entries
	refSpan := span{o.rowKey.start + rowHeaderLen, o.rowKey.end, true}
	ref := b.bytes(refSpan)
	if len(c.indexes) == 0 {
		if err := b.dropCold(pb, o, nil); err != nil {
			return wrapWrite(c, err)
		}
		if o.del {
			if err := pb.Delete(rowKey, nil); err != nil {
				return wrapWrite(c, err)
			}
			return wrapWrite(c, b.tombstone(pb, o))
		}
		return wrapWrite(c, pb.Set(rowKey, b.bytes(o.row), nil))
	}

	// The old row's index values, if there is an old row.
	row := b.state(o.read)
	b.obuf, b.spans = b.obuf[:0], b.spans[:0]
	oldRow := row.found
	if row.found {
		var err error
		b.obuf, b.spans, err = c.indexValues(b.value(row), b.obuf, b.spans)
		if err != nil {
			// A damaged row's index values are unknown: remove every
			// entry that points to it, found through the index keyspace
			// (damage.go), so that it can be deleted or replaced.
			if err := b.dropEntriesOf(iw, c, o.scope, ref); err != nil {
				return err
			}
			oldRow = false
		}
	}

	// values returns index i's old and new values; changed is false when
	// they are equal (or absent both times): the entry stays as it is.
	values := func(i int) (oldV, newV []byte, oldOK, newOK, changed bool) {
		oldOK = oldRow && b.spans[i].ok
		if oldOK {
			oldV = b.obuf[b.spans[i].start:b.spans[i].end]
		}
		if !o.del {
			s := b.idx[o.idx+i]
			newOK = s.ok
			newV = b.bytes(s)
		}
		return oldV, newV, oldOK, newOK, oldOK != newOK || !bytes.Equal(oldV, newV)
	}
	// First every unique check, then the writes: entries of different
	// indexes never share a key, so no write of this operation changes what
	// a check of another index sees.
	for i, ix := range c.indexes {
		if _, newV, _, newOK, changed := values(i); changed && newOK && ix.unique {
			entry := b.state(b.uread[o.idx+i])
			if entry.found && !bytes.Equal(b.value(entry), ref) { // not a stale entry of this very row
				return b.uniqueViolation(c, ix, o, b.value(entry), newV, pk)
			}
		}
	}
	for i, ix := range c.indexes {
		oldV, newV, oldOK, newOK, changed := values(i)
		// A covering entry holds the row: a put rewrites it in place even
		// when its values stay.
		if !changed && !(ix.covering && newOK) {
			continue
		}
		var entry *read // the unique entry of the new values
		if newOK && ix.unique {
			entry = b.state(b.uread[o.idx+i])
		}
		if oldOK && changed {
			b.kbuf = entryKey(b.kbuf[:0], c, ix, o.scope, oldV, pk)
			if err := iw.Delete(b.kbuf, nil); err != nil {
				return wrapWrite(c, err)
			}
			if ix.unique {
				if r := b.lookup(b.kbuf); r != nil {
					r.found = false
				}
			}
		}
		if newOK {
			b.kbuf = entryKey(b.kbuf[:0], c, ix, o.scope, newV, pk)
			if err := iw.Set(b.kbuf, b.entryValue(ix, ref, b.bytes(o.row)), nil); err != nil {
				return wrapWrite(c, err)
			}
			if entry != nil {
				entry.found, entry.inBuf, entry.val = true, true, refSpan
			}
		}
	}
	if err := b.dropCold(pb, o, row); err != nil {
		return wrapWrite(c, err)
	}
	if o.del {
		row.found = false
		if err := pb.Delete(rowKey, nil); err != nil {
			return wrapWrite(c, err)
		}
		return wrapWrite(c, b.tombstone(pb, o))
	}
	row.found, row.inBuf, row.val = true, true, o.row
	return wrapWrite(c, pb.Set(rowKey, b.bytes(o.row), nil))
}

// entryValue returns the value of an entry of ix for the row ref with bytes
// row: ref itself, or for a covering index the row too, in b.vbuf.
func (b *Batch) entryValue(ix indexCore, ref, row []byte) []byte {
	if !ix.covering {
		return ref
	}
	b.vbuf = appendEntryValue(b.vbuf[:0], ix, ref, row)
	return b.vbuf
}

// uniqueViolation describes a put whose unique entry already points to the
// row got (scope + key tuple).
func (b *Batch) uniqueViolation(c *tableCore, ix indexCore, o *op, got, values, pk []byte) error {
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
		Shown:       formatIndexValues(&c.layout, ix.name, values),
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
	if cap(b.buf) <= 64<<10 && cap(b.queue.buf) <= 64<<10 {
		db.batches.Put(b)
	}
}
