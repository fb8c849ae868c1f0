package compat

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/layout"
)

// TestTypeChangeTable checks the compatibility table in the package
// documentation against layout.TypeChange (the one type table, which the store also runs), pair by pair: every listed pair has the
// listed verdict, and every unlisted change is an error.
func TestTypeChangeTable(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "//\tfrom ") {
			start = i + 1
			break
		}
	}
	if start < 0 {
		t.Fatal("doc.go has no compatibility table (a line starting with \"//\\tfrom \")")
	}
	cols := regexp.MustCompile(`\s{2,}`)
	listed := map[[2]schema.Type]string{}
	for _, l := range lines[start:] {
		if !strings.HasPrefix(l, "//\t") {
			break
		}
		f := cols.Split(strings.TrimPrefix(l, "//\t"), 3)
		if len(f) != 3 {
			t.Fatalf("table row %q: want 3 columns separated by 2+ spaces", l)
		}
		verdict := strings.Fields(f[2])[0]
		for _, from := range typesOf(t, f[0]) {
			to := typesOf(t, f[1])
			if f[1] == "any other type" {
				to = nil
				for _, x := range types {
					if x != from {
						to = append(to, x)
					}
				}
			}
			for _, x := range to {
				k := [2]schema.Type{from, x}
				if prev, ok := listed[k]; ok && prev != verdict {
					t.Errorf("%s → %s is listed as both %s and %s", from, x, prev, verdict)
				}
				listed[k] = verdict
			}
		}
	}
	if len(listed) < 20 {
		t.Fatalf("parsed only %d pairs from the table; is it still there?", len(listed))
	}
	for _, from := range types {
		for _, to := range types {
			if from == to {
				continue
			}
			want, ok := listed[[2]schema.Type{from, to}]
			if !ok {
				want = "error"
			}
			v, why := layout.TypeChange(string(from), string(to))
			got := map[layout.Verdict]string{layout.Safe: "safe", layout.Warning: "warning", layout.Refused: "error"}[v]
			if v != layout.Safe {
				if why == "" {
					t.Errorf("%s → %s: %s without a reason", from, to, got)
				}
			}
			if got != want {
				t.Errorf("%s → %s: TypeChange says %s (%s), the documented table says %s", from, to, got, why, want)
			}
		}
		if v, _ := layout.TypeChange(string(from), string(from)); v != layout.Safe {
			t.Errorf("%s → %s (unchanged) is not safe", from, from)
		}
	}
}

func typesOf(t *testing.T, list string) []schema.Type {
	if list == "any other type" {
		return nil
	}
	var out []schema.Type
	for _, s := range strings.Split(list, ",") {
		typ := schema.Type(strings.TrimSpace(s))
		found := false
		for _, x := range types {
			found = found || x == typ
		}
		if !found {
			t.Fatalf("table names unknown type %q", typ)
		}
		out = append(out, typ)
	}
	return out
}
