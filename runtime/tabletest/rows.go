package tabletest

import (
	"fmt"
	"iter"
	"testing"
)

// Collect drains a scan and returns its rows, failing the test on the
// first error, so that a test reads the rows of a store scan in one line.
func Collect[V any](t testing.TB, seq iter.Seq2[V, error]) []V {
	t.Helper()
	var out []V
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// DiffRows describes the first difference between two row sequences, or
// returns "". diff compares two rows (a generated diff<Entity>); the
// description names the row's position, so that a failure says where a
// scan went wrong rather than only that it did.
func DiffRows[V any](got, want []V, diff func(a, b *V) string) string {
	for i := range min(len(got), len(want)) {
		if d := diff(&got[i], &want[i]); d != "" {
			return fmt.Sprintf("row %d of %d: %s", i, len(want), d)
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d rows, want %d", len(got), len(want))
	}
	return ""
}

// FormatNullable formats the value of a nullable column for a failure
// message: "null" for nil, the value otherwise (a pointer's address would
// say nothing).
func FormatNullable[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
