package schema

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// ttlTerm is one number and unit of a ttl: Go's duration units plus d (24h)
// and w (7d), which retention periods are usually written in.
var ttlTerm = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d|w)`)

// ParseTTL parses a ttl: Go duration syntax (time.ParseDuration: 90s,
// 1h30m) extended with the units d (24 hours) and w (7 days), so 30d and
// 2w1d are accepted. Days are always 24 hours: a ttl is an elapsed time,
// not a calendar date. A leading sign is accepted (so a negative ttl can be
// reported as such); an overflowing value is an error.
func ParseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg, s = s[0] == '-', s[1:]
		if s == "" {
			return 0, errors.New("a sign without a number")
		}
	}
	var total time.Duration
	for rest := s; rest != ""; {
		m := ttlTerm.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("expected a number and a unit (ns, us, ms, s, m, h, d, w) at %q", rest)
		}
		rest = rest[len(m[0]):]
		num, unit := m[1], m[2]
		var d time.Duration
		switch unit {
		case "d", "w":
			hours := 24.0
			if unit == "w" {
				hours = 7 * 24
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			v := f * hours * float64(time.Hour)
			if v >= math.MaxInt64 {
				return 0, errors.New("too long: a ttl must be under 292 years")
			}
			d = time.Duration(v)
		default:
			var err error
			if d, err = time.ParseDuration(num + unit); err != nil {
				return 0, errors.New("too long: a ttl must be under 292 years")
			}
		}
		if total > math.MaxInt64-d {
			return 0, errors.New("too long: a ttl must be under 292 years")
		}
		total += d
	}
	if neg {
		return -total, nil
	}
	return total, nil
}
