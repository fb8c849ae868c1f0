// Package load writes rows from NDJSON, CSV and Parquet files (as Arrow
// records, see [Loader.Records]) into a table, checking
// every value against the table's layout (type, range, nullability, enum
// values, UTF-8) before anything is written. It works from the layout, not
// generated code, so tablegen load serves every table the YAML declares.
//
// A load is all or nothing: the rows are checked and staged in one store
// batch, committed once at the end, so a bad value, a duplicate key or a
// unique violation anywhere in the file leaves the table as it was. The
// price is memory: the batch holds the whole file's encoded rows (about the
// file's size, plus the index entries). Split larger files; each part is
// then its own all-or-nothing load.
//
// Errors name the position: "rows.csv:17:email: not valid UTF-8", the line
// (1-based; a CSV's header is line 1) and the column.
//
// A row whose key is already stored replaces it, as Put does. Rows of user
// and stream tables name their owner in an "owner" field (NDJSON) or column
// (CSV), as `tablegen inspect` prints it.
package load

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// OwnerField is the field (NDJSON) or column (CSV) holding a row's owner
// in a user or stream table.
const OwnerField = "owner"

// Loader loads rows into one table.
type Loader struct {
	// Progress, when set, is called with the number of rows read and
	// checked so far, once per ProgressEvery rows and before the commit:
	// a command shows a progress bar with it.
	Progress func(rows int)

	db     *store.DB
	layout layout.Table
	tbl    *store.Table[rowKey, staged]
	byName map[string]int // column name → index in layout.Columns
	key    []int          // key columns, as indexes in layout.Columns
	index  [][]int        // per index: its columns
	owned  bool
}

// rowKey is a staged row's key: its encoded key tuple. The store names
// keys in errors by String, which commit maps back to input positions.
type rowKey struct{ enc string }

func (k rowKey) String() string { return hex.EncodeToString([]byte(k.enc)) }

// staged is one checked, encoded row.
type staged struct {
	key   rowKey
	val   []byte
	index [][]byte // per index: its encoded values, nil when not indexed (a null column)
}

// New returns a loader for the table l describes in db. It registers the
// table like any program opening it (store.NewTable), so a database written
// with an incompatible layout is refused before any row is read.
func New(db *store.DB, l layout.Table) (*Loader, error) {
	ld := &Loader{db: db, layout: l, byName: map[string]int{}, owned: l.Kind.OwnerScoped()}
	for i, c := range l.Columns {
		ld.byName[c.Name] = i
	}
	if _, clash := ld.byName[OwnerField]; clash && ld.owned {
		return nil, fmt.Errorf("load: %s: a column is called %q, which load uses for the owner of a user or stream table's row; rename the column", l.FullName(), OwnerField)
	}
	for _, k := range l.Key {
		i, ok := ld.byName[k.Name]
		if !ok {
			return nil, fmt.Errorf("load: %s: key column %q is not a column", l.FullName(), k.Name)
		}
		ld.key = append(ld.key, i)
	}
	spec := store.Spec[rowKey, staged]{
		Layout:    l,
		AppendKey: func(dst []byte, k rowKey) []byte { return append(dst, k.enc...) },
		DecodeKey: func(b []byte) (rowKey, error) { return rowKey{enc: string(b)}, nil },
		KeyOf:     func(r *staged) rowKey { return r.key },
		AppendRow: func(dst []byte, r *staged) []byte { return append(dst, r.val...) },
		DecodeRow: func(b []byte, r *staged, _ *rowenc.Arena) error { r.val = slices.Clone(b); return nil },
	}
	for n, ix := range l.Indexes {
		var cols []int
		for _, name := range ix.Columns {
			i, ok := ld.byName[name]
			if !ok {
				return nil, fmt.Errorf("load: %s: index %s names column %q, which is not a column", l.FullName(), ix.Name, name)
			}
			cols = append(cols, i)
		}
		ld.index = append(ld.index, cols)
		spec.Indexes = append(spec.Indexes, store.IndexSpec[staged]{ID: ix.ID, Name: ix.Name, Unique: ix.Unique,
			AppendValues: func(dst []byte, r *staged) ([]byte, bool) {
				if r.index == nil || r.index[n] == nil {
					return dst, false
				}
				return append(dst, r.index[n]...), true
			}})
	}
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	ld.tbl = tbl
	return ld, nil
}

