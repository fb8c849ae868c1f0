package layout

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestColumnTypesAgreeWithCompat reads the compatibility table written out
// in internal/compat's package documentation (what `tablegen breaking`
// documents) and checks TypeChange against every pair of types: the same
// verdict for every listed pair, refused for every unlisted one.
func TestColumnTypesAgreeWithCompat(t *testing.T) {
	src, err := os.ReadFile("../../internal/compat/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	types := Types
	lines := strings.Split(string(src), "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "//\tfrom ") })
	if start < 0 {
		t.Fatal("internal/compat/doc.go has no compatibility table (a line starting with \"//\\tfrom \")")
	}
	cols := regexp.MustCompile(`\s{2,}`)
	listed := map[[2]string]string{}
	for _, l := range lines[start+1:] {
		if !strings.HasPrefix(l, "//\t") {
			break
		}
		f := cols.Split(strings.TrimPrefix(l, "//\t"), 3)
		if len(f) != 3 {
			t.Fatalf("table row %q: want 3 columns", l)
		}
		verdict := strings.Fields(f[2])[0]
		for _, from := range strings.Split(f[0], ", ") {
			to := strings.Split(f[1], ", ")
			if f[1] == "any other type" {
				to = slices.DeleteFunc(slices.Clone(types), func(x string) bool { return x == from })
			}
			for _, x := range to {
				listed[[2]string{from, x}] = verdict
			}
		}
	}
	if len(listed) < 20 {
		t.Fatalf("parsed only %d pairs from compat's table", len(listed))
	}
	for _, from := range types {
		for _, to := range types {
			if from == to {
				continue
			}
			verdict, ok := listed[[2]string{from, to}]
			if !ok {
				verdict = "error"
			}
			want := map[string]Verdict{"safe": Safe, "warning": Warning, "error": Refused}[verdict]
			if got, why := TypeChange(from, to); got != want || (got != Safe) != (why != "") {
				t.Errorf("%s → %s: the documented table says %s, TypeChange says %s (%q)", from, to, verdict, got, why)
			}
		}
	}
}
