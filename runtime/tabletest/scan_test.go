package tabletest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// thing is the row of the small table the scan comparison is tested on.
type thing struct {
	ID string
	N  int64
	F  float64
}

// thingLayout is the table of things; extra adds a column, to make a
// provider that accepts a request the other refuses.
func thingLayout(extra bool) layout.Table {
	l := layout.Table{
		ID: 1, Namespace: "test", Name: "things", Kind: "system",
		Key: []layout.KeyColumn{{Name: "id", Type: "string"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "id", Type: "string"},
			{Tag: 2, Name: "n", Type: "int64"},
			{Tag: 3, Name: "f", Type: "float64"},
		},
	}
	if extra {
		l.Columns = append(l.Columns, layout.Column{Tag: 4, Name: "extra", Type: "int64", Nullable: true})
	}
	return l
}

// thingProvider stores rows in a new database and returns its
// schema-driven provider.
func thingProvider(t *testing.T, extra bool, rows ...thing) *scan.Provider {
	t.Helper()
	db := OpenDB(t)
	l := thingLayout(extra)
	tbl, err := store.NewTable(db, store.Spec[string, thing]{
		Layout:    l,
		AppendKey: keyenc.AppendString,
		DecodeKey: func(b []byte) (string, error) {
			s, rest, err := keyenc.DecodeString(b)
			if err == nil && len(rest) > 0 {
				err = fmt.Errorf("%d bytes after the key", len(rest))
			}
			return s, err
		},
		KeyOf: func(v *thing) string { return v.ID },
		AppendRow: func(dst []byte, v *thing) []byte {
			dst = rowenc.AppendString(dst, 1, v.ID)
			dst = rowenc.AppendInt64(dst, 2, v.N)
			return rowenc.AppendFloat64(dst, 3, v.F)
		},
		DecodeRow: func(b []byte, v *thing, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.ID = d.String()
				case 2:
					v.N = d.Int64()
				case 3:
					v.F = d.Float64()
				}
			}
			return d.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := tbl.Put(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	p, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// someThings returns n rows with random values.
func someThings(r *rand.Rand, n int) []thing {
	rows := make([]thing, n)
	for i := range rows {
		rows[i] = thing{ID: fmt.Sprintf("id%03d", i), N: RandomInt64(r), F: RandomFloat64(r)}
	}
	return rows
}

// TestCompareScans checks that two providers over the same rows compare
// equal on random requests, and that CompareScans fails, saying where, when
// their rows, their bits or their errors differ.
func TestCompareScans(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	rows := someThings(r, 60)
	a, b := thingProvider(t, false, rows...), thingProvider(t, false, rows...)
	leaf := func() scan.Expr {
		v := rows[r.IntN(len(rows))]
		switch r.IntN(3) {
		case 0:
			return RandomTextPredicate(r, "id", v.ID)
		case 1:
			return RandomPredicate(r, "n", v.N)
		}
		return RandomPredicate(r, "f", v.F)
	}
	for range 200 {
		req := RandomRequest(r, []string{"id", "n", "f"}, leaf)
		var err error
		if rec := runRecorded(t, func(tb testing.TB) { err = CompareScans(tb, a, b, req) }); rec.failed || err != nil {
			t.Fatalf("%s: the same rows compare unequal: %s (error %v)", DescribeRequest(req), rec.message(), err)
		}
	}

	t.Run("both fail", func(t *testing.T) {
		var err error
		req := scan.Request{Columns: []string{"nope"}}
		if rec := runRecorded(t, func(tb testing.TB) { err = CompareScans(tb, a, b, req) }); rec.failed || err == nil {
			t.Errorf("a request both refuse: failures %q, error %v; want no failure and the schema-driven error", rec.msgs, err)
		}
	})

	t.Run("one fails", func(t *testing.T) {
		extra := thingProvider(t, true, rows...)
		req := scan.Request{Columns: []string{"extra"}}
		rec := runRecorded(t, func(tb testing.TB) { CompareScans(tb, extra, a, req) })
		if want := `columns ["extra"], filter none, limit 0, batch size 0: generated provider error <nil>, schema-driven provider error `; !rec.failed || !strings.HasPrefix(rec.message(), want) {
			t.Errorf("only the schema-driven provider fails: got %q; want a failure starting %q", rec.message(), want)
		}
	})

	t.Run("values differ", func(t *testing.T) {
		changed := slices.Clone(rows)
		changed[7].N++
		other := thingProvider(t, false, changed...)
		rec := runRecorded(t, func(tb testing.TB) { CompareScans(tb, other, a, scan.Request{Columns: []string{"n"}}) })
		want := fmt.Sprintf("got:  row 8, column n: %d\nwant: row 8, column n: %d", changed[7].N, rows[7].N)
		if !rec.failed || !strings.Contains(rec.message(), want) {
			t.Errorf("a changed value: got %q; want a failure naming\n%s", rec.message(), want)
		}
	})

	t.Run("NaN payloads differ", func(t *testing.T) {
		one, other := slices.Clone(rows), slices.Clone(rows)
		one[0].F = math.Float64frombits(0x7ff8000000000001)
		other[0].F = math.Float64frombits(0x7ff8000000000002)
		p, q := thingProvider(t, false, one...), thingProvider(t, false, other...)
		rec := runRecorded(t, func(tb testing.TB) { CompareScans(tb, p, q, scan.Request{}) })
		if !rec.failed || !strings.Contains(rec.message(), "in bits that their text does not show") {
			t.Errorf("two NaN payloads: got %q; want a failure saying the bits differ", rec.message())
		}
	})
}

// exprDepth is the number of AND/OR/NOT levels above the deepest leaf.
func exprDepth(e scan.Expr) int {
	switch e := e.(type) {
	case *scan.And:
		return 1 + max(exprDepth(e.L), exprDepth(e.R))
	case *scan.Or:
		return 1 + max(exprDepth(e.L), exprDepth(e.R))
	case *scan.Not:
		return 1 + exprDepth(e.X)
	}
	return 0
}

func TestRandomRequest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		cols := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z]{1,3}`), 0, 6, rapid.ID).Draw(t, "cols")
		leaf := func() scan.Expr { return &scan.IsNull{Column: "x"} }
		s := seen{}
		for range 500 {
			req := RandomRequest(r, cols, leaf)
			switch {
			case req.Columns == nil:
				s["every column"] = true
			case len(req.Columns) == 0:
				s["no column"] = true
			default:
				s["some columns"] = true
				for i, c := range req.Columns {
					if !slices.Contains(cols, c) || slices.Contains(req.Columns[:i], c) {
						t.Fatalf("columns %q of %q: %q is not a column or repeats", req.Columns, cols, c)
					}
				}
			}
			if req.Filter == nil {
				s["no filter"] = true
			} else if d := exprDepth(req.Filter); d > 2 {
				t.Fatalf("filter %s is %d levels deep; want at most 2", req.Filter, d)
			} else if d == 2 {
				s["deep filter"] = true
			}
			if req.Limit < 0 || req.Limit > 40 || req.BatchSize < 0 || req.BatchSize > 30 {
				t.Fatalf("limit %d, batch size %d; want [0, 40] and [0, 30]", req.Limit, req.BatchSize)
			}
			if req.Limit > 0 {
				s["limit"] = true
			}
			if req.BatchSize > 0 {
				s["batch size"] = true
			}
		}
		s.require(t, "RandomRequest", "every column", "no column", "no filter", "deep filter", "limit", "batch size")
		if len(cols) > 0 {
			s.require(t, "RandomRequest", "some columns")
		}
	})
}

func TestRandomPredicate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		lit := rapid.String().Draw(t, "lit")
		s := seen{}
		for range 500 {
			text := r.IntN(2) == 0
			var e scan.Expr
			if text {
				e = RandomTextPredicate(r, "c", lit)
			} else {
				e = RandomPredicate(r, "c", lit)
			}
			switch e := e.(type) {
			case *scan.Cmp:
				if e.Column != "c" || e.Value != lit || e.Op < scan.OpEq || e.Op > scan.OpGe {
					t.Fatalf("%s: want a comparison of c with %q", e, lit)
				}
				s[e.Op.String()] = true
			case *scan.In:
				if e.Column != "c" || len(e.Values) == 0 || slices.ContainsFunc(e.Values, func(v any) bool { return v != lit }) {
					t.Fatalf("%s: want c IN (%q…)", e, lit)
				}
				s["in"] = true
			case *scan.IsNull:
				if e.Column != "c" {
					t.Fatalf("%s: want a test of c", e)
				}
				s["is null"] = true
			case *scan.Prefix:
				if !text || e.Column != "c" || !strings.HasPrefix(lit, e.Prefix) || !utf8.ValidString(e.Prefix) && utf8.ValidString(lit) {
					t.Fatalf("%s (text %v): want a prefix test only on text, with a prefix of %q cut between runes", e, text, lit)
				}
				s["prefix"] = true
			default:
				t.Fatalf("unexpected predicate %T %s", e, e)
			}
		}
		s.require(t, "RandomPredicate", "=", "!=", "<", "<=", ">", ">=", "in", "is null", "prefix")
	})
}

func TestRandomFilter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		depth := rapid.IntRange(-1, 4).Draw(t, "depth")
		leaves := 0
		leaf := func() scan.Expr { leaves++; return &scan.IsNull{Column: "x"} }
		s := seen{}
		for range 300 {
			e := RandomFilter(r, leaf, depth)
			if d := exprDepth(e); d > max(depth, 0) {
				t.Fatalf("%s is %d levels deep; want at most %d", e, d, depth)
			}
			s[fmt.Sprintf("%T", e)] = true
		}
		if leaves < 300 {
			t.Fatalf("300 filters used %d leaves; want at least one each", leaves)
		}
		if depth > 0 {
			s.require(t, "RandomFilter", "*scan.And", "*scan.Or", "*scan.Not", "*scan.IsNull")
		}
	})
}

func TestDescribeRequest(t *testing.T) {
	for _, tc := range []struct {
		req  scan.Request
		want string
	}{
		{scan.Request{}, "all columns, filter none, limit 0, batch size 0"},
		{scan.Request{Columns: []string{}, Limit: 3, BatchSize: 2}, "columns [], filter none, limit 3, batch size 2"},
		{scan.Request{Columns: []string{"a", "b"}, Filter: &scan.IsNull{Column: "a", Not: true}}, `columns ["a" "b"], filter a IS NOT NULL, limit 0, batch size 0`},
	} {
		if got := DescribeRequest(tc.req); got != tc.want {
			t.Errorf("DescribeRequest = %q; want %q", got, tc.want)
		}
	}
}
