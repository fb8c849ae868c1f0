package bench

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// reflectStore is the generic store a team writes when it has no generator:
// any struct type T, rows as encoding/json values, the key and indexed fields
// found by reflection from `store:"key"` and `store:"index"` tags, index
// entries maintained in the same Pebble batch as the row.
//
// Keys:
//
//	"row/" + type name + "/" + key                                  → JSON of the row
//	"idx/" + type name + "/" + field + "/" + JSON of the value + 0x00 + key → nothing
//
// The key field must be an integer (encoded big-endian with the sign bit
// flipped, so scans run in key order) or a string without 0x00 bytes. JSON
// text never contains a raw 0x00 (encoding/json escapes it), so the
// separator is unambiguous.
type reflectStore[T any] struct {
	pdb      *pebble.DB
	rowBase  []byte
	idxBase  []byte
	keyField int
	indexes  []reflectIndex
}

type reflectIndex struct {
	field int
	base  []byte // idxBase + field name + "/"
}

func newReflectStore[T any](pdb *pebble.DB) (*reflectStore[T], error) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("json store: %s is not a struct; store struct types", t)
	}
	s := &reflectStore[T]{
		pdb:      pdb,
		rowBase:  []byte("row/" + t.Name() + "/"),
		idxBase:  []byte("idx/" + t.Name() + "/"),
		keyField: -1,
	}
	for i := range t.NumField() {
		f := t.Field(i)
		switch f.Tag.Get("store") {
		case "key":
			s.keyField = i
		case "index":
			s.indexes = append(s.indexes, reflectIndex{field: i, base: append(bytes.Clone(s.idxBase), f.Name+"/"...)})
		}
	}
	if s.keyField < 0 {
		return nil, fmt.Errorf("json store: %s has no field tagged `store:\"key\"`; tag its primary key field", t)
	}
	return s, nil
}

// appendKey appends the order-preserving encoding of the key field of v.
func (s *reflectStore[T]) appendKey(dst []byte, v reflect.Value) ([]byte, error) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.BigEndian.AppendUint64(dst, uint64(v.Int())^(1<<63)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return binary.BigEndian.AppendUint64(dst, v.Uint()), nil
	case reflect.String:
		if bytes.IndexByte([]byte(v.String()), 0) >= 0 {
			return dst, fmt.Errorf("json store: key %q contains 0x00; string keys must not", v.String())
		}
		return append(dst, v.String()...), nil
	}
	return dst, fmt.Errorf("json store: key field of kind %s is not supported; use an integer or a string", v.Kind())
}

func (s *reflectStore[T]) rowKey(v *T) ([]byte, error) {
	return s.appendKey(bytes.Clone(s.rowBase), reflect.ValueOf(v).Elem().Field(s.keyField))
}

// indexKeys returns the index entry keys of v (one per indexed field).
func (s *reflectStore[T]) indexKeys(v *T, rowKey []byte) ([][]byte, error) {
	rv := reflect.ValueOf(v).Elem()
	keys := make([][]byte, 0, len(s.indexes))
	for _, ix := range s.indexes {
		val, err := json.Marshal(rv.Field(ix.field).Interface())
		if err != nil {
			return nil, fmt.Errorf("json store: index value: %w", err)
		}
		k := append(bytes.Clone(ix.base), val...)
		k = append(k, 0)
		keys = append(keys, append(k, rowKey[len(s.rowBase):]...))
	}
	return keys, nil
}

// PutAll inserts or replaces rows in batches of batch rows each.
func (s *reflectStore[T]) PutAll(rows []T, batch int) error {
	for start := 0; start < len(rows); start += batch {
		b := s.pdb.NewIndexedBatch()
		for i := start; i < min(start+batch, len(rows)); i++ {
			if err := s.putIn(b, &rows[i]); err != nil {
				b.Close()
				return err
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			b.Close()
			return fmt.Errorf("json store: commit: %w", err)
		}
		if err := b.Close(); err != nil {
			return fmt.Errorf("json store: close batch: %w", err)
		}
	}
	return nil
}

func (s *reflectStore[T]) putIn(b *pebble.Batch, v *T) error {
	key, err := s.rowKey(v)
	if err != nil {
		return err
	}
	old, closer, err := b.Get(key)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return fmt.Errorf("json store: read %x: %w", key, err)
	default:
		var prev T
		err := json.Unmarshal(old, &prev)
		_ = closer.Close()
		if err != nil {
			return fmt.Errorf("json store: decode stored row %x: %w", key, err)
		}
		stale, err := s.indexKeys(&prev, key)
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k, nil); err != nil {
				return fmt.Errorf("json store: delete index entry: %w", err)
			}
		}
	}
	val, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("json store: encode row %x: %w", key, err)
	}
	if err := b.Set(key, val, nil); err != nil {
		return fmt.Errorf("json store: write row: %w", err)
	}
	entries, err := s.indexKeys(v, key)
	if err != nil {
		return err
	}
	for _, k := range entries {
		if err := b.Set(k, nil, nil); err != nil {
			return fmt.Errorf("json store: write index entry: %w", err)
		}
	}
	return nil
}

