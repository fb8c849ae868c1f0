package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"go.uber.org/goleak"
)

// TestMain checks for leaked goroutines (a DB or iterator left open) after
// the benchmark fixtures, which live for the whole run, are closed.
func TestMain(m *testing.M) {
	code := m.Run()
	closeBenchFixtures()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// jobKey is the hand-written key of the test table: (group, seq).
type jobKey struct {
	Group string
	Seq   int64
}

func (k jobKey) String() string { return fmt.Sprintf("%s/%d", k.Group, k.Seq) }

// job is the hand-written row of the test table, in the shape generated code
// will have: by_name is unique, by_status (status, created) is composite
// non-unique, by_email is unique and sparse (Email is nullable).
type job struct {
	Group   string
	Seq     int64
	Name    string
	Status  int32
	Created int64
	Email   *string
	Note    string
}

func appendJobKey(dst []byte, k jobKey) []byte {
	dst = keyenc.AppendString(dst, k.Group)
	return keyenc.AppendInt64(dst, k.Seq)
}

func decodeJobKey(b []byte) (jobKey, error) {
	var k jobKey
	var err error
	if k.Group, b, err = keyenc.DecodeString(b); err != nil {
		return k, err
	}
	if k.Seq, b, err = keyenc.DecodeInt64(b); err != nil {
		return k, err
	}
	if len(b) != 0 {
		return k, fmt.Errorf("%d trailing bytes after the key: %w", len(b), keyenc.ErrMalformed)
	}
	return k, nil
}

func appendJob(dst []byte, v *job) []byte {
	dst = rowenc.AppendString(dst, 1, v.Group)
	dst = rowenc.AppendInt64(dst, 2, v.Seq)
	dst = rowenc.AppendString(dst, 3, v.Name)
	dst = rowenc.AppendEnum(dst, 4, v.Status)
	dst = rowenc.AppendInt64(dst, 5, v.Created)
	if v.Email != nil {
		dst = rowenc.AppendString(dst, 6, *v.Email)
	}
	if v.Note != "" {
		dst = rowenc.AppendString(dst, 7, v.Note)
	}
	return dst
}

func decodeJob(b []byte, v *job, a *rowenc.Arena) error {
	*v = job{}
	d := rowenc.NewDecoder(b)
	for d.Next() {
		switch d.Tag() {
		case 1:
			v.Group = d.String()
		case 2:
			v.Seq = d.Int64()
		case 3:
			v.Name = d.String()
		case 4:
			v.Status = d.Enum()
		case 5:
			v.Created = d.Int64()
		case 6:
			v.Email = rowenc.NewString(a, d.String())
		case 7:
			v.Note = d.String()
		}
	}
	return d.Err()
}

const (
	byName   = 1
	byStatus = 2
	byEmail  = 3
)

func jobLayout(id uint32, withIndexes bool) layout.Table {
	l := layout.Table{
		ID: id, Namespace: "test", Name: fmt.Sprintf("jobs%d", id), Kind: "system",
		Key: []layout.KeyColumn{{Name: "group", Type: "string"}, {Name: "seq", Type: "int64"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "group", Type: "string"},
			{Tag: 2, Name: "seq", Type: "int64"},
			{Tag: 3, Name: "name", Type: "string"},
			{Tag: 4, Name: "status", Type: "enum", Values: []string{"new", "running", "done"}},
			{Tag: 5, Name: "created", Type: "int64"},
			{Tag: 6, Name: "email", Type: "string", Nullable: true},
			{Tag: 7, Name: "note", Type: "string"},
		},
	}
	if withIndexes {
		l.Indexes = []layout.Index{
			{ID: byName, Name: "by_name", Columns: []string{"name"}, Unique: true},
			{ID: byStatus, Name: "by_status", Columns: []string{"status", "created"}},
			{ID: byEmail, Name: "by_email", Columns: []string{"email"}, Unique: true},
		}
	}
	return l
}

func jobSpec(id uint32, withIndexes bool) Spec[jobKey, job] {
	s := Spec[jobKey, job]{
		Layout:    jobLayout(id, withIndexes),
		AppendKey: appendJobKey,
		DecodeKey: decodeJobKey,
		KeyOf:     func(v *job) jobKey { return jobKey{v.Group, v.Seq} },
		AppendRow: appendJob,
		DecodeRow: decodeJob,
	}
	if withIndexes {
		s.Indexes = []IndexSpec[job]{
			{ID: byName, Name: "by_name", Unique: true, AppendValues: func(dst []byte, v *job) ([]byte, bool) {
				return keyenc.AppendString(dst, v.Name), true
			}},
			{ID: byStatus, Name: "by_status", AppendValues: func(dst []byte, v *job) ([]byte, bool) {
				return keyenc.AppendInt64(keyenc.AppendEnum(dst, v.Status), v.Created), true
			}},
			{ID: byEmail, Name: "by_email", Unique: true, AppendValues: func(dst []byte, v *job) ([]byte, bool) {
				if v.Email == nil {
					return dst, false
				}
				return keyenc.AppendString(dst, *v.Email), true
			}},
		}
	}
	return s
}

// coveringJobSpec is jobSpec with indexes, by_status covering.
func coveringJobSpec(id uint32) Spec[jobKey, job] {
	s := jobSpec(id, true)
	s.Layout.Indexes = slices.Clone(s.Layout.Indexes)
	s.Layout.Indexes[1].Covering = true
	return s
}

// openDB opens a DB in a fresh temporary directory and closes it at the end
// of the test, failing the test if Close reports an error (for example an
// iterator a scan forgot to close).
func openDB(t testing.TB, opts *Options) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil && err != ErrClosed {
			t.Errorf("close: %v", err)
		}
	})
	return db, dir
}

