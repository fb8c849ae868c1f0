package schema

import (
	"fmt"
	"strings"
)

// didYouMean returns `; did you mean "x"?` when one candidate is close enough
// to word to be a plausible typo, and otherwise `; expected one of a, b, c`, so
// every "unknown ..." message carries its own fix. Ties go to the candidate
// listed first, which keeps messages deterministic.
func didYouMean(word string, candidates []string) string {
	if s, ok := closest(word, candidates); ok {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	switch {
	case len(candidates) == 0:
		return ""
	case len(candidates) > maxListed:
		return fmt.Sprintf("; none of the %d names is close to it", len(candidates))
	}
	return "; expected one of " + strings.Join(candidates, ", ")
}

// maxListed is how many candidates a message lists in full; beyond it the
// message says how many there are instead of printing a wall of names.
const maxListed = 20

// closest returns the candidate with the smallest edit distance to word when
// that distance is small relative to the word's length: at most 1 for short
// words and at most a third of the longer word's length otherwise.
func closest(word string, candidates []string) (string, bool) {
	w := []rune(strings.ToLower(word))
	var d distancer
	var cr []rune // reused for every candidate
	best, bestD := "", -1
	for _, c := range candidates {
		cr = cr[:0]
		for _, r := range strings.ToLower(c) {
			cr = append(cr, r)
		}
		limit := max(max(len(w), len(cr))/3, 1)
		bound := limit // only a distance within the limit can be suggested
		if bestD >= 0 {
			bound = min(bound, bestD-1) // and only a better one is of interest
		}
		if bound < 0 {
			continue
		}
		if dist := d.within(w, cr, bound); dist <= bound {
			best, bestD = c, dist
		}
	}
	return best, bestD >= 0
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent runes
// each cost 1 ("timestmap" is 1 away from "timestamp").
func editDistance(a, b string) int {
	var d distancer
	ra, rb := []rune(a), []rune(b)
	return d.within(ra, rb, max(len(ra), len(rb)))
}

// distancer computes edit distances with reusable rows, so that checking a
// word against a long candidate list does not allocate per candidate.
type distancer struct {
	prev2, prev, cur []int
}

// within returns the distance between a and b when it is at most bound, and
// some value above bound otherwise (it stops as soon as every alignment
// already costs more). Lengths alone rule out most candidates.
func (d *distancer) within(a, b []rune, bound int) int {
	if diff := len(a) - len(b); diff > bound || -diff > bound {
		return bound + 1
	}
	n := len(b) + 1
	if cap(d.cur) < n {
		d.prev2, d.prev, d.cur = make([]int, n), make([]int, n), make([]int, n)
	}
	prev2, prev, cur := d.prev2[:n], d.prev[:n], d.cur[:n]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		// A transposition can reach back two rows, so stop only when both
		// this row and the previous one are over the bound.
		if rowMin > bound && i > 1 && minOf(prev) > bound {
			return bound + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func minOf(xs []int) int {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

// Suggest is didYouMean for the command line: `; did you mean "x"?` when a
// candidate is a plausible typo of word, else a list of the candidates (or
// their number when there are many), else "". Every "unknown ..." message
// of tablegen uses it, so suggestions read the same everywhere.
func Suggest(word string, candidates []string) string { return didYouMean(word, candidates) }

// Closest returns the candidate that is a plausible typo of word (the same
// measure as Suggest), for messages that should suggest only a near name.
func Closest(word string, candidates []string) (string, bool) { return closest(word, candidates) }
