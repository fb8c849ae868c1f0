package keyenc

import (
	"bytes"
	"testing"
	"time"
)

// TestTimestampSaturates: a time beyond the int64 microsecond range encodes
// as the largest (or smallest) key instead of wrapping around, so range
// bounds keep their order; year 300000 used to encode as year -284555.
func TestTimestampSaturates(t *testing.T) {
	far := time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
	past := time.Date(-300000, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !(bytes.Compare(AppendTimestamp(nil, past), AppendTimestamp(nil, now)) < 0 &&
		bytes.Compare(AppendTimestamp(nil, now), AppendTimestamp(nil, far)) < 0) {
		t.Errorf("keys of years -300000, 2026, 300000 are not in order")
	}
	if !(bytes.Compare(AppendTimestampDesc(nil, far), AppendTimestampDesc(nil, now)) < 0 &&
		bytes.Compare(AppendTimestampDesc(nil, now), AppendTimestampDesc(nil, past)) < 0) {
		t.Errorf("descending keys of years 300000, 2026, -300000 are not in order")
	}
	got, _, err := DecodeTimestamp(AppendTimestamp(nil, far))
	if err != nil || !got.Equal(time.UnixMicro(1<<63-1).UTC()) {
		t.Errorf("year 300000 decodes as %v, %v; want the largest timestamp", got, err)
	}
}
