package tabletest

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/decimal"
	"github.com/tablegen/tablegen/runtime/internal/dec128"
)

// The generators below return one value of a column type. Each mixes the
// values an encoding gets wrong (zero, the extremes, escape bytes, long
// values, values that share prefixes) with uniformly random ones, so that a
// few thousand draws cover both. Values are exactly what the store keeps
// (microsecond times and durations, UTC), so a round trip must return them
// unchanged.

// RandomBool returns false or true with equal odds.
func RandomBool(r *rand.Rand) bool {
	return r.IntN(2) == 1
}

// RandomInt32 returns 0, math.MinInt32, math.MaxInt32, a small value in
// [0, 5) (so that values collide) or any int32.
func RandomInt32(r *rand.Rand) int32 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.MinInt32
	case 2:
		return math.MaxInt32
	case 3:
		return int32(r.IntN(5))
	}
	return int32(r.Uint32())
}

// RandomInt64 returns 0, math.MinInt64, math.MaxInt64, a small value in
// [0, 5) (so that values collide) or any int64.
func RandomInt64(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.MinInt64
	case 2:
		return math.MaxInt64
	case 3:
		return int64(r.IntN(5))
	}
	return int64(r.Uint64())
}

// RandomUint64 returns 0, 1, math.MaxUint64, a small value in [0, 5) (so
// that values collide) or any uint64.
func RandomUint64(r *rand.Rand) uint64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return math.MaxUint64
	case 3:
		return uint64(r.IntN(5))
	}
	return r.Uint64()
}

// RandomFloat64 returns 0, -0, NaN, ±Inf, the largest and the smallest
// positive float64, or a normally distributed value: the values whose bits
// a codec or an Arrow column must keep exactly.
func RandomFloat64(r *rand.Rand) float64 {
	switch r.IntN(9) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return math.NaN()
	case 3:
		return math.Inf(1)
	case 4:
		return math.Inf(-1)
	case 5:
		return math.MaxFloat64
	case 6:
		return math.SmallestNonzeroFloat64
	}
	return r.NormFloat64() * 1e6
}

// RandomString mixes empty, NUL-bearing, multi-byte, long (300 to 599
// bytes) and short strings over a small alphabet, so that values share
// prefixes and collide, which is what the key encoding's escaping and
// ordering must survive.
func RandomString(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0:
		return ""
	case 1:
		return "\x00"
	case 2:
		return "héllo, 世界 🙂"
	case 3:
		return strings.Repeat("x", 300+r.IntN(300))
	}
	alphabet := []rune{'a', 'b', '\x00', 'é', '世', '🙂', '\U0010ffff'}
	s := make([]rune, r.IntN(6))
	for i := range s {
		s[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(s)
}

// RandomBytes returns an empty, 0x00/0xFF-bearing, long (300 to 599 bytes)
// or short slice over the bytes 0x00, 0x7F and 0xFE. It never returns nil,
// so that a result always stands for a non-null value of a nullable column.
func RandomBytes(r *rand.Rand) []byte {
	switch r.IntN(6) {
	case 0:
		return []byte{}
	case 1:
		return []byte{0}
	case 2:
		return []byte{0xff, 0, 0xff}
	case 3:
		return bytes.Repeat([]byte{7}, 300+r.IntN(300))
	}
	b := make([]byte, r.IntN(8))
	for i := range b {
		b[i] = byte(r.IntN(3) * 0x7f)
	}
	return b
}

// jsonDocs are the documents RandomJSON draws from: every JSON kind, an
// escaped NUL and a number at the edge of float64.
var jsonDocs = []string{"null", "{}", "[]", `{"a":1,"b":[true,null,"é"]}`, "-1.5e300", `"\u0000"`}

// RandomJSON returns a valid JSON document. It never returns nil (the
// document "null" is a non-null value of a json column).
func RandomJSON(r *rand.Rand) json.RawMessage {
	return json.RawMessage(jsonDocs[r.IntN(len(jsonDocs))])
}

// The range of times RandomTimestamp returns: years 1 to 9999, in
// microseconds since the Unix epoch.
const (
	minTimeMicros = -62135596800000000 // 0001-01-01T00:00:00Z
	maxTimeMicros = 253402300799999999 // 9999-12-31T23:59:59.999999Z
)

// RandomTimestamp returns a UTC time with microsecond precision (what the
// store keeps) between year 1 and 9999: the zero time.Time, the Unix
// epoch, the microsecond before it, the last microsecond of 9999, or any
// time in between.
func RandomTimestamp(r *rand.Rand) time.Time {
	switch r.IntN(6) {
	case 0:
		return time.Time{}
	case 1:
		return time.UnixMicro(0).UTC()
	case 2:
		return time.UnixMicro(-1).UTC()
	case 3:
		return time.UnixMicro(maxTimeMicros).UTC()
	}
	return time.UnixMicro(minTimeMicros + r.Int64N(maxTimeMicros-minTimeMicros)).UTC()
}

// maxDurationMicros is the largest whole number of microseconds a
// time.Duration holds.
const maxDurationMicros = math.MaxInt64 / 1000

// RandomDuration returns a duration with microsecond precision (what the
// store keeps): 0, the largest and smallest such durations, a few
// microseconds either side of zero, or any such duration.
func RandomDuration(r *rand.Rand) time.Duration {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return maxDurationMicros * time.Microsecond
	case 2:
		return -maxDurationMicros * time.Microsecond
	case 3:
		return time.Duration(r.IntN(5)-2) * time.Microsecond
	}
	return time.Duration(r.Int64N(2*maxDurationMicros)-maxDurationMicros) * time.Microsecond
}

