package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/cockroachdb/apd/v3"
	"github.com/cockroachdb/pebble/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// deleteUnchanged moves each row of table l listed in rows whose current
// value still hashes to its Hash to the cold tier: it deletes the hot row
// and writes its cold marker naming segment seq (see cold.go), and leaves
// every other row alone: a row written, updated or deleted since its
// version was taken is not touched. The row's index entries stay: they
// point at the key, which is still a row of the table (now read from its
// segment), so unique indexes hold across tiers. It returns how many rows
// it moved.
//
// It is the store half of a flush to Parquet (runtime/flush): once the
// flushed file and its manifest are durable, the hot copies are removed,
// but only where they are still the copy that was flushed. Moving the
// same rows again is harmless (they are gone), which is what lets recovery
// redo an interrupted move.
//
// The rows are read, checked and moved in one Pebble batch under the
// DB's commit mutex and plain-writer lock (below), so no write can slip
// between the check and the delete; callers bound the batch by passing
// rows in chunks. A run of listed rows with no other key between them is
// deleted with one range deletion instead of a tombstone per row. Rows
// should be sorted by key: the reads then move forward, through one
// iterator per part of the batch read in parallel (checkUnchanged).
//
// Writes to tables without indexes do not take the commit mutex, but they
// hold the DB's plain-writer lock for reading while they commit, and this
// call holds it exclusively for each chunk (after the commit mutex), so no
// write of any table can fall between the check and the delete: a row
// updated concurrently is either updated before the check (and stays) or
// after the delete (and is hot again, newer than its flushed copy).
//
// sync makes the commit durable before DeleteUnchanged returns (it also
// syncs every earlier unsynced write, as the WAL is sequential).
func (db *DB) deleteUnchanged(l *layout.Table, seq uint64, rows []coldtier.RowVersion, sync bool) (int, error) {
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
	st := stateOf(db)
	// A marker naming a segment above the table's cold marker would be
	// invisible (reads look for markers only once the table is flushed)
	// and escape later tombstones: seq must come from FlushSnapshot.
	if m, err := st.cold(db, l.ID); err != nil {
		return 0, fmt.Errorf("store: %s: %w", name, err)
	} else if seq == 0 || seq > m.Load() {
		return 0, fmt.Errorf("store: %s: move flushed rows to segment %d: no flush reserved that number (the table's cold marker is %d); take it from FlushSnapshot", name, seq, m.Load())
	}
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	st.plainMu.Lock()
	defer st.plainMu.Unlock()
	// Under the mutexes, so no commit that read rows can time out between
	// this check and the reads (see commit).
	if err := db.refuseWhilePending(); err != nil {
		return 0, fmt.Errorf("store: %s: delete flushed rows: %w", name, err)
	}
	// Check the rows first (below), then write the batch from the
	// verdicts.
	verdicts, err := db.checkUnchanged(prefix, rows)
	if err != nil {
		return 0, fmt.Errorf("store: %s: delete flushed rows: %w", name, err)
	}
	pb := db.pdb.NewBatch()
	committed := false
	defer func() {
		if !committed {
			_ = pb.Close()
		}
	}()
	var key, kbuf []byte
	seqVal := binary.BigEndian.AppendUint64(nil, seq)
	deleted := 0
	// A run is a stretch of rows to delete with no other key between them
	// in the table: it is deleted with one range deletion rather than a
	// point deletion per row, which is cheaper to write and keeps later
	// scans from stepping over a tombstone per flushed row. No write can
	// put a key inside the run before the batch commits: both writer
	// locks are held.
	var runStart, runEnd []byte
	runLen := 0
	endRun := func() error {
		var err error
		switch runLen {
		case 0:
		case 1:
			err = pb.Delete(runStart, nil)
		default:
			err = pb.DeleteRange(runStart, append(runEnd, 0x00), nil)
		}
		runLen = 0
		return err
	}
	for i, v := range verdicts {
		if v&verdictMove == 0 {
			continue
		}
		key = append(append(key[:0], prefix...), rows[i].Key...)
		kbuf = appendColdKey(kbuf[:0], key)
		if err := pb.Set(kbuf, seqVal, nil); err != nil {
			return 0, wrapWrite(ix.core, err)
		}
		if v&verdictAdjacent != 0 && runLen > 0 {
			runEnd = append(runEnd[:0], key...)
			runLen++
		} else {
			if err := endRun(); err != nil {
				return 0, wrapWrite(ix.core, err)
			}
			runStart = append(runStart[:0], key...)
			runEnd = append(runEnd[:0], key...)
			runLen = 1
		}
		deleted++
	}
	if err := endRun(); err != nil {
		return 0, wrapWrite(ix.core, err)
	}
	committed = true
	if err := db.finishMaintenance(pb, sync, name, "delete flushed rows"); err != nil {
		return 0, err
	}
	return deleted, nil
}

