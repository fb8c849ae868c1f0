package flush

import (
	"bufio"
	"bytes"
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
)

func encodeKeys(rows []coldtier.RowVersion) []byte {
	var b bytes.Buffer
	w := newKeysWriter(&b)
	for _, r := range rows {
		w.add(r.Key, r.Hash)
	}
	if err := w.finish(); err != nil {
		panic(err) // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

// parseKeys is what readKeys does, on bytes: the checksum, then the records.
func parseKeys(data []byte, chunk int, fn func([]coldtier.RowVersion) error) (uint64, error) {
	if err := checkKeys(bytes.NewReader(data), int64(len(data))); err != nil {
		return 0, err
	}
	return decodeKeys(bufio.NewReader(bytes.NewReader(data)), chunk, fn)
}

// TestKeysRoundTrip: any list of rows survives encoding, in any chunking.
func TestKeysRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rows := rapid.SliceOf(rapid.Custom(func(t *rapid.T) coldtier.RowVersion {
			return coldtier.RowVersion{Key: rapid.SliceOfN(rapid.Byte(), 1, 40).Draw(t, "key"), Hash: rapid.Uint64().Draw(t, "hash")}
		})).Draw(t, "rows")
		chunk := rapid.IntRange(1, 10).Draw(t, "chunk")
		var got []coldtier.RowVersion
		n, err := parseKeys(encodeKeys(rows), chunk, func(c []coldtier.RowVersion) error {
			if len(c) > chunk {
				t.Fatalf("chunk of %d rows, limit %d", len(c), chunk)
			}
			for _, r := range c {
				got = append(got, coldtier.RowVersion{Key: bytes.Clone(r.Key), Hash: r.Hash})
			}
			return nil
		})
		if err != nil || n != uint64(len(rows)) {
			t.Fatalf("parse: %d rows, %v", n, err)
		}
		if !slices.EqualFunc(got, rows, func(a, b coldtier.RowVersion) bool { return bytes.Equal(a.Key, b.Key) && a.Hash == b.Hash }) {
			t.Fatalf("got %v, want %v", got, rows)
		}
		// Any single flipped bit or truncation is detected.
		data := encodeKeys(rows)
		if len(data) > 0 {
			i := rapid.IntRange(0, len(data)-1).Draw(t, "byte")
			bad := bytes.Clone(data)
			bad[i] ^= 1 << rapid.IntRange(0, 7).Draw(t, "bit")
			if _, err := parseKeys(bad, chunk, nil); !errors.Is(err, ErrCorruptKeys) {
				t.Fatalf("flipped bit at %d: %v", i, err)
			}
			if _, err := parseKeys(data[:i], chunk, nil); !errors.Is(err, ErrCorruptKeys) {
				t.Fatalf("truncated to %d bytes: %v", i, err)
			}
		}
	})
}

// FuzzDecodeKeys: no input panics; what parses re-encodes to the same
// bytes; what fails wraps ErrCorruptKeys.
func FuzzDecodeKeys(f *testing.F) {
	f.Add(encodeKeys(nil))
	f.Add(encodeKeys([]coldtier.RowVersion{{Key: []byte("a\x00\x01"), Hash: 7}, {Key: []byte{0xff}, Hash: 1 << 63}}))
	f.Add([]byte(keysMagic))
	f.Add([]byte("TGKEYS\x00\x01\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows []coldtier.RowVersion
		_, err := parseKeys(data, 3, func(c []coldtier.RowVersion) error {
			for _, r := range c {
				rows = append(rows, coldtier.RowVersion{Key: bytes.Clone(r.Key), Hash: r.Hash})
			}
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrCorruptKeys) {
				t.Fatalf("error does not wrap ErrCorruptKeys: %v", err)
			}
			return
		}
		if again := encodeKeys(rows); !bytes.Equal(again, data) {
			t.Fatalf("parsed %d rows that re-encode differently", len(rows))
		}
	})
}
