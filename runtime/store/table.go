package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// Spec is what generated code hands the store about one table: its layout
// and the codec functions between Go values and bytes. The store never knows
// a particular table; everything table-specific comes through a Spec.
type Spec[K, V any] struct {
	// Layout is recorded in the metadata keyspace and checked on every open.
	Layout layout.Table
	// AppendKey appends the encoded key tuple of k to dst (no table prefix,
	// no scope). The encoding must be order-preserving and self-delimiting
	// (runtime/keyenc).
	AppendKey func(dst []byte, k K) []byte
	// DecodeKey is the inverse of AppendKey; it is used to name keys in
	// errors and problems, and must return an error (never panic) on bad bytes.
	DecodeKey func(b []byte) (K, error)
	// KeyOf returns the primary key of a row.
	KeyOf func(v *V) K
	// AppendRow appends the encoded row to dst (runtime/rowenc).
	AppendRow func(dst []byte, v *V) []byte
	// DecodeRow decodes b into v. It must return an error, never panic, on
	// bad bytes.
	//
	// b is owned by the callee: for every row the store hands out (Get,
	// Scan, IndexScan, GetUnique) it copies the stored value once into
	// memory of the row's own (in a scan, a region of a block shared with
	// neighbouring rows, see Scan), gives it to DecodeRow and never modifies
	// or reuses it, so v may keep views into b instead of copies. Generated
	// code decodes with rowenc.NewOwnedDecoder for that reason: one
	// allocation per row rather than one per string or bytes column. Where
	// the store decodes a row only to look at it (old index values when
	// writing, Verify, index backfills), b stays valid for as long as the
	// store uses v, and v is dropped afterwards.
	//
	// a is where the pointer targets of v's nullable columns come from
	// (rowenc.NewString, …): the arena of the scan the row belongs to, so a
	// scan makes no allocation per nullable value, or nil where one row is
	// decoded on its own, for which they are allocated one by one.
	DecodeRow func(b []byte, v *V, a *rowenc.Arena) error
	// Indexes are the table's secondary indexes; they must match
	// Layout.Indexes one for one (same ids, names and uniqueness).
	Indexes []IndexSpec[V]
	// Access is the table's declared access level (YAML `access:`, "" for
	// the kind's default); views from [Table.As] enforce it.
	Access access.Level
}

// IndexSpec describes one secondary index to the store.
type IndexSpec[V any] struct {
	ID     uint32 // >= 1, unique within the table, never reused
	Name   string
	Unique bool
	// AppendValues appends the row's encoded index values (an
	// order-preserving, self-delimiting tuple) to dst. It returns false when
	// the row has a null indexed value: such a row gets no entry in this
	// index (sparse), so lookups over the index never find it.
	AppendValues func(dst []byte, v *V) ([]byte, bool)
}

// indexCore is the type-erased description of an index used by the commit
// path, which handles rows of every table in one batch.
type indexCore struct {
	id       uint32
	name     string
	unique   bool
	covering bool // entries carry the row (covering.go)
}

// span is a slice [start, end) of a buffer; ok is false for a sparse (absent)
// index value.
type span struct {
	start, end int
	ok         bool
}

// tableCore is the part of a table the commit path and errors need, with the
// key and row types erased.
type tableCore struct {
	db      *DB
	layout  layout.Table
	name    string
	id      uint32
	indexes []indexCore
	// indexValues decodes an encoded row and appends its index values to
	// buf, one span per index (in Spec order).
	indexValues func(row []byte, buf []byte, spans []span) ([]byte, []span, error)
	// formatKey names an encoded key tuple for humans: %v of the decoded key,
	// or hex when it does not decode.
	formatKey func(tuple []byte) string
	// state is the DB's plain-writer lock and cold markers; cold is this
	// table's marker (0: never flushed, deletions write no tombstone).
	state *dbState
	cold  *atomic.Uint64
	// check validates every row before it is written (check.go); nil
	// when the layout has no column with a rule.
	check *rowenc.Checker
}

// Table is a typed view of one table of a [DB]. It is safe for concurrent
// use; WithScope views share everything but the scope. A view bound to a
// transaction with [Table.In] reads and writes through it instead, and is
// used like the transaction, by one goroutine.
type Table[K, V any] struct {
	core  *tableCore
	spec  *Spec[K, V]
	scope []byte
	tx    *Tx              // nil outside a transaction
	guard *guard           // nil: the trusted API; see As
	now   func() time.Time // nil: the database's clock; see WithClock
}

