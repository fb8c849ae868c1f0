package keyenc

import (
	"math"
	"time"
)

// AppendTimestamp appends t.UnixMicro() as AppendInt64. Sub-microsecond
// precision is dropped (rounding toward the past) because keys, like stored
// rows, hold microseconds; two times within the same microsecond encode
// equally. A time outside the int64 microsecond range (years about
// -290,307 to 294,246) saturates to the smallest or largest microsecond
// count instead of wrapping around, so key order holds for range bounds; the
// store never stores such a key, because it refuses the row (whose key
// columns are columns) first (rowenc.Checker). The time zone is not part of
// the key.
func AppendTimestamp(dst []byte, t time.Time) []byte {
	return AppendInt64(dst, timestampMicros(t))
}

// AppendTimestampDesc appends t.UnixMicro() as AppendInt64Desc, for "newest
// first" keys, saturating as AppendTimestamp does.
func AppendTimestampDesc(dst []byte, t time.Time) []byte {
	return AppendInt64Desc(dst, timestampMicros(t))
}

// timestampMicros is t.UnixMicro(), saturated to the int64 range.
func timestampMicros(t time.Time) int64 {
	if s := t.Unix(); s > math.MinInt64/1_000_000+1 && s < math.MaxInt64/1_000_000-1 {
		return t.UnixMicro()
	}
	switch {
	case t.Before(time.UnixMicro(math.MinInt64)):
		return math.MinInt64
	case t.After(time.UnixMicro(math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixMicro()
}

// AppendDuration appends d.Microseconds() as AppendInt64; sub-microsecond
// precision is dropped (rounding toward zero), as in the row codec.
func AppendDuration(dst []byte, d time.Duration) []byte {
	return AppendInt64(dst, d.Microseconds())
}

// AppendDurationDesc appends d.Microseconds() as AppendInt64Desc.
func AppendDurationDesc(dst []byte, d time.Duration) []byte {
	return AppendInt64Desc(dst, d.Microseconds())
}

// DecodeTimestamp decodes an AppendTimestamp encoding into a UTC time.
func DecodeTimestamp(b []byte) (v time.Time, rest []byte, err error) {
	us, rest, err := decodeInt64(b, 0, "timestamp")
	if err != nil {
		return time.Time{}, nil, err
	}
	return time.UnixMicro(us).UTC(), rest, nil
}

// DecodeTimestampDesc decodes an AppendTimestampDesc encoding into a UTC
// time.
func DecodeTimestampDesc(b []byte) (v time.Time, rest []byte, err error) {
	us, rest, err := decodeInt64(b, ^uint64(0), "timestamp (desc)")
	if err != nil {
		return time.Time{}, nil, err
	}
	return time.UnixMicro(us).UTC(), rest, nil
}

// DecodeDuration decodes an AppendDuration encoding. Microsecond counts that
// no time.Duration can hold (beyond about ±292 years) are malformed rather
// than silently wrapped.
func DecodeDuration(b []byte) (v time.Duration, rest []byte, err error) {
	return decodeDuration(b, 0, "duration")
}

// DecodeDurationDesc decodes an AppendDurationDesc encoding.
func DecodeDurationDesc(b []byte) (v time.Duration, rest []byte, err error) {
	return decodeDuration(b, ^uint64(0), "duration (desc)")
}

// maxDurationMicros is the largest microsecond count a time.Duration holds.
const maxDurationMicros = math.MaxInt64 / int64(time.Microsecond)

func decodeDuration(b []byte, mask uint64, typ string) (time.Duration, []byte, error) {
	us, rest, err := decodeInt64(b, mask, typ)
	if err != nil {
		return 0, nil, err
	}
	if us > maxDurationMicros || us < -maxDurationMicros {
		return 0, nil, malformed(typ, "%dµs is outside the range of time.Duration (±%dµs)", us, maxDurationMicros)
	}
	return time.Duration(us) * time.Microsecond, rest, nil
}