// The verdicts of checkUnchanged, one byte per listed row.
const (
	verdictMove     = 1 << iota // the row is there and unchanged: move it
	verdictAdjacent             // no key lies between it and the previous listed row, also moved
)

// checkRowsPerPart is the fewest rows checkUnchanged gives a goroutine of
// its own: below it, starting one costs more than it saves.
const checkRowsPerPart = 512

// checkUnchanged reads the listed rows of the table with key prefix
// prefix and returns a verdict per row (verdictMove, verdictAdjacent).
// The caller holds both writer locks, so the verdicts hold until its
// batch commits. The rows are read again here, long after the flush read
// them, so most of their blocks have left the block cache and each is
// read and decompressed anew: the rows are split into up to GOMAXPROCS
// parts read in parallel, each by an iterator of its own. The first row
// of a part is never adjacent (a part cannot see the key before it),
// which costs at most one more deletion per part.
func (db *DB) checkUnchanged(prefix []byte, rows []coldtier.RowVersion) ([]byte, error) {
	verdicts := make([]byte, len(rows))
	parts := max(1, min(runtime.GOMAXPROCS(0), len(rows)/checkRowsPerPart))
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := len(rows)*p/parts, len(rows)*(p+1)/parts
		if p == parts-1 {
			errs[p] = db.checkPart(prefix, rows[lo:hi], verdicts[lo:hi])
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[p] = db.checkPart(prefix, rows[lo:hi], verdicts[lo:hi])
		}()
	}
	wg.Wait()
	return verdicts, errors.Join(errs...)
}

// checkPart is checkUnchanged for one part, read by one iterator. Rows
// should be sorted by key: the reads then move forward.
func (db *DB) checkPart(prefix []byte, rows []coldtier.RowVersion, verdicts []byte) error {
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	var key []byte
	valid := false
	prevMoved := false // the previous row is moved
	for i := range rows {
		key = append(append(key[:0], prefix...), rows[i].Key...)
		// The iterator sits at the first key >= the previous row's. Rows
		// come sorted and mostly adjacent (a flush took them in order), so
		// stepping forward a few keys beats a seek; out of order, seek.
		steps := -1 // Next calls from the previous row's position; -1 after a seek
		if i > 0 && bytes.Compare(rows[i].Key, rows[i-1].Key) > 0 {
			steps = 0
			for valid && bytes.Compare(it.Key(), key) < 0 {
				if steps == 8 {
					valid, steps = it.SeekGE(key), -1
					break
				}
				valid = it.Next()
				steps++
			}
		} else {
			valid = it.SeekGE(key)
		}
		adjacent := prevMoved && steps == 1
		prevMoved = false
		if !valid || !bytes.Equal(it.Key(), key) {
			continue // gone already (an earlier attempt, or deleted since)
		}
		val, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("read %x: %w", key, err)
		}
		if coldtier.RowHash(val) != rows[i].Hash {
			continue // changed since the flush: it stays hot
		}
		verdicts[i] = verdictMove
		if adjacent {
			verdicts[i] |= verdictAdjacent
		}
		prevMoved = true
	}
	return it.Close()
}

