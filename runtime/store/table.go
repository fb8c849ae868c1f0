package store

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// Spec is what generated code hands the store about one table: its layout
// and the codec functions between Go values and bytes. The store never knows
// a particular table; everything table-specific comes through a Spec.
type Spec[K, V any] struct {
	// Layout is recorded in the metadata keyspace and checked on every open.
	Layout Layout
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
	// DecodeRow decodes b into v. b is only valid during the call: DecodeRow
	// must copy whatever it keeps. It must return an error, never panic, on
	// bad bytes.
	DecodeRow func(b []byte, v *V) error
	// Indexes are the table's secondary indexes; they must match
	// Layout.Indexes one for one (same ids, names and uniqueness).
	Indexes []IndexSpec[V]
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
	id     uint32
	name   string
	unique bool
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
	layout  Layout
	name    string
	id      uint32
	indexes []indexCore
	// indexValues decodes an encoded row and appends its index values to
	// buf, one span per index (in Spec order).
	indexValues func(row []byte, buf []byte, spans []span) ([]byte, []span, error)
	// formatKey names an encoded key tuple for humans: %v of the decoded key,
	// or hex when it does not decode.
	formatKey func(tuple []byte) string
}

// Table is a typed view of one table of a [DB]. It is safe for concurrent
// use; WithScope views share everything but the scope.
type Table[K, V any] struct {
	core  *tableCore
	spec  *Spec[K, V]
	scope []byte
}

// NewTable registers a table on db and returns its typed view. The first
// time a table id is registered in a database its layout is recorded in the
// metadata keyspace; afterwards the recorded layout must be identical, or
// NewTable returns a *LayoutMismatchError listing what changed, so a build
// that would read the bytes differently never touches them.
func NewTable[K, V any](db *DB, spec Spec[K, V]) (*Table[K, V], error) {
	if err := checkSpec(&spec); err != nil {
		return nil, err
	}
	if err := db.register(&spec.Layout); err != nil {
		return nil, err
	}
	s := &spec
	s.Layout = spec.Layout.canonical()
	s.Indexes = slices.Clone(spec.Indexes)
	core := &tableCore{
		db:     db,
		layout: s.Layout,
		name:   s.Layout.FullName(),
		id:     s.Layout.ID,
	}
	for _, ix := range s.Indexes {
		core.indexes = append(core.indexes, indexCore{id: ix.ID, name: ix.Name, unique: ix.Unique})
	}
	core.indexValues = func(row []byte, buf []byte, spans []span) ([]byte, []span, error) {
		var v V
		if err := s.DecodeRow(row, &v); err != nil {
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
	return &Table[K, V]{core: core, spec: s}, nil
}

func checkSpec[K, V any](s *Spec[K, V]) error {
	name := s.Layout.FullName()
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
		i := slices.IndexFunc(s.Layout.Indexes, func(l IndexLayout) bool { return l.ID == ix.ID })
		if i < 0 {
			return fmt.Errorf("store: table %s: index %d (%s) is not in the Layout; add it to Layout.Indexes", name, ix.ID, ix.Name)
		}
		if l := s.Layout.Indexes[i]; l.Name != ix.Name || l.Unique != ix.Unique {
			return fmt.Errorf("store: table %s: index %d is %s (unique %t) in the Spec but %s (unique %t) in the Layout; they must agree", name, ix.ID, ix.Name, ix.Unique, l.Name, l.Unique)
		}
	}
	return nil
}

// register checks the layout against this process's registrations and the
// database's metadata, recording it when the database has none.
func (db *DB) register(l *Layout) error {
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	db.regMu.Lock()
	defer db.regMu.Unlock()
	if prev, ok := db.tables[l.ID]; ok {
		if ch := layoutChanges(prev, l); len(ch) > 0 {
			return &LayoutMismatchError{Table: l.FullName(), Changes: append([]string{"registered twice in this process with different layouts"}, ch...)}
		}
		return nil
	}
	key := metaKey(l.ID)
	val, closer, err := db.pdb.Get(key)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		canon := l.canonical()
		rec, err := jsonRecord(&canon)
		if err != nil {
			return fmt.Errorf("store: table %s: encode layout: %w", l.FullName(), err)
		}
		if err := db.pdb.Set(key, rec, pebble.Sync); err != nil {
			return fmt.Errorf("store: table %s: record layout: %w", l.FullName(), err)
		}
	case err != nil:
		return fmt.Errorf("store: table %s: read recorded layout: %w", l.FullName(), err)
	default:
		stored, err := parseRecord(val)
		_ = closer.Close()
		if err != nil {
			return fmt.Errorf("store: table %s: the layout recorded in the database (key %x) cannot be read: %w; the metadata is damaged, restore it from a backup", l.FullName(), key, err)
		}
		if stored.Fingerprint != l.Fingerprint() {
			ch := layoutChanges(&stored.Layout, l)
			if len(ch) == 0 {
				ch = []string{fmt.Sprintf("layout fingerprint %s → %s", stored.Fingerprint, l.Fingerprint())}
			}
			return &LayoutMismatchError{Table: l.FullName(), Changes: ch}
		}
	}
	c := l.canonical()
	db.tables[l.ID] = &c
	return nil
}