// NewTable registers a table on db and returns its typed view. The first
// time a table id is registered in a database its layout is recorded in the
// metadata keyspace. On later opens NewTable compares the recorded layout
// with spec.Layout and upgrades the table when every difference is safe
// (layout.Diff's rules, which `tablegen breaking` reports too): a new column (old rows read it as null or
// zero), a retired column (old rows keep its bytes, decoders skip them), a
// widened type (int32 → int64, string ↔ bytes, …), appended enum values, a
// rename, a dropped index (its keyspace range-deleted), an index that
// starts or stops covering (rebuilt), and a new index,
// which NewTable backfills from the rows before it returns (flushed rows
// too, read through the flush executor, which must then be attached: else
// the open fails with ErrNoColdReader and builds nothing), reporting
// progress to Options.OnProgress; an index is never served before it is
// complete, and a crash during the backfill is finished by the next open. A
// new unique index over rows that already share values fails with a
// *UniqueViolationError and leaves nothing of the index behind. Any other
// difference (a changed key, an incompatible column type, nullable to
// required, edited enum values, an index redefined under the same id)
// makes NewTable return a *LayoutMismatchError naming each change's rule,
// having written nothing, so a build that would read the bytes differently
// never touches them. An upgrade holds the DB's registration lock, so other
// NewTable calls on db wait for it.
func NewTable[K, V any](db *DB, spec Spec[K, V]) (*Table[K, V], error) {
	if err := checkSpec(&spec); err != nil {
		return nil, err
	}
	s := &spec
	s.Layout = spec.Layout.Canonical()
	s.Indexes = slices.Clone(spec.Indexes)
	core := &tableCore{
		db:     db,
		layout: s.Layout,
		name:   s.Layout.FullName(),
		id:     s.Layout.ID,
		check:  RowChecker(&s.Layout),
	}
	for _, ix := range s.Indexes { // in the Spec's order, that of indexValues' spans
		i := slices.IndexFunc(s.Layout.Indexes, func(l layout.Index) bool { return l.ID == ix.ID })
		core.indexes = append(core.indexes, indexCore{id: ix.ID, name: ix.Name, unique: ix.Unique, covering: s.Layout.Indexes[i].Covering})
	}
	core.indexValues = func(row []byte, buf []byte, spans []span) ([]byte, []span, error) {
		var v V
		if err := s.DecodeRow(row, &v, nil); err != nil {
			return buf, spans, err
		}
		for _, ix := range s.Indexes {
			start := len(buf)
			var ok bool
			buf, ok = ix.AppendValues(buf, &v)
			if !ok {
				buf = buf[:start]
			}
			spans = append(spans, span{start, len(buf), ok})
		}
		return buf, spans, nil
	}
	core.formatKey = func(tuple []byte) string {
		k, err := s.DecodeKey(tuple)
		if err != nil {
			return "0x" + hex.EncodeToString(tuple)
		}
		return fmt.Sprint(k)
	}
	t := &Table[K, V]{core: core, spec: s}
	if err := register(t); err != nil {
		return nil, err
	}
	if err := core.loadCold(); err != nil {
		return nil, err
	}
	return t, nil
}

// loadCold finds the table's cold marker (see the tombstone notes in
// flush.go).
func (c *tableCore) loadCold() error {
	if !c.db.life.enter() {
		return ErrClosed
	}
	defer c.db.life.exit()
	c.state = stateOf(c.db)
	m, err := c.state.cold(c.db, c.id)
	if err != nil {
		return fmt.Errorf("store: table %s: %w", c.name, err)
	}
	c.cold = m
	return nil
}

