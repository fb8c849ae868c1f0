package schema

import (
	"testing"

	"pgregory.net/rapid"
)

// naiveDistance is the textbook recursive optimal-string-alignment distance.
func naiveDistance(a, b []rune) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	cost := 1
	if a[len(a)-1] == b[len(b)-1] {
		cost = 0
	}
	d := min(naiveDistance(a[:len(a)-1], b)+1, naiveDistance(a, b[:len(b)-1])+1,
		naiveDistance(a[:len(a)-1], b[:len(b)-1])+cost)
	if len(a) > 1 && len(b) > 1 && a[len(a)-1] == b[len(b)-2] && a[len(a)-2] == b[len(b)-1] {
		d = min(d, naiveDistance(a[:len(a)-2], b[:len(b)-2])+1)
	}
	return d
}

func TestEditDistanceMatchesNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.StringMatching(`[abcé]{0,6}`).Draw(t, "a")
		b := rapid.StringMatching(`[abcé]{0,6}`).Draw(t, "b")
		want := naiveDistance([]rune(a), []rune(b))
		if got := editDistance(a, b); got != want {
			t.Fatalf("editDistance(%q, %q) = %d, want %d", a, b, got, want)
		}
		// The bounded form is exact within the bound and over it otherwise,
		// also when its rows are reused from a previous, longer call.
		var d distancer
		d.within([]rune("abcabcabcabc"), []rune("cbacbacba"), 20)
		bound := rapid.IntRange(0, 7).Draw(t, "bound")
		got := d.within([]rune(a), []rune(b), bound)
		if (want <= bound && got != want) || (want > bound && got <= bound) {
			t.Fatalf("within(%q, %q, %d) = %d, distance %d", a, b, bound, got, want)
		}
	})
}

// closest agrees with a brute-force search over the same candidates.
func TestClosestMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		word := rapid.StringMatching(`[abc]{1,8}`).Draw(t, "word")
		cands := rapid.SliceOfN(rapid.StringMatching(`[abc]{1,8}`), 0, 8).Draw(t, "candidates")
		// The first candidate of least distance among those within their
		// limit (a third of the longer length, at least 1).
		best, bestD := "", -1
		for _, c := range cands {
			d := naiveDistance([]rune(word), []rune(c))
			if d <= max(max(len(word), len(c))/3, 1) && (bestD < 0 || d < bestD) {
				best, bestD = c, d
			}
		}
		ok := bestD >= 0
		got, gotOK := closest(word, cands)
		if gotOK != ok || got != best {
			t.Fatalf("closest(%q, %q) = %q, %t; brute force %q (distance %d), %t", word, cands, got, gotOK, best, bestD, ok)
		}
	})
}

func TestDidYouMean(t *testing.T) {
	for _, c := range []struct{ word, want string }{
		{"nulable", `; did you mean "nullable"?`},
		{"timestmap", `; did you mean "timestamp"?`},
		{"xyz", "; expected one of nullable, timestamp"},
	} {
		if got := didYouMean(c.word, []string{"nullable", "timestamp"}); got != c.want {
			t.Errorf("didYouMean(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}
