package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/cockroachdb/pebble/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// RowVersion names one stored row as a flush read it: the row key below the
// table's row prefix (scope + key tuple) and [RowHash] of the value it had.
// runtime/flush records one per flushed row so that deleting the flushed
// hot rows can be redone after a crash, and can tell a row that changed
// since the flush (it must stay hot) from one that did not.
type RowVersion struct {
	Key  []byte
	Hash uint64
}

// RowHash is the hash of a stored row value that [DB.DeleteUnchanged]
// compares: 64-bit xxhash. Two different values collide with probability
// 2⁻⁶⁴, which would delete a row updated during its flush; the hash keeps
// the flush's side files at 8 bytes per row instead of a copy of the data.
func RowHash(value []byte) uint64 { return xxhash.Sum64(value) }

// DeleteUnchanged deletes each row of table l listed in rows whose current
// value still hashes to its Hash, together with its secondary-index
// entries, and leaves every other row alone: a row written, updated or
// deleted since its version was taken is not touched. It returns how many
// rows it deleted.
//
// It is the store half of a flush to Parquet (runtime/flush): once the
// flushed file and its manifest are durable, the hot copies are removed,
// but only where they are still the copy that was flushed. Deleting the
// same rows again is harmless (they are gone), which is what lets recovery
// redo an interrupted deletion.
//
// The rows are read, checked and deleted in one Pebble batch under the
// DB's commit mutex, so no indexed write can slip between the check and the
// delete; callers bound the batch by passing rows in chunks. Rows should be
// sorted by key: the reads then move forward through one iterator. The
// index entries are derived from the stored row with the layout alone (no
// generated code), so tools that only have the YAML can flush too.
//
// Writes to tables without indexes skip the commit mutex (see the package
// doc), so for such a table a put racing with this call, between its read
// and its commit, can be lost; flush such tables when no writer updates the
// rows being flushed (append-only and stream tables qualify).
//
// sync makes the commit durable before DeleteUnchanged returns (it also
// syncs every earlier unsynced write, as the WAL is sequential).
func (db *DB) DeleteUnchanged(l *Layout, rows []RowVersion, sync bool) (int, error) {
	if len(rows) == 0 {
		if sync {
			return 0, db.syncWAL(l.FullName())
		}
		return 0, nil
	}
	ix, err := newLayoutIndexer(l)
	if err != nil {
		return 0, err
	}
	if !db.life.enter() {
		return 0, ErrClosed
	}
	defer db.life.exit()
	name := l.FullName()
	prefix := appendRowPrefix(nil, l.ID)
	lower := append(bytes.Clone(prefix), rows[0].Key...)
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return 0, fmt.Errorf("store: %s: delete flushed rows: %w", name, err)
	}
	pb := db.pdb.NewBatch()
	defer pb.Close()
	var key, kbuf, vals []byte
	var spans []span
	deleted := 0
	for i := range rows {
		key = append(append(key[:0], prefix...), rows[i].Key...)
		if !it.SeekGE(key) || !bytes.Equal(it.Key(), key) {
			continue // gone already (an earlier attempt, or deleted since)
		}
		val, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return 0, fmt.Errorf("store: %s: delete flushed rows: read %x: %w", name, key, err)
		}
		if RowHash(val) != rows[i].Hash {
			continue // changed since the flush: it stays hot
		}
		if len(l.Indexes) > 0 {
			scope, pk, err := ix.split(rows[i].Key)
			if err != nil {
				_ = it.Close()
				return 0, &CorruptError{Table: name, Key: fmt.Sprintf("0x%x", rows[i].Key), Err: err}
			}
			vals, spans, err = ix.values(val, vals[:0], spans[:0])
			if err != nil {
				_ = it.Close()
				return 0, &CorruptError{Table: name, Key: fmt.Sprintf("0x%x", rows[i].Key), Err: fmt.Errorf("the stored row cannot be decoded to remove its index entries: %w", err)}
			}
			for j, x := range ix.indexes {
				if !spans[j].ok {
					continue
				}
				kbuf = entryKey(kbuf[:0], ix.core, x, scope, vals[spans[j].start:spans[j].end], pk)
				if err := pb.Delete(kbuf, nil); err != nil {
					_ = it.Close()
					return 0, wrapWrite(ix.core, err)
				}
			}
		}
		if err := pb.Delete(key, nil); err != nil {
			_ = it.Close()
			return 0, wrapWrite(ix.core, err)
		}
		deleted++
	}
	if err := it.Close(); err != nil {
		return 0, fmt.Errorf("store: %s: delete flushed rows: %w", name, err)
	}
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	if pb.Empty() {
		if sync {
			// Nothing to delete, but the caller relies on earlier
			// deletions being durable when this returns.
			return 0, db.syncWAL(name)
		}
		return 0, nil
	}
	if err := pb.Commit(wo); err != nil {
		return 0, fmt.Errorf("store: %s: delete flushed rows: commit: %w", name, err)
	}
	return deleted, nil
}

// syncWAL makes every write committed so far durable.
func (db *DB) syncWAL(table string) error {
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	if err := db.pdb.LogData(nil, pebble.Sync); err != nil {
		return fmt.Errorf("store: %s: sync: %w", table, err)
	}
	return nil
}