func checkSpec[K, V any](s *Spec[K, V]) error {
	name := s.Layout.FullName()
	if err := s.Layout.Validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	switch {
	case s.AppendKey == nil:
		return fmt.Errorf("store: table %s: Spec.AppendKey is nil; generated code must set every codec function", name)
	case s.DecodeKey == nil:
		return fmt.Errorf("store: table %s: Spec.DecodeKey is nil; generated code must set every codec function", name)
	case s.KeyOf == nil:
		return fmt.Errorf("store: table %s: Spec.KeyOf is nil; generated code must set every codec function", name)
	case s.AppendRow == nil:
		return fmt.Errorf("store: table %s: Spec.AppendRow is nil; generated code must set every codec function", name)
	case s.DecodeRow == nil:
		return fmt.Errorf("store: table %s: Spec.DecodeRow is nil; generated code must set every codec function", name)
	}
	if len(s.Indexes) != len(s.Layout.Indexes) {
		return fmt.Errorf("store: table %s: Spec has %d indexes but its Layout declares %d; they must match one for one", name, len(s.Indexes), len(s.Layout.Indexes))
	}
	ids := map[uint32]bool{}
	for _, ix := range s.Indexes {
		if ix.ID == 0 {
			return fmt.Errorf("store: table %s: index %s has id 0; index ids start at 1", name, ix.Name)
		}
		if ids[ix.ID] {
			return fmt.Errorf("store: table %s: index id %d is used twice; give each index its own id", name, ix.ID)
		}
		ids[ix.ID] = true
		if ix.AppendValues == nil {
			return fmt.Errorf("store: table %s: index %s has no AppendValues function", name, ix.Name)
		}
		i := slices.IndexFunc(s.Layout.Indexes, func(l layout.Index) bool { return l.ID == ix.ID })
		if i < 0 {
			return fmt.Errorf("store: table %s: index %d (%s) is not in the Layout; add it to Layout.Indexes", name, ix.ID, ix.Name)
		}
		if l := s.Layout.Indexes[i]; l.Name != ix.Name || l.Unique != ix.Unique {
			return fmt.Errorf("store: table %s: index %d is %s (unique %t) in the Spec but %s (unique %t) in the Layout; they must agree", name, ix.ID, ix.Name, ix.Unique, l.Name, l.Unique)
		}
	}
	return nil
}

// WithScope returns a view of the table in which every row and index key
// carries scope right after its table (or index) header. User tables are
// scoped by owner: scope = keyenc.AppendString(nil, owner). The scope must be
// self-delimiting (no scope a proper prefix of another, as keyenc guarantees);
// then a scoped view never sees another scope's rows or index entries. The
// view replaces any scope t already has, and stays in t's transaction, if
// any; rejecting an empty owner is the generated code's job.
func (t *Table[K, V]) WithScope(scope []byte) *Table[K, V] {
	nt := *t
	nt.scope = slices.Clone(scope)
	return &nt
}

// Layout returns the table's layout (columns in tag order, indexes in id order).
func (t *Table[K, V]) Layout() layout.Table { return t.core.layout }

// appendRowKey appends the full row key of k: header + scope + key tuple.
func (t *Table[K, V]) appendRowKey(dst []byte, k K) []byte {
	dst = appendRowPrefix(dst, t.core.id)
	dst = append(dst, t.scope...)
	return t.spec.AppendKey(dst, k)
}

// Get returns the row with key k, or an error wrapping ErrNotFound.
func (t *Table[K, V]) Get(k K) (V, error) {
	var v V
	if err := t.allow(access.Read); err != nil {
		return v, err
	}
	if err := t.expired(k); err != nil {
		return v, err
	}
	rv, err := t.core.openRead(t.tx, false)
	if err != nil {
		return v, err
	}
	defer rv.close()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], k)
	val, closer, err := rv.r.Get(*buf)
	var row []byte
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		cold, found, err := t.core.coldRow(rv.r, *buf)
		if err != nil {
			return v, err
		}
		if !found {
			return v, notFound(t.core.name, fmt.Sprintf("row %v", k))
		}
		row = bytes.Clone(cold)
	case err != nil:
		return v, readError(t.core.name, fmt.Sprint(k), fmt.Sprintf("get %v", k), err)
	default:
		row = bytes.Clone(val)
		_ = closer.Close()
	}
	if err := t.spec.DecodeRow(row, &v, nil); err != nil {
		var zero V
		return zero, &CorruptError{Table: t.core.name, Key: fmt.Sprint(k), Err: err}
	}
	return v, nil
}

// Has reports whether a row with key k exists, without decoding it.
func (t *Table[K, V]) Has(k K) (bool, error) {
	if err := t.allow(access.Read); err != nil {
		return false, err
	}
	if t.expired(k) != nil {
		return false, nil
	}
	rv, err := t.core.openRead(t.tx, false)
	if err != nil {
		return false, err
	}
	defer rv.close()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], k)
	_, closer, err := rv.r.Get(*buf)
	if errors.Is(err, pebble.ErrNotFound) {
		_, found, err := t.core.coldSeq(rv.r, *buf)
		return found, err
	}
	if err != nil {
		return false, readError(t.core.name, fmt.Sprint(k), fmt.Sprintf("has %v", k), err)
	}
	_ = closer.Close()
	return true, nil
}

