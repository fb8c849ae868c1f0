package store

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// batchWriter is where Batch.apply writes: a Pebble batch, or the
// writeQueue that holds a Commit's index entries.
type batchWriter interface {
	Set(key, value []byte, _ *pebble.WriteOptions) error
	Delete(key []byte, _ *pebble.WriteOptions) error
}

// writeQueue collects the index entries a Batch.Commit writes and hands them
// to its Pebble batch after the rows, grouped by index (the keyspace header:
// table id and index id), each group in the order of the operations. Pebble
// inserts a batch into its memtable's skiplist in batch order, and an
// insert is cheap when the key lands next to the previous one (the
// skiplist's cached splice still brackets it) but costs a descent from
// higher up otherwise. Written operation by operation, a row and its
// entries of each index land in different keyspaces, so every insert paid
// the descent even when the rows came in key order: that was most of what
// two indexes added to a bulk insert. Grouped, rows and entries that come in
// key order (ascending ids, timestamps) are each inserted next to the last.
// Entries that come in no order are not sorted: for keys scattered over the
// memtable a sorted run saves about as much in the skiplist as the sort
// costs. Reordering is safe because Pebble gives each write of a batch its
// own sequence number and these are point writes: writes of different keys
// are independent, and writes of one key share a group and keep their
// order. A transaction writes into its indexed batch directly, since its
// later reads go through it, and so does a batch of one operation, which
// has nothing to order.
type writeQueue struct {
	buf    []byte
	writes []queuedWrite
	heads  []writeHead
	order  []int32 // write indexes, group by group
	byHead []int32 // group indexes in header order
}

type queuedWrite struct {
	key, val span // in writeQueue.buf
	del      bool
	group    int32
}

// writeHead is a group: one keyspace header (keyspace byte, table id, and
// index id in the index keyspace), packed so groups compare as numbers.
type writeHead struct {
	hi          uint64
	lo          uint8
	count       int32 // writes in the group
	start, next int32 // writeTo: the group's first and next place in order
}

func (q *writeQueue) reset() {
	q.buf, q.writes, q.heads, q.order = q.buf[:0], q.writes[:0], q.heads[:0], q.order[:0]
}

// Set queues a write of key; it copies key and value, which the caller may reuse.
func (q *writeQueue) Set(key, value []byte, _ *pebble.WriteOptions) error {
	q.add(key, value, false)
	return nil
}

// Delete queues a point deletion of key.
func (q *writeQueue) Delete(key []byte, _ *pebble.WriteOptions) error {
	q.add(key, nil, true)
	return nil
}

func (q *writeQueue) add(key, value []byte, del bool) {
	w := queuedWrite{del: del, group: q.group(key)}
	w.key.start = len(q.buf)
	q.buf = append(q.buf, key...)
	w.key.end = len(q.buf)
	w.val.start = len(q.buf)
	q.buf = append(q.buf, value...)
	w.val.end = len(q.buf)
	q.writes = append(q.writes, w)
}

// group returns the group of key, adding it when it is new. A key shorter
// than its header (no store key is) shares a group with the headers it
// pads to, which only costs order within the group, never correctness.
func (q *writeQueue) group(key []byte) int32 {
	var h [indexHeaderLen]byte
	copy(h[:], keyHeader(key))
	hi, lo := binary.BigEndian.Uint64(h[:8]), h[8]
	for i := range q.heads {
		if q.heads[i].hi == hi && q.heads[i].lo == lo {
			q.heads[i].count++
			return int32(i)
		}
	}
	q.heads = append(q.heads, writeHead{hi: hi, lo: lo, count: 1})
	return int32(len(q.heads) - 1)
}

// keyHeader returns the header of a row or index key: keyspace and table id,
// and the index id of an index entry (the whole key if it is shorter).
func keyHeader(key []byte) []byte {
	n := rowHeaderLen
	if len(key) > 0 && key[0] == keyspaceIndex {
		n = indexHeaderLen
	}
	return key[:min(n, len(key))]
}

func (q *writeQueue) key(w *queuedWrite) []byte { return q.buf[w.key.start:w.key.end] }

// writeTo writes the queued writes into pb: the groups in header order, each
// in the order its writes were queued.
func (q *writeQueue) writeTo(pb *pebble.Batch) error {
	if len(q.writes) == 0 {
		return nil
	}
	// The groups in header order, and where each starts in order.
	q.byHead = q.byHead[:0]
	for i := range q.heads {
		q.byHead = append(q.byHead, int32(i))
	}
	slices.SortFunc(q.byHead, func(x, y int32) int {
		a, b := &q.heads[x], &q.heads[y]
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return cmp.Compare(a.lo, b.lo)
	})
	n := int32(0)
	for _, g := range q.byHead {
		h := &q.heads[g]
		h.start, h.next = n, n
		n += h.count
	}
	q.order = slices.Grow(q.order[:0], len(q.writes))[:len(q.writes)]
	for i := range q.writes {
		h := &q.heads[q.writes[i].group]
		q.order[h.next] = int32(i)
		h.next++
	}
	for _, i := range q.order {
		w := &q.writes[i]
		var err error
		if w.del {
			err = pb.Delete(q.key(w), nil)
		} else {
			err = pb.Set(q.key(w), q.buf[w.val.start:w.val.end], nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