// layoutIndexer computes a row's index values from the layout alone,
// exactly as the generated IndexSpec.AppendValues functions do: each index
// column in declaration order with its ascending key encoding, a missing
// non-nullable column as its type's zero value (a zero timestamp is Go's
// zero time, as the generated decoder leaves it), and no entry at all when a
// nullable index column is null. A tag that occurs twice counts at its last
// occurrence, as in the generated decoders.
type layoutIndexer struct {
	core    *tableCore
	user    bool
	indexes []indexCore
	cols    [][]int // per index, positions in layout of its columns
	layout  []ColumnLayout
	byTag   map[protowire.Number]int // tag → layout position, for indexed columns only
	present []bool                   // per layout column: seen in the current row
	enc     [][]byte                 // per layout column: its key encoding in the current row
}

func newLayoutIndexer(l *Layout) (*layoutIndexer, error) {
	x := &layoutIndexer{
		core:    &tableCore{layout: *l, name: l.FullName(), id: l.ID},
		user:    l.Kind == "user" || l.Kind == "stream",
		byTag:   map[protowire.Number]int{},
		layout:  l.Columns,
		present: make([]bool, len(l.Columns)),
		enc:     make([][]byte, len(l.Columns)),
	}
	for _, il := range l.Indexes {
		ic := indexCore{id: il.ID, name: il.Name, unique: il.Unique}
		x.indexes = append(x.indexes, ic)
		x.core.indexes = append(x.core.indexes, ic)
		var cols []int
		for _, name := range il.Columns {
			i := slices.IndexFunc(l.Columns, func(c ColumnLayout) bool { return c.Name == name })
			if i < 0 {
				return nil, fmt.Errorf("store: %s: index %s names column %q, which the layout does not declare; fix the layout", x.core.name, il.Name, name)
			}
			switch l.Columns[i].Type {
			case "bool", "int32", "int64", "uint64", "string", "bytes", "timestamp", "duration", "uuid", "enum":
			default:
				return nil, fmt.Errorf("store: %s: index %s column %q has type %q, which has no key encoding; fix the layout", x.core.name, il.Name, name, l.Columns[i].Type)
			}
			x.byTag[protowire.Number(l.Columns[i].Tag)] = i
			cols = append(cols, i)
		}
		x.cols = append(x.cols, cols)
	}
	return x, nil
}

// split cuts a row key below the row prefix into scope and key tuple: the
// scope is one encoded owner string for user and stream tables, empty
// otherwise.
func (x *layoutIndexer) split(key []byte) (scope, pk []byte, err error) {
	if !x.user {
		return nil, key, nil
	}
	_, rest, err := keyenc.DecodeString(key)
	if err != nil {
		return nil, nil, fmt.Errorf("row key has no owner scope: %w", err)
	}
	return key[:len(key)-len(rest)], rest, nil
}

// values appends the row's index values to buf, one span per index.
func (x *layoutIndexer) values(row, buf []byte, spans []span) ([]byte, []span, error) {
	clear(x.present)
	d := rowenc.NewDecoder(row)
	for d.Next() {
		i, ok := x.byTag[d.Tag()]
		if !ok {
			continue
		}
		x.present[i] = true
		e := x.enc[i][:0]
		switch x.layout[i].Type {
		case "bool":
			e = keyenc.AppendBool(e, d.Bool())
		case "int32":
			e = keyenc.AppendInt32(e, d.Int32())
		case "int64":
			e = keyenc.AppendInt64(e, d.Int64())
		case "uint64":
			e = keyenc.AppendUint64(e, d.Uint64())
		case "string", "bytes":
			if d.WireType() != protowire.BytesType {
				return buf, spans, fmt.Errorf("field %d (%s): wire type %d, want bytes: %w", d.Tag(), x.layout[i].Name, d.WireType(), rowenc.ErrCorrupt)
			}
			e = keyenc.AppendBytes(e, d.Raw())
		case "timestamp":
			e = keyenc.AppendTimestamp(e, d.Timestamp())
		case "duration":
			e = keyenc.AppendDuration(e, d.Duration())
		case "uuid":
			e = keyenc.AppendUUID(e, d.UUID())
		case "enum":
			e = keyenc.AppendEnum(e, d.Enum())
		}
		x.enc[i] = e
	}
	if err := d.Err(); err != nil {
		return buf, spans, err
	}
	for j := range x.indexes {
		start := len(buf)
		ok := true
		for _, i := range x.cols[j] {
			switch {
			case x.present[i]:
				buf = append(buf, x.enc[i]...)
			case x.layout[i].Nullable:
				ok = false
			default:
				buf = appendZero(buf, x.layout[i].Type)
			}
		}
		if !ok {
			buf = buf[:start]
		}
		spans = append(spans, span{start, len(buf), ok})
	}
	return buf, spans, nil
}

// appendZero appends the key encoding of a type's zero value, what the
// generated decoder leaves in a non-nullable field the row does not carry.
func appendZero(dst []byte, typ string) []byte {
	switch typ {
	case "bool":
		return keyenc.AppendBool(dst, false)
	case "int32":
		return keyenc.AppendInt32(dst, 0)
	case "int64":
		return keyenc.AppendInt64(dst, 0)
	case "duration":
		return keyenc.AppendDuration(dst, 0)
	case "uint64":
		return keyenc.AppendUint64(dst, 0)
	case "string", "bytes":
		return keyenc.AppendBytes(dst, nil)
	case "timestamp":
		return keyenc.AppendTimestamp(dst, time.Time{})
	case "uuid":
		return keyenc.AppendUUID(dst, [16]byte{})
	case "enum":
		return keyenc.AppendEnum(dst, 0)
	}
	return dst
}