// WithScope returns a view of the table in which every row and index key
// carries scope right after its table (or index) header. User tables are
// scoped by owner: scope = keyenc.AppendString(nil, owner). The scope must be
// self-delimiting (no scope a proper prefix of another, as keyenc guarantees);
// then a scoped view never sees another scope's rows or index entries. The
// view replaces any scope t already has; rejecting an empty owner is the
// generated code's job.
func (t *Table[K, V]) WithScope(scope []byte) *Table[K, V] {
	return &Table[K, V]{core: t.core, spec: t.spec, scope: slices.Clone(scope)}
}

// Layout returns the table's layout (columns in tag order, indexes in id order).
func (t *Table[K, V]) Layout() Layout { return t.core.layout }

// appendRowKey appends the full row key of k: header + scope + key tuple.
func (t *Table[K, V]) appendRowKey(dst []byte, k K) []byte {
	dst = appendRowPrefix(dst, t.core.id)
	dst = append(dst, t.scope...)
	return t.spec.AppendKey(dst, k)
}

// Get returns the row with key k, or an error wrapping ErrNotFound.
func (t *Table[K, V]) Get(k K) (V, error) {
	var v V
	if !t.core.db.life.enter() {
		return v, ErrClosed
	}
	defer t.core.db.life.exit()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], k)
	val, closer, err := t.core.db.pdb.Get(*buf)
	if errors.Is(err, pebble.ErrNotFound) {
		return v, notFound(t.core.name, fmt.Sprintf("row %v", k))
	}
	if err != nil {
		return v, fmt.Errorf("store: %s: get %v: %w", t.core.name, k, err)
	}
	err = t.spec.DecodeRow(val, &v)
	_ = closer.Close()
	if err != nil {
		var zero V
		return zero, &CorruptError{Table: t.core.name, Key: fmt.Sprint(k), Err: err}
	}
	return v, nil
}

// Has reports whether a row with key k exists, without decoding it.
func (t *Table[K, V]) Has(k K) (bool, error) {
	if !t.core.db.life.enter() {
		return false, ErrClosed
	}
	defer t.core.db.life.exit()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], k)
	_, closer, err := t.core.db.pdb.Get(*buf)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: %s: has %v: %w", t.core.name, k, err)
	}
	_ = closer.Close()
	return true, nil
}

// Put inserts or replaces the row v (its key is KeyOf(v)) together with its
// index entries, atomically. It returns a *UniqueViolationError, and writes
// nothing, when v would share a unique index's values with another row.
func (t *Table[K, V]) Put(v *V) error {
	if len(t.core.indexes) == 0 {
		return t.putDirect(v)
	}
	b := t.core.db.getBatch()
	defer t.core.db.putBatch(b)
	t.PutIn(b, v)
	return b.Commit()
}

// Delete removes the row with key k and its index entries, atomically.
// Deleting a missing row is not an error.
func (t *Table[K, V]) Delete(k K) error {
	if len(t.core.indexes) == 0 {
		return t.deleteDirect(k)
	}
	b := t.core.db.getBatch()
	defer t.core.db.putBatch(b)
	t.DeleteIn(b, k)
	return b.Commit()
}

// putDirect writes a row of a table without indexes: nothing to read first,
// so no commit mutex.
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
	if err := db.pdb.Set((*buf)[:n], (*buf)[n:], db.writeOpts); err != nil {
		return fmt.Errorf("store: %s: put %v: %w", t.core.name, t.spec.KeyOf(v), err)
	}
	return nil
}

func (t *Table[K, V]) deleteDirect(k K) error {
	db := t.core.db
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	buf := getBuf()
	defer putBuf(buf)
	*buf = t.appendRowKey((*buf)[:0], k)
	if err := db.pdb.Delete(*buf, db.writeOpts); err != nil {
		return fmt.Errorf("store: %s: delete %v: %w", t.core.name, k, err)
	}
	return nil
}
