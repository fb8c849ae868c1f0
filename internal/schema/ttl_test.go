package schema

import (
	"testing"
	"time"
)

func TestParseTTL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true},
		{"1h30m", 90 * time.Minute, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"2w1d12h", 15*24*time.Hour + 12*time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"500us", 500 * time.Microsecond, true},
		{"", 0, false},
		{"30", 0, false},
		{"30 d", 0, false},
		{"-1d", -24 * time.Hour, true}, {"-", 0, false},
		{"1y", 0, false},
		{"100000w", 0, false},
		{"2000000h2000000h", 0, false},
	} {
		got, err := ParseTTL(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
