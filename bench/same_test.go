package bench

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// sameRow reports how a and b differ ("" when equal); timestamps compare
// with time.Time.Equal, everything else exactly.
func sameRow(a, b Row) string {
	if !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return fmt.Sprintf("timestamps differ: %v/%v vs %v/%v", a.CreatedAt, a.UpdatedAt, b.CreatedAt, b.UpdatedAt)
	}
	a.CreatedAt, a.UpdatedAt = b.CreatedAt, b.UpdatedAt
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%+v\nwant %+v", a, b)
	}
	return ""
}

func sameRows(t *testing.T, what string, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := sameRow(got[i], want[i]); d != "" {
			t.Fatalf("%s: row %d: %s", what, i, d)
		}
	}
}

// reference is the naive model: the rows in id order.
type reference struct{ byID []Row }

func newReference(rows []Row) *reference {
	r := &reference{byID: slices.Clone(rows)}
	slices.SortFunc(r.byID, func(a, b Row) int { return int(a.ID - b.ID) })
	return r
}

func (r *reference) byCategory(c string) []Row {
	var out []Row
	for _, x := range r.byID {
		if x.Category == c {
			out = append(out, x)
		}
	}
	return out
}

// checkWorkloads runs every workload of the benchmarks on s and compares
// the answers with the reference.
func checkWorkloads(t *testing.T, name string, s Store, ref *reference) {
	t.Helper()
	for _, i := range []int{0, 1, 17, len(ref.byID) - 1} {
		got, err := s.Get(int64(i))
		if err != nil {
			t.Fatalf("%s: Get(%d): %v", name, i, err)
		}
		if d := sameRow(got, ref.byID[i]); d != "" {
			t.Fatalf("%s: Get(%d): %s", name, i, d)
		}
	}
	if _, err := s.Get(int64(len(ref.byID))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("%s: Get of a missing id: err = %v, want ErrNotFound", name, err)
	}
	for _, c := range []int{0, 3, 500, Categories - 1} {
		cat := CategoryName(c)
		got, err := s.ByCategory(cat, nil)
		if err != nil {
			t.Fatalf("%s: ByCategory(%s): %v", name, cat, err)
		}
		// Index order is (category, id) for every implementation; sort
		// anyway so the check is about the set, then check the order.
		sorted := slices.Clone(got)
		slices.SortFunc(sorted, func(a, b Row) int { return int(a.ID - b.ID) })
		sameRows(t, name+": ByCategory("+cat+")", sorted, ref.byCategory(cat))
		sameRows(t, name+": ByCategory("+cat+") order", got, sorted)
	}
	got, err := s.First(10, nil)
	if err != nil {
		t.Fatalf("%s: First(10): %v", name, err)
	}
	sameRows(t, name+": First(10)", got, ref.byID[:10])

	var all []Row
	if err := s.ScanAll(func(r *Row) error { all = append(all, *r); return nil }); err != nil {
		t.Fatalf("%s: ScanAll: %v", name, err)
	}
	sameRows(t, name+": ScanAll", all, ref.byID)

	sum, err := s.SumScore()
	if errors.Is(err, ErrNoProjection) {
		return
	}
	if err != nil {
		t.Fatalf("%s: SumScore: %v", name, err)
	}
	var want float64
	for _, r := range ref.byID {
		want += r.Score
	}
	if sum != want {
		t.Fatalf("%s: SumScore = %v, want %v", name, sum, want)
	}
}

// TestSameAnswers loads the same small data set into every implementation
// and checks that each workload returns exactly the reference's rows; then
// it reloads the rows with changed categories (and notes) and checks that
// the index followed: old entries gone, new ones found.
func TestSameAnswers(t *testing.T) {
	rows := MakeRows(3000, 7)
	ref := newReference(rows)
	changed := slices.Clone(rows)
	for i := range changed {
		if changed[i].ID%3 == 0 {
			changed[i].Category = CategoryName((int(changed[i].ID) * 7) % Categories)
			changed[i].Note = nil
			changed[i].Version++
		}
	}
	ref2 := newReference(changed)
	for _, impl := range Impls {
		t.Run(impl.Name, func(t *testing.T) {
			s, err := impl.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			if err := s.Load(rows); err != nil {
				t.Fatal(err)
			}
			checkWorkloads(t, impl.Name+" (memtable)", s, ref)
			if err := s.Settle(); err != nil {
				t.Fatal(err)
			}
			checkWorkloads(t, impl.Name+" (settled)", s, ref)
			if err := s.Load(changed); err != nil {
				t.Fatal(err)
			}
			checkWorkloads(t, impl.Name+" (replaced)", s, ref2)
		})
	}
}

// TestMakeRowsDeterministic pins what the benchmarks rely on: the same seed
// gives the same rows, every id 0…n-1 once, and ~1000 categories.
func TestMakeRowsDeterministic(t *testing.T) {
	a, b := MakeRows(5000, 1), MakeRows(5000, 1)
	sameRows(t, "MakeRows twice", a, b)
	seen := make([]bool, len(a))
	cats := map[string]bool{}
	for _, r := range a {
		if r.ID < 0 || int(r.ID) >= len(a) || seen[r.ID] {
			t.Fatalf("id %d out of range or repeated", r.ID)
		}
		seen[r.ID] = true
		cats[r.Category] = true
	}
	if len(cats) < Categories*9/10 || len(cats) > Categories {
		t.Fatalf("%d distinct categories, want about %d", len(cats), Categories)
	}
}