// ProgressEvery is how many rows pass between calls of Loader.Progress.
const ProgressEvery = 4096

// progress reports row (the number of rows read) to Progress every
// ProgressEvery rows.
func (ld *Loader) progress(row int) {
	if ld.Progress != nil && row%ProgressEvery == 0 {
		ld.Progress(row)
	}
}

// batch stages checked rows and commits them at once.
type batch struct {
	ld   *Loader
	b    *store.Batch
	seen map[string]string   // owner + key → first position
	pos  map[string][]string // hex key → positions (one per owner)
	n    int
}

func (ld *Loader) newBatch() *batch {
	return &batch{ld: ld, b: ld.db.NewBatch(), seen: map[string]string{}, pos: map[string][]string{}}
}

// add checks one row (values by column index, nil = null; owner for owned
// tables) and stages it. pos is "file:line".
func (b *batch) add(pos, owner string, vals []value, set []bool) error {
	ld := b.ld
	name := ld.layout.FullName()
	for i := range ld.layout.Columns {
		c := &ld.layout.Columns[i]
		if !set[i] && !c.Nullable {
			return fmt.Errorf("%s:%s: missing; the column is not nullable", pos, c.Name)
		}
		if vals[i] == nil && !c.Nullable {
			return fmt.Errorf("%s:%s: null, but the column is not nullable", pos, c.Name)
		}
	}
	if ld.owned && owner == "" {
		return fmt.Errorf("%s:%s: missing; every row of %s (a %s table) names its owner", pos, OwnerField, name, ld.layout.Kind)
	}
	if !ld.owned && owner != "" {
		return fmt.Errorf("%s:%s: %s is a %s table, its rows have no owner; drop the field", pos, OwnerField, name, ld.layout.Kind)
	}
	var key []byte
	for j, i := range ld.key {
		key = appendKey(key, ld.layout.Columns[i].Type, vals[i], ld.layout.Key[j].Desc)
	}
	dupKey := owner + "\x00" + string(key)
	if first, dup := b.seen[dupKey]; dup {
		return fmt.Errorf("%s: the same key as the row at %s; a load inserts each key once", pos, first)
	}
	b.seen[dupKey] = pos
	var val []byte
	for i := range ld.layout.Columns {
		if vals[i] != nil {
			val = appendField(val, &ld.layout.Columns[i], vals[i])
		}
	}
	r := &staged{key: rowKey{enc: string(key)}, val: val}
	hk := r.key.String()
	b.pos[hk] = append(b.pos[hk], pos)
	if len(ld.index) > 0 {
		r.index = make([][]byte, len(ld.index))
		for n, cols := range ld.index {
			enc := []byte{}
			for _, i := range cols {
				if vals[i] == nil {
					enc = nil
					break
				}
				enc = appendKey(enc, ld.layout.Columns[i].Type, vals[i], false)
			}
			r.index[n] = enc
		}
	}
	t := ld.tbl
	if ld.owned {
		t = t.WithScope(keyenc.AppendString(nil, owner))
	}
	t.PutIn(b.b, r)
	b.n++
	return nil
}

// where names the input row(s) of a key the store formatted, or the
// stored row.
func (b *batch) where(key string) string {
	if ps := b.pos[key]; len(ps) > 0 {
		return "the row at " + strings.Join(ps, " or ")
	}
	return "the already stored row with key " + key
}

// commit writes every staged row or none.
func (b *batch) commit() (int, error) {
	if b.ld.Progress != nil {
		b.ld.Progress(b.n)
	}
	if b.n == 0 {
		return 0, nil
	}
	if err := b.b.Commit(); err != nil {
		var uv *store.UniqueViolationError
		if errors.As(err, &uv) {
			return 0, fmt.Errorf("%s: unique index %s: the row has the values of %s; nothing was loaded: %w", b.where(uv.Key), uv.Index, b.where(uv.ExistingKey), err)
		}
		return 0, fmt.Errorf("load: %s: commit: %w; nothing was loaded", b.ld.layout.FullName(), err)
	}
	return b.n, nil
}