// Get reads the row whose key field equals key.
func (s *reflectStore[T]) Get(key any) (T, error) {
	var v T
	k, err := s.appendKey(bytes.Clone(s.rowBase), reflect.ValueOf(key))
	if err != nil {
		return v, err
	}
	return v, s.get(k, &v)
}

func (s *reflectStore[T]) get(key []byte, v *T) error {
	val, closer, err := s.pdb.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return fmt.Errorf("json store: %x: %w", key, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("json store: get %x: %w", key, err)
	}
	err = json.Unmarshal(val, v)
	_ = closer.Close()
	if err != nil {
		return fmt.Errorf("json store: decode %x: %w", key, err)
	}
	return nil
}

// FindBy calls fn with every row whose indexed field equals value, in key order.
func (s *reflectStore[T]) FindBy(field string, value any, fn func(*T) error) error {
	var base []byte
	for _, ix := range s.indexes {
		if reflect.TypeFor[T]().Field(ix.field).Name == field {
			base = ix.base
		}
	}
	if base == nil {
		return fmt.Errorf("json store: %s is not an indexed field; tag it `store:\"index\"`", field)
	}
	val, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("json store: index value: %w", err)
	}
	lower := append(append(bytes.Clone(base), val...), 0)
	upper := append(append(bytes.Clone(base), val...), 1)
	it, err := s.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("json store: index scan: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		key := append(bytes.Clone(s.rowBase), it.Key()[len(lower):]...)
		var v T
		if err := s.get(key, &v); err != nil {
			_ = it.Close()
			return err
		}
		if err := fn(&v); err != nil {
			_ = it.Close()
			return err
		}
	}
	return it.Close()
}

// Scan calls fn with rows in key order, at most limit of them (0: all).
func (s *reflectStore[T]) Scan(limit int, fn func(*T) error) error {
	it, err := s.pdb.NewIter(&pebble.IterOptions{LowerBound: s.rowBase, UpperBound: keyenc.PrefixEnd(s.rowBase)})
	if err != nil {
		return fmt.Errorf("json store: scan: %w", err)
	}
	n := 0
	for ok := it.First(); ok && (limit == 0 || n < limit); ok = it.Next() {
		val, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("json store: scan: %w", err)
		}
		var v T
		if err := json.Unmarshal(val, &v); err != nil {
			_ = it.Close()
			return fmt.Errorf("json store: decode %x: %w", it.Key(), err)
		}
		if err := fn(&v); err != nil {
			_ = it.Close()
			return err
		}
		n++
	}
	return it.Close()
}

// jsonStore adapts reflectStore[Row] to Store.
type jsonStore struct {
	db *store.DB
	s  *reflectStore[Row]
}

// OpenJSON opens the generic reflection + encoding/json implementation in dir.
func OpenJSON(dir string) (Store, error) {
	db, err := openPebble(dir)
	if err != nil {
		return nil, err
	}
	s, err := newReflectStore[Row](rawpebble.DB(db))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &jsonStore{db: db, s: s}, nil
}

func (j *jsonStore) Load(rows []Row) error { return j.s.PutAll(rows, BatchSize) }

func (j *jsonStore) Settle() error { return rawpebble.DB(j.db).Flush() }

func (j *jsonStore) Get(id int64) (Row, error) { return j.s.Get(id) }

func (j *jsonStore) ByCategory(category string, dst []Row) ([]Row, error) {
	err := j.s.FindBy("Category", category, func(r *Row) error {
		dst = append(dst, *r)
		return nil
	})
	return dst, err
}

func (j *jsonStore) First(n int, dst []Row) ([]Row, error) {
	if n <= 0 {
		return dst, nil
	}
	err := j.s.Scan(n, func(r *Row) error {
		dst = append(dst, *r)
		return nil
	})
	return dst, err
}

func (j *jsonStore) ScanAll(fn func(*Row) error) error { return j.s.Scan(0, fn) }

func (j *jsonStore) SumScore() (float64, error) { return 0, ErrNoProjection }

func (j *jsonStore) Close() error { return j.db.Close() }