// Put inserts or replaces the row v (its key is KeyOf(v)) together with its
// index entries, atomically. It returns a *UniqueViolationError, and writes
// nothing, when v would share a unique index's values with another row.
// In a transaction the write is part of it, seen by the transaction's
// later reads and committed with it.
func (t *Table[K, V]) Put(v *V) error {
	if err := t.allow(access.Write); err != nil {
		return err
	}
	if t.tx != nil {
		b, err := t.tx.writer(t.core)
		if err != nil {
			return err
		}
		t.PutIn(b, v)
		return t.tx.apply()
	}
	if len(t.core.indexes) == 0 {
		return t.putDirect(v)
	}
	b := t.core.db.getBatch()
	defer t.core.db.putBatch(b)
	t.PutIn(b, v)
	return b.Commit()
}

// Delete removes the row with key k and its index entries, atomically.
// Deleting a missing row is not an error. Once the table has rows flushed
// to Parquet (runtime/flush), the same batch writes a tombstone that hides
// the row's flushed copies from union reads (see the notes in flush.go).
func (t *Table[K, V]) Delete(k K) error {
	if err := t.allow(access.Write); err != nil {
		return err
	}
	if t.tx != nil {
		b, err := t.tx.writer(t.core)
		if err != nil {
			return err
		}
		t.DeleteIn(b, k)
		return t.tx.apply()
	}
	if len(t.core.indexes) == 0 {
		return t.deleteDirect(k)
	}
	b := t.core.db.getBatch()
	defer t.core.db.putBatch(b)
	t.DeleteIn(b, k)
	return b.Commit()
}

// putDirect writes a row of a table without indexes: nothing to read first,
// so no commit mutex, only the plain writers' read lock (see
// DB.deleteUnchanged).
func (t *Table[K, V]) putDirect(v *V) error {
	db := t.core.db
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], t.spec.KeyOf(v))
	n := len(*buf)
	*buf = t.spec.AppendRow(*buf, v)
	if err := t.core.checkRow((*buf)[n:], (*buf)[rowHeaderLen+len(t.scope):n]); err != nil {
		return err
	}
	if err := db.refuseWhilePending(); err != nil {
		return fmt.Errorf("store: %s: put %v: %w", t.core.name, t.spec.KeyOf(v), err)
	}
	mu := &t.core.state.plainMu
	mu.RLock()
	pb := db.pdb.NewBatch()
	err := pb.Set((*buf)[:n], (*buf)[n:], nil)
	if err == nil && t.core.flushed() {
		// Hot wins over a flushed copy: its cold marker goes (cold.go).
		err = pb.Delete(appendColdKey(nil, (*buf)[:n]), nil)
	}
	if err == nil {
		err = db.commit(pb, db.writeOpts) // closes pb
	} else {
		_ = pb.Close()
	}
	mu.RUnlock()
	if err != nil {
		return fmt.Errorf("store: %s: put %v: %w", t.core.name, t.spec.KeyOf(v), err)
	}
	return nil
}

// deleteDirect deletes a row of a table without indexes, with its
// tombstone once the table has flushed rows.
func (t *Table[K, V]) deleteDirect(k K) error {
	db := t.core.db
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], k)
	n := len(*buf)
	if err := db.refuseWhilePending(); err != nil {
		return fmt.Errorf("store: %s: delete %v: %w", t.core.name, k, err)
	}
	mu := &t.core.state.plainMu
	mu.RLock()
	defer mu.RUnlock()
	pb := db.pdb.NewBatch()
	err := pb.Delete((*buf)[:n], nil)
	if seq := t.core.cold.Load(); seq != 0 && err == nil {
		err = pb.Delete(appendColdKey(nil, (*buf)[:n]), nil)
		if err == nil {
			*buf = appendTombstone(*buf, (*buf)[:n])
			err = pb.Set((*buf)[n:], binary.BigEndian.AppendUint64(nil, seq), nil)
		}
	}
	if err == nil {
		err = db.commit(pb, db.writeOpts) // closes pb
	} else {
		_ = pb.Close()
	}
	if err != nil {
		return fmt.Errorf("store: %s: delete %v: %w", t.core.name, k, err)
	}
	return nil
}
