package tabletest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/store"
)

// uRow is the row of a naive in-memory table with key ID and a sparse
// unique index by_name on Name.
type uRow struct {
	ID   int
	Name *string
}

// uStore is that table, with switches that break it in the ways
// UniqueIndex must catch.
type uStore struct {
	rows map[int]uRow
	// Bugs.
	noUnique     bool // Put never refuses a duplicate name
	writeRefused bool // a refused Put still writes the row
	staleIndex   bool // Delete leaves the name findable
	indexNulls   bool // null names conflict with each other
	wrongGet     bool // GetBy returns a copy with another ID
	gone         map[string]uRow
}

func newUStore() *uStore { return &uStore{rows: map[int]uRow{}, gone: map[string]uRow{}} }

func (s *uStore) conflict(v *uRow) bool {
	for _, w := range s.rows {
		if w.ID == v.ID {
			continue
		}
		if v.Name == nil || w.Name == nil {
			if s.indexNulls && v.Name == nil && w.Name == nil {
				return true
			}
			continue
		}
		if *w.Name == *v.Name {
			return true
		}
	}
	return false
}

func (s *uStore) Put(v *uRow) error {
	if !s.noUnique && s.conflict(v) {
		if s.writeRefused {
			s.rows[v.ID] = *v
		}
		return &store.UniqueViolationError{Index: "by_name"}
	}
	s.rows[v.ID] = *v
	return nil
}

func (s *uStore) Delete(k int) error {
	if v, ok := s.rows[k]; ok && s.staleIndex && v.Name != nil {
		s.gone[*v.Name] = v
	}
	delete(s.rows, k)
	return nil
}

func (s *uStore) Has(k int) (bool, error) { _, ok := s.rows[k]; return ok, nil }

func (s *uStore) GetBy(v *uRow) (uRow, error) {
	for _, w := range s.rows {
		if w.Name != nil && *w.Name == *v.Name {
			if s.wrongGet {
				w.ID++
			}
			return w, nil
		}
	}
	if w, ok := s.gone[*v.Name]; ok {
		return w, nil
	}
	return uRow{}, store.ErrNotFound
}

// uCase is the UniqueIndexCase of s, sparse or not.
func uCase(s *uStore, sparse bool) UniqueIndexCase[int, uRow] {
	str := func(v *string) string {
		if v == nil {
			return "<nil>"
		}
		return *v
	}
	randomName := func(r *rand.Rand) *string { x := fmt.Sprint(r.IntN(4)); return &x }
	return UniqueIndexCase[int, uRow]{
		Index:  "by_name",
		Get:    "GetByName",
		Sparse: sparse,
		Rand:   rand.New(rand.NewPCG(1, 2)),
		Random: func(r *rand.Rand) uRow {
			v := uRow{ID: r.IntN(8)}
			if r.IntN(2) == 0 {
				v.Name = randomName(r)
			}
			return v
		},
		SetNonNull: func(r *rand.Rand, v *uRow) {
			if v.Name == nil {
				v.Name = randomName(r)
			}
		},
		CopyIndex: func(dst, src *uRow) { dst.Name = src.Name },
		SetNull:   func(v *uRow) { v.Name = nil },
		SetKey:    func(v *uRow, k int) { v.ID = k },
		KeyOf:     func(v *uRow) int { return v.ID },
		EncodeKey: func(k int) string { return fmt.Sprint(k) },
		Diff: func(got, want *uRow) string {
			if got.ID != want.ID || str(got.Name) != str(want.Name) {
				return fmt.Sprintf("got %d %s, want %d %s", got.ID, str(got.Name), want.ID, str(want.Name))
			}
			return ""
		},
		Conflict: func(model map[string]uRow, ek string, v *uRow) []string {
			for k, w := range model {
				if k != ek && v.Name != nil && w.Name != nil && *v.Name == *w.Name {
					return []string{"by_name"}
				}
			}
			return nil
		},
		Values: func(v *uRow) []byte { return []byte(str(v.Name)) },
		Put:    s.Put,
		Delete: s.Delete,
		Has:    s.Has,
		GetBy:  s.GetBy,
		Count:  func() (int, error) { return len(s.rows), nil },
		Verify: func() ([]store.Problem, error) { return nil, nil },
	}
}

// TestUniqueIndex checks that UniqueIndex passes a correct store, sparse
// or not, and fails, saying what is wrong, for each way a store can break
// a unique index.
func TestUniqueIndex(t *testing.T) {
	for _, sparse := range []bool{false, true} {
		rec := runRecorded(t, func(tb testing.TB) { UniqueIndex(tb, uCase(newUStore(), sparse)) })
		if rec.failed {
			t.Errorf("sparse=%v: a correct store failed: %s", sparse, rec.message())
		}
	}
	// An index that covers the key needs no Conflict or CopyIndex: the
	// second-row checks are skipped, the rest still run and still fail.
	covers := func(s *uStore) UniqueIndexCase[int, uRow] {
		c := uCase(s, false)
		c.CoversKey, c.Conflict, c.CopyIndex = true, nil, nil
		return c
	}
	if rec := runRecorded(t, func(tb testing.TB) { UniqueIndex(tb, covers(newUStore())) }); rec.failed {
		t.Errorf("CoversKey: a correct store failed: %s", rec.message())
	}
	stale := newUStore()
	stale.staleIndex = true
	if rec := runRecorded(t, func(tb testing.TB) { UniqueIndex(tb, covers(stale)) }); !rec.failed {
		t.Errorf("CoversKey: a store whose Delete leaves the index entry passed")
	}
	for _, tc := range []struct {
		name       string
		breakStore func(s *uStore)
		want       string
	}{
		{"wrong get", func(s *uStore) { s.wrongGet = true }, "GetByName after Put"},
		{"no unique check", func(s *uStore) { s.noUnique = true }, "want a *store.UniqueViolationError of by_name"},
		{"refused put writes", func(s *uStore) { s.writeRefused = true }, "after the refused Put"},
		{"stale index after delete", func(s *uStore) { s.staleIndex = true }, "want store.ErrNotFound"},
		{"nulls indexed", func(s *uStore) { s.indexNulls = true }, "Put of a row with a null by_name value"},
	} {
		s := newUStore()
		tc.breakStore(s)
		rec := runRecorded(t, func(tb testing.TB) { UniqueIndex(tb, uCase(s, true)) })
		if !rec.failed || !strings.Contains(rec.message(), tc.want) {
			t.Errorf("%s: failed=%v with %q; want a failure saying %q", tc.name, rec.failed, rec.message(), tc.want)
		}
	}
}
