package rowenc

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// TestTimestampInRangeModel: TimestampInRange agrees with exact arithmetic
// (seconds × 10⁶ + nanoseconds / 10³ fits in an int64), and a time in range
// reads back as itself truncated to the microsecond, while one out of range
// is refused by the Checker naming the column and the time, never read back
// as another time.
func TestTimestampInRangeModel(t *testing.T) {
	limit := int64(math.MaxInt64/1_000_000) + 2_000_000
	check := NewChecker([]Column{{Tag: 3, Name: "at", Type: "timestamp"}})
	rapid.Check(t, func(t *rapid.T) {
		sec := rapid.OneOf(
			rapid.Int64Range(-limit, limit),
			rapid.Int64Range(math.MaxInt64/1_000_000-2, math.MaxInt64/1_000_000+2),
			rapid.Int64Range(math.MinInt64/1_000_000-2, math.MinInt64/1_000_000+2),
		).Draw(t, "sec")
		nsec := rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")
		ts := time.Unix(sec, nsec)
		us := new(big.Int).Mul(big.NewInt(sec), big.NewInt(1_000_000))
		us.Add(us, big.NewInt(nsec/1000))
		want := us.IsInt64()
		if got := TimestampInRange(ts); got != want {
			t.Fatalf("TimestampInRange(%v) = %v, want %v (µs %s)", ts, got, want, us)
		}
		row := AppendTimestamp(nil, 3, ts)
		err := check.Check(row)
		if want {
			if err != nil {
				t.Fatalf("in range %v: %v", ts, err)
			}
			d := NewDecoder(row)
			d.Next()
			if got := d.Timestamp(); !got.Equal(ts.Truncate(time.Microsecond)) || d.Err() != nil {
				t.Fatalf("%v read back as %v (%v)", ts, got, d.Err())
			}
			return
		}
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Column != "at" || !strings.Contains(err.Error(), ts.UTC().Format(time.RFC3339Nano)) {
			t.Fatalf("out of range %v: Check = %v, want a ValueError naming column at and the time", ts, err)
		}
		d := NewDecoder(row)
		d.Next()
		if got := d.Timestamp(); d.Err() == nil {
			t.Fatalf("out of range %v read back as %v without an error", ts, got)
		}
	})
}

// TestCheckerStrings: a string column must hold UTF-8; bytes columns and
// other tags may hold anything.
func TestCheckerStrings(t *testing.T) {
	c := NewChecker([]Column{{Tag: 1, Name: "text", Type: "string"}, {Tag: 2, Name: "data", Type: "bytes"}})
	ok := AppendBytes(AppendString(nil, 1, "héllo"), 2, []byte{0xff})
	if err := c.Check(ok); err != nil {
		t.Fatalf("valid row: %v", err)
	}
	bad := AppendString(AppendBytes(nil, 2, []byte{0xff}), 1, "a\xffb")
	err := c.Check(bad)
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Column != "text" || !strings.Contains(err.Error(), `"a\xffb"`) || !strings.Contains(err.Error(), "bytes column") {
		t.Fatalf("Check = %v, want a ValueError naming column text, the value and the bytes type", err)
	}
	if NewChecker([]Column{{Tag: 1, Name: "n", Type: "int64"}}) != nil {
		t.Errorf("a layout without rules should give a nil Checker")
	}
	if err := (*Checker)(nil).Check(bad); err != nil {
		t.Errorf("nil Checker: %v", err)
	}
	if err := c.Check([]byte{0x0a, 0x05, 'a'}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated row: %v, want ErrCorrupt", err)
	}
}

// TestValidUTF8MatchesStdlib: the ASCII fast path answers as utf8.Valid
// does, on strings that mix ASCII runs (across the 8-byte chunks) with
// multi-byte, truncated and invalid sequences.
func TestValidUTF8MatchesStdlib(t *testing.T) {
	pieces := [][]byte{[]byte("a"), []byte("abcdefgh"), []byte("é"), []byte("€"), []byte("😀"), {0xff}, {0xc3}, {0xe2, 0x82}, {0xed, 0xa0, 0x80}, {0}}
	rapid.Check(t, func(t *rapid.T) {
		var b []byte
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, len(pieces)-1), 0, 12).Draw(t, "pieces") {
			b = append(b, pieces[i]...)
		}
		if got, want := validUTF8(b), utf8.Valid(b); got != want {
			t.Fatalf("validUTF8(%q) = %t, utf8.Valid = %t", b, got, want)
		}
	})
}