// syncWAL makes every write committed so far durable.
func (db *DB) syncWAL(table string) error {
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	if err := db.refuseWhilePending(); err != nil {
		return fmt.Errorf("store: %s: sync: %w", table, err)
	}
	pb := db.pdb.NewBatch()
	if err := pb.LogData(nil, nil); err != nil {
		_ = pb.Close()
		return fmt.Errorf("store: %s: sync: %w", table, err)
	}
	if err := db.commitMaintenance(pb, pebble.Sync); err != nil { // closes pb
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
	layout  []layout.Column
	byTag   map[protowire.Number]int // tag → layout position, for indexed columns only
	present []bool                   // per layout column: seen in the current row
	enc     [][]byte                 // per layout column: its key encoding in the current row
}

func newLayoutIndexer(l *layout.Table) (*layoutIndexer, error) {
	x := &layoutIndexer{
		core:    &tableCore{layout: *l, name: l.FullName(), id: l.ID},
		user:    l.Kind.OwnerScoped(),
		byTag:   map[protowire.Number]int{},
		layout:  l.Columns,
		present: make([]bool, len(l.Columns)),
		enc:     make([][]byte, len(l.Columns)),
	}
	for _, il := range l.Indexes {
		ic := indexCore{id: il.ID, name: il.Name, unique: il.Unique, covering: il.Covering}
		x.indexes = append(x.indexes, ic)
		x.core.indexes = append(x.core.indexes, ic)
		var cols []int
		for _, name := range il.Columns {
			i := slices.IndexFunc(l.Columns, func(c layout.Column) bool { return c.Name == name })
			if i < 0 {
				return nil, fmt.Errorf("store: %s: index %s names column %q, which the layout does not declare; fix the layout", x.core.name, il.Name, name)
			}
			switch l.Columns[i].Type {
			case "bool", "int32", "int64", "uint64", "string", "bytes", "timestamp", "duration", "uuid", "enum", "decimal":
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
		case "decimal":
			c := x.layout[i]
			e = keyenc.AppendDecimal(e, d.Decimal(c.Scale), c.Precision, c.Scale)
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
	case "decimal":
		// Zero is the same integer at every precision and scale.
		return keyenc.AppendDecimal(dst, apd.Decimal{}, layout.MaxDecimalPrecision, 0)
	}
	return dst
}

// Tombstones and the cold marker.
//
// Once a table has flushed rows (runtime/flush), deleting a row from the
// store must also hide its flushed copies, or a union of hot and flushed
// rows would bring it back. The store does that with tombstones in a
// keyspace of their own:
//
//	0x04 tombstone: 0x04 + BE uint32 table id + scope + key tuple → BE uint64 seq
//
// written in the same Pebble batch as the deletion of the row (Delete,
// DeleteIn, any Batch), whose value is the table's cold marker at that
// moment: the highest segment sequence number any flush of the table has
// reserved. A reader hides a flushed row when a tombstone for its key has
// seq >= the row's segment seq; a row put again after the deletion and
// flushed later lands in a segment with a larger seq, so it stays visible.
//
// The marker lives in the metadata keyspace, at 0x01 + BE uint32 0 +
// "cold/" + BE uint32 table id → BE uint64, and is cached in memory per DB.
// A table whose marker is 0 (never flushed) writes no tombstones. A flush
// raises the marker and takes its snapshot in one step ([DB.FlushSnapshot])
// while holding every writer out, and numbers its segments above the old
// marker and at most the new one. So a deletion committed before the
// snapshot carries a seq below every segment of that flush (whose rows it
// cannot have hidden: the snapshot did not have the row, or had it put
// again), and a deletion committed after carries a seq at least that of
// every one of them (the flushed copy is the deleted version). Put never
// needs to touch tombstones.
//
// Tombstones are removed only by a compaction of segments (runtime/flush's
// Compact, through dropTombstones in compact.go): once no listed segment of
// the scope is numbered as low as a tombstone's seq, it hides nothing.
const keyspaceTombstone = 0x04

// tombstonePrefix is the prefix of every tombstone of a table: 0x04 + BE
// uint32 table id. A tombstone's key continues with the deleted row's scope
// and key tuple, exactly as the row key did after its 0x02 + table id.
func tombstonePrefix(tableID uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{keyspaceTombstone}, tableID)
}

// decodeTombstone returns the segment sequence number a tombstone's value
// holds: flushed copies of the row in segments up to it are deleted.
func decodeTombstone(value []byte) (uint64, error) {
	if len(value) != 8 {
		return 0, fmt.Errorf("store: tombstone value is %d bytes, not 8: %w", len(value), errCorruptTombstone)
	}
	return binary.BigEndian.Uint64(value), nil
}

// errCorruptTombstone is wrapped by decodeTombstone's errors.
var errCorruptTombstone = errors.New("store: corrupt tombstone; the database was written by another program or is damaged")

// appendTombstone appends the tombstone key of a row key (header + scope +
// key tuple): the same bytes under the tombstone keyspace byte.
func appendTombstone(dst, rowKey []byte) []byte {
	dst = append(dst, keyspaceTombstone)
	return append(dst, rowKey[1:]...)
}

func coldKey(tableID uint32) []byte {
	key := binary.BigEndian.AppendUint32([]byte{keyspaceMeta}, markTableID)
	key = append(key, "cold/"...)
	return binary.BigEndian.AppendUint32(key, tableID)
}

// coldMarker returns table l's cold marker: the highest segment sequence
// number a flush of it has reserved, 0 when it was never flushed.
func (db *DB) coldMarker(l *layout.Table) (uint64, error) {
	if !db.life.enter() {
		return 0, ErrClosed
	}
	defer db.life.exit()
	m, err := stateOf(db).cold(db, l.ID)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", l.FullName(), err)
	}
	return m.Load(), nil
}

// raiseColdMarker raises table l's cold marker to seq, durably, unless it is
// already at least seq. runtime/flush's recovery calls it so that a
// database restored from a backup older than its flushed files still
// writes tombstones that hide them.
func (db *DB) raiseColdMarker(l *layout.Table, seq uint64) error {
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	_, _, err := db.reserve(l, seq, 0, false)
	return err
}

// FlushSnapshot reserves n segment sequence numbers for one flush of table
// l, takes the Pebble snapshot the flush reads, and returns both: the
// numbers are first … first+n-1, where first is at least next (the
// manifest's next number) and above every number reserved before. The
// last one becomes the table's cold marker, durably, and the snapshot is
// taken in the same step, while no write to any table can commit; see the
// tombstone notes above for why. The caller closes the snapshot.
func (db *DB) FlushSnapshot(l *layout.Table, next uint64, n int) (*Snapshot, uint64, error) {
	if n < 1 {
		return nil, 0, fmt.Errorf("store: %s: FlushSnapshot reserves %d sequence numbers; reserve at least one per segment", l.FullName(), n)
	}
	if !db.life.enter() {
		return nil, 0, ErrClosed
	}
	defer db.life.exit()
	snap, first, err := db.reserve(l, next, n, true)
	if err != nil {
		return nil, 0, err
	}
	return &Snapshot{snap: snap}, first, nil
}

// reserve raises the marker to cover n numbers from max(next, marker+1)
// (n = 0: to next itself) and optionally takes a snapshot, all under both
// writer locks. The caller holds a lifecycle reference.
func (db *DB) reserve(l *layout.Table, next uint64, n int, snapshot bool) (*pebble.Snapshot, uint64, error) {
	st := stateOf(db)
	m, err := st.cold(db, l.ID)
	if err != nil {
		return nil, 0, fmt.Errorf("store: %s: %w", l.FullName(), err)
	}
	db.commitMu.Lock()
	defer db.commitMu.Unlock()
	st.plainMu.Lock()
	defer st.plainMu.Unlock()
	first, seq := next, next
	if n > 0 {
		first = max(next, m.Load()+1)
		seq = first + uint64(n) - 1
		if seq < first {
			return nil, 0, fmt.Errorf("store: %s: segment sequence numbers are exhausted", l.FullName())
		}
	}
	if seq > m.Load() {
		// Synced whatever Options.NoSync says: a segment numbered above a
		// marker lost in a crash would escape later tombstones.
		if err := db.set(coldKey(l.ID), binary.BigEndian.AppendUint64(nil, seq), pebble.Sync); err != nil {
			return nil, 0, fmt.Errorf("store: %s: record the cold marker: %w", l.FullName(), err)
		}
		m.Store(seq)
	}
	if !snapshot {
		return nil, first, nil
	}
	return db.pdb.NewSnapshot(), first, nil
}

// dbState is what the store keeps per open DB beyond the DB struct: the
// plain writers' lock and the cold markers. It is found through a weak
// pointer to the DB, so it goes away with the DB.
type dbState struct {
	// plainMu is held for reading by every commit that does not take the
	// commit mutex (writes to tables without indexes), and exclusively,
	// after the commit mutex, by DeleteUnchanged and by raising a cold
	// marker: those must see no write commit between reading and writing.
	plainMu sync.RWMutex

	mu    sync.Mutex
	marks map[uint32]*atomic.Uint64 // table id → cold marker, loaded on first use

	// tier reads flushed rows; runtime/flush attaches it (cold.go).
	tier coldtier.Slot
}

var states sync.Map // weak.Pointer[DB] → *dbState

func stateOf(db *DB) *dbState {
	wp := weak.Make(db)
	if s, ok := states.Load(wp); ok {
		return s.(*dbState)
	}
	s, loaded := states.LoadOrStore(wp, &dbState{marks: map[uint32]*atomic.Uint64{}})
	if !loaded {
		runtime.AddCleanup(db, func(wp weak.Pointer[DB]) { states.Delete(wp) }, wp)
	}
	return s.(*dbState)
}

// cold returns the cached cold marker of a table, reading it from the
// database the first time. The caller holds a lifecycle reference.
func (s *dbState) cold(db *DB, tableID uint32) (*atomic.Uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.marks[tableID]; m != nil {
		return m, nil
	}
	m := new(atomic.Uint64)
	val, closer, err := db.pdb.Get(coldKey(tableID))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("read the cold marker: %w", err)
	default:
		ok := len(val) == 8
		if ok {
			m.Store(binary.BigEndian.Uint64(val))
		}
		_ = closer.Close()
		if !ok {
			return nil, fmt.Errorf("the cold marker (key %x) is %d bytes, not 8; the metadata is damaged, restore it from a backup", coldKey(tableID), len(val))
		}
	}
	s.marks[tableID] = m
	return m, nil
}
