package tabletest

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
)

// seqOf yields vals, then err if it is not nil.
func seqOf(err error, vals ...int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for _, v := range vals {
			if !yield(v, nil) {
				return
			}
		}
		if err != nil {
			yield(0, err)
		}
	}
}

func TestCollect(t *testing.T) {
	var got []int
	rec := runRecorded(t, func(tb testing.TB) { got = Collect(tb, seqOf(nil, 3, 1, 2)) })
	if rec.failed || !slices.Equal(got, []int{3, 1, 2}) {
		t.Errorf("Collect of 3, 1, 2 = %v, failures %q; want [3 1 2] and none", got, rec.msgs)
	}

	got = nil
	rec = runRecorded(t, func(tb testing.TB) { got = Collect(tb, seqOf(nil)) })
	if rec.failed || got != nil {
		t.Errorf("Collect of nothing = %#v, failures %q; want nil and none", got, rec.msgs)
	}

	returned := false
	rec = runRecorded(t, func(tb testing.TB) {
		Collect(tb, seqOf(errors.New("disk on fire"), 1, 2))
		returned = true
	})
	if !rec.failed || returned || !strings.Contains(rec.message(), "disk on fire") {
		t.Errorf("Collect of a failing scan: failed %v, returned %v, message %q; want a fatal failure naming the error", rec.failed, returned, rec.message())
	}
}

func TestDiffRows(t *testing.T) {
	diffInt := func(a, b *int) string {
		if *a != *b {
			return fmt.Sprintf("got %d, want %d", *a, *b)
		}
		return ""
	}
	for _, tc := range []struct {
		got, want []int
		diff      string
	}{
		{nil, nil, ""},
		{[]int{1, 2}, []int{1, 2}, ""},
		{[]int{1, 5}, []int{1, 2}, "row 1 of 2: got 5, want 2"},
		{[]int{9, 5}, []int{1, 2}, "row 0 of 2: got 9, want 1"},
		{[]int{1}, []int{1, 2}, "got 1 rows, want 2"},
		{[]int{1, 2, 3}, []int{1, 2}, "got 3 rows, want 2"},
		{[]int{7, 2, 3}, []int{1, 2}, "row 0 of 2: got 7, want 1"},
	} {
		if got := DiffRows(tc.got, tc.want, diffInt); got != tc.diff {
			t.Errorf("DiffRows(%v, %v) = %q; want %q", tc.got, tc.want, got, tc.diff)
		}
	}
}

func TestFormatNullable(t *testing.T) {
	n, s := int64(-3), ""
	for _, tc := range []struct{ got, want string }{
		{FormatNullable[int64](nil), "null"},
		{FormatNullable(&n), "-3"},
		{FormatNullable(&s), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("FormatNullable = %q; want %q", tc.got, tc.want)
		}
	}
}