func newJobs(t testing.TB, db *DB, id uint32, withIndexes bool) *Table[jobKey, job] {
	t.Helper()
	tbl, err := NewTable(db, jobSpec(id, withIndexes))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func strp(s string) *string { return &s }

// collect drains a scan, failing the test on any yielded error.
func collect(t testing.TB, seq func(func(job, error) bool)) []job {
	t.Helper()
	var out []job
	for v, err := range seq {
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		out = append(out, v)
	}
	return out
}

func keysOf(rows []job) []string {
	var out []string
	for _, r := range rows {
		out = append(out, jobKey{r.Group, r.Seq}.String())
	}
	return out
}

// moveCold moves the listed rows of l to cold segment 1 the way a flush
// does (the number reserved first, the rows' bytes kept by a fake cold
// tier attached to db), and returns how many moved.
func moveCold(t testing.TB, db *DB, l *layout.Table, versions []coldtier.RowVersion) (int, error) {
	t.Helper()
	f := attachFakeCold(db)
	for _, v := range versions {
		val, closer, err := db.pdb.Get(append(appendRowPrefix(nil, l.ID), v.Key...))
		if err == nil {
			f.put(l.ID, 1, v.Key, bytes.Clone(val))
			_ = closer.Close()
		}
	}
	if err := db.raiseColdMarker(l, 1); err != nil {
		t.Fatal(err)
	}
	return db.deleteUnchanged(l, 1, versions, false)
}

// fakeCold is the store tests' cold tier: the rows a fake flush moved,
// by table, segment and key.
type fakeCold struct {
	mu   sync.Mutex
	rows map[string][]byte
}

func attachFakeCold(db *DB) *fakeCold {
	slot := &stateOf(db).tier
	if f, ok := slot.Get().(*fakeCold); ok {
		return f
	}
	f := &fakeCold{rows: map[string][]byte{}}
	slot.Set(f)
	return f
}

func fakeColdKey(id uint32, seq uint64, key []byte) string {
	return fmt.Sprintf("%d/%d/%x", id, seq, key)
}

func (f *fakeCold) put(id uint32, seq uint64, key, val []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows[fakeColdKey(id, seq, key)] = val
}

func (f *fakeCold) Row(l *layout.Table, seq uint64, key []byte) ([]byte, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.rows[fakeColdKey(l.ID, seq, key)]
	return v, ok, nil
}

// isHot reports whether the row key tuple (scope + key) of table id is
// stored hot.
func isHot(t testing.TB, db *DB, id uint32, key []byte) bool {
	t.Helper()
	_, closer, err := db.pdb.Get(append(appendRowPrefix(nil, id), key...))
	if errors.Is(err, pebble.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = closer.Close()
	return true
}

// getUniqueBytes is GetUnique by encoded index values, for tests that
// look up values no row of theirs holds, or a table's raw entries.
func (t *Table[K, V]) getUniqueBytes(indexID uint32, values []byte) (V, error) {
	var zero V
	if err := t.allow(access.Read); err != nil {
		return zero, err
	}
	ix, err := t.index(indexID)
	if err != nil {
		return zero, err
	}
	if !ix.Unique {
		return zero, fmt.Errorf("store: %s: index %s is not unique", t.core.name, ix.Name)
	}
	return t.getUnique(ix, values)
}

// scanCursor is the cursor that Scan over r in direction reverse would
// make at key tuple pos, for tests that start a scan at a chosen position.
func scanCursor[K, V any](t *Table[K, V], r Range, reverse bool, pos []byte) Cursor {
	return t.newScanID("scan", scanRows, 0, r, reverse).cursor(pos)
}