// RandomUUID returns uuid.Nil, uuid.Max or 16 random bytes (not
// necessarily a valid RFC 9562 UUID: the store keeps any 16 bytes).
func RandomUUID(r *rand.Rand) uuid.UUID {
	switch r.IntN(4) {
	case 0:
		return uuid.Nil
	case 1:
		return uuid.Max
	}
	var u uuid.UUID
	for i := range u {
		u[i] = byte(r.Uint32())
	}
	return u
}

// RandomEnum returns an ordinal of an enum with n declared values: one of
// them nine times in ten, otherwise one of the three ordinals after them,
// which this build does not know (as a newer build that appended values
// would have written). Tests that need readable rows replace those; tests
// of decoders keep them, since decoding must not depend on them.
//
// With n <= 0 every ordinal is undeclared, and RandomEnum returns 0, 1 or 2.
func RandomEnum(r *rand.Rand, n int) int32 {
	if n <= 0 {
		return int32(r.IntN(3))
	}
	if r.IntN(10) == 0 {
		return int32(n + r.IntN(3))
	}
	return int32(r.IntN(n))
}

// CompareBool orders false before true, as the key encoding does; it is
// the typed order a bool key column's bytes must reproduce.
func CompareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// CompareUUID orders UUIDs bytewise, as the key encoding does; it is the
// typed order a uuid key column's bytes must reproduce.
func CompareUUID(a, b uuid.UUID) int {
	return bytes.Compare(a[:], b[:])
}

// RandomDecimal returns a value of a decimal(precision,scale) column: 0,
// the largest or smallest one, or a random integer of up to precision
// digits, with exponent -scale as the decoder returns it.
func RandomDecimal(r *rand.Rand, precision, scale int32) decimal.Decimal {
	lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	u := new(big.Int)
	switch r.IntN(6) {
	case 0:
	case 1:
		u.Sub(lim, big.NewInt(1))
	case 2:
		u.Sub(big.NewInt(1), lim)
	default:
		digits := make([]byte, 1+r.IntN(int(precision)))
		for i := range digits {
			digits[i] = byte('0' + r.IntN(10))
		}
		u.SetString(string(digits), 10)
		if r.IntN(2) == 0 {
			u.Neg(u)
		}
	}
	n, _ := dec128.FromBig(u)
	return decimal.Decimal{Decimal: n.Decimal(scale)}
}

// CompareDecimal orders decimals numerically, as the key encoding does;
// it is the typed order a decimal key column's bytes must reproduce.
func CompareDecimal(a, b decimal.Decimal) int {
	return a.Cmp(&b.Decimal)
}
