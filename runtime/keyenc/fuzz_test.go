package keyenc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// FuzzDecode decodes arbitrary bytes as every type in both directions. No
// input may panic; a failure must wrap ErrMalformed; a success must return a
// suffix of the input as rest, and re-encoding the value must give exactly
// the consumed bytes (the encoding is canonical).
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add(AppendString(nil, "a\x00b"))
	f.Add(AppendStringDesc(nil, "a\x00b"))
	f.Add([]byte{0x61, 0x00, 0x02, 0x00, 0x01})
	f.Add([]byte{0xFF, 0x00, 0xFF, 0xFE})
	f.Add(AppendInt64(AppendBool(nil, true), -1))
	f.Add(AppendTimestampDesc(nil, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)))
	f.Add(AppendInt64(nil, maxDurationMicros+1))
	f.Add(AppendUUID(nil, [16]byte{0: 1, 15: 0xFF}))
	f.Add(AppendDecimal(nil, *apd.New(-12345, -2), 10, 2))
	f.Add(AppendDecimalDesc(nil, *apd.New(1, 0), 38, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range kinds {
			for _, c := range []column{{k, false}, {k, true}} {
				v, rest, err := c.decode(data)
				if err != nil {
					if !errors.Is(err, ErrMalformed) {
						t.Fatalf("%s: error %v does not wrap ErrMalformed", c, err)
					}
					continue
				}
				if len(rest) > len(data) || !bytes.Equal(rest, data[len(data)-len(rest):]) {
					t.Fatalf("%s: rest %x is not a suffix of %x", c, rest, data)
				}
				consumed := data[:len(data)-len(rest)]
				if re := c.encode(nil, v); !bytes.Equal(re, consumed) {
					t.Fatalf("%s: decoded %#v from %x, which re-encodes as %x", c, v, consumed, re)
				}
			}
		}
	})
}
