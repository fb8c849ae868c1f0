package layout

import (
	"testing"
	"time"
)

// TestLiveCutoff checks the one expiry rule: only a stream table with a
// TTL has a cutoff, now - TTL rounded down to the microsecond keys store.
func TestLiveCutoff(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 1999, time.FixedZone("x", 3600))
	for _, k := range []Kind{User, Stream, Shared, System} {
		for _, ttl := range []time.Duration{0, time.Hour} {
			l := Table{Kind: k, TTL: ttl}
			got, ok := l.LiveCutoff(now)
			if want := k == Stream && ttl > 0; ok != want {
				t.Fatalf("%s ttl %v: LiveCutoff ok = %v; want %v", k, ttl, ok, want)
			}
			if !ok {
				continue
			}
			if want := time.Date(2026, 1, 1, 10, 0, 0, 1000, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("%s: LiveCutoff = %v; want %v (UTC, whole microseconds)", k, got, want)
			}
		}
	}
}
