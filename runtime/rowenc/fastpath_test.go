package rowenc

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// walkBoth walks data with Next and with nextGeneral alone and reports the
// first step at which the two Decoders differ in any state (current field,
// offsets, value, error message), or "" when they never do.
func walkBoth(data []byte) string {
	fast, general := NewDecoder(data), NewDecoder(data)
	for step := 0; ; step++ {
		ok1, ok2 := fast.Next(), general.nextGeneral()
		if diff := decoderDiff(fast, general); ok1 != ok2 || diff != "" {
			return fmt.Sprintf("step %d: Next %v, nextGeneral %v: %s", step, ok1, ok2, diff)
		}
		if !ok1 {
			return ""
		}
	}
}

func decoderDiff(a, b *Decoder) string {
	ea, eb := fmt.Sprint(a.err), fmt.Sprint(b.err)
	if a.tag != b.tag || a.typ != b.typ || a.vs != b.vs || a.ve != b.ve || a.start != b.start || a.off != b.off || a.num != b.num || a.cur != b.cur || ea != eb {
		return fmt.Sprintf("fast {tag %d typ %d value [%d:%d] field [%d:%d] num %d cur %d err %s} != general {tag %d typ %d value [%d:%d] field [%d:%d] num %d cur %d err %s}",
			a.tag, a.typ, a.vs, a.ve, a.start, a.off, a.num, a.cur, ea, b.tag, b.typ, b.vs, b.ve, b.start, b.off, b.num, b.cur, eb)
	}
	return curDiff(a)
}

// curDiff reports a Decoder whose cur is out of step with its field and
// error: typ+1 while there is a current field and no error, else 0.
func curDiff(d *Decoder) string {
	want := uint8(0)
	if d.tag != 0 && d.err == nil {
		want = uint8(d.typ) + 1
	}
	if d.cur != want {
		return fmt.Sprintf("cur %d, want %d (tag %d, type %d, err %v)", d.cur, want, d.tag, d.typ, d.err)
	}
	return ""
}

// fastPathSeeds are rows at the edges of Next's fast path: two-byte tags
// and lengths, non-minimal varints (which protobuf accepts), varints of
// every length up to 10 bytes with and without 8 bytes after them, values
// cut short by the end of the row, field number 0 and the wire types the
// fast path leaves to the general one.
func fastPathSeeds() [][]byte {
	r := sampleRow()
	seeds := [][]byte{
		appendTestRow(nil, &r),
		{},
		{0x80},                   // tag cut after its first byte
		{0x80, 0x01},             // field 16, varint, no value
		{0x88, 0x00, 0x05},       // field 1 as a non-minimal two-byte tag
		{0x80, 0x80, 0x01, 0x00}, // three-byte tag: field 2048
		{0x00, 0x01},             // field number 0
		{0x07, 0x01},             // field 0, wire type 7
		{0x0f, 0x01},             // field 1, wire type 7
		{0x08, 0x80, 0x00},       // non-minimal two-byte varint
		{0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0}, // 8-byte varint of 0
		{0x09, 1, 2, 3, 4, 5, 6, 7},                                  // fixed64 one byte short
		{0x0a, 0x05, 'a', 'b'},                                       // length beyond the row
		{0x0a, 0x80, 0x01},                                           // two-byte length 128, no bytes
		{0x0a, 0xff, 0xff, 0x03},                                     // three-byte length
		{0x0d, 1, 2, 3, 4},                                           // fixed32
		{0x0b, 0x08, 0x01, 0x0c},                                     // group
		{0x0c},                                                       // end group
		AppendString(nil, 2047, "x"),
		AppendString(nil, 2048, "x"),
		AppendBytes(nil, 3, make([]byte, 127)),
		AppendBytes(nil, 3, make([]byte, 128)),
		AppendBytes(nil, 3, make([]byte, 16383)),
		AppendBytes(nil, 3, make([]byte, 16384)),
	}
	for bits := 0; bits <= 64; bits += 7 {
		v := uint64(math.MaxUint64)
		if bits < 64 {
			v = 1<<bits - 1
		}
		one := AppendUint64(nil, 5, v)
		seeds = append(seeds, one, append(one, make([]byte, 8)...), one[:len(one)-1])
	}
	seeds = append(seeds, []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0}) // overflow
	return seeds
}

// TestNextFastPath: Next, with its fast path, and nextGeneral alone leave
// a Decoder in the same state after every step of every seed row.
func TestNextFastPath(t *testing.T) {
	for i, data := range fastPathSeeds() {
		if diff := walkBoth(data); diff != "" {
			t.Errorf("seed %d (%x): %s", i, data, diff)
		}
	}
}

// FuzzNextFastPath is TestNextFastPath on arbitrary bytes.
func FuzzNextFastPath(f *testing.F) {
	for _, s := range fastPathSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if diff := walkBoth(data); diff != "" {
			t.Fatal(diff)
		}
	})
}

// TestNextVarint: Next's word-at-a-time varint decoding agrees with
// protowire's (through nextGeneral) on values of every length, in minimal
// and padded (non-minimal) form, with 8 or more bytes in the row after the
// value's start and with fewer, and on malformed varints.
func TestNextVarint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(b []byte) {
		t.Helper()
		if diff := walkBoth(append([]byte{0x08}, b...)); diff != "" {
			t.Fatalf("varint %x: %s", b, diff)
		}
	}
	for bitLen := 8; bitLen <= 64; bitLen++ { // two bytes or more
		for range 50 {
			v := rng.Uint64()>>(64-bitLen) | 1<<(bitLen-1)
			b := protowire.AppendVarint(nil, v)
			check(b)
			check(append(b, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f))
			// The same value with its last byte padded with a
			// continuation byte and a zero (non-minimal).
			if len(b) < 10 {
				pad := append(append([]byte{}, b...), 0)
				pad[len(b)-1] |= 0x80
				check(append(pad, 0, 0, 0, 0, 0, 0, 0, 0))
			}
		}
	}
	for n := range 12 {
		b := make([]byte, n)
		for i := range b {
			b[i] = 0x80 | byte(rng.Uint32())
		}
		check(b)                     // no last byte: truncated
		check(append(b, 2, 0, 0, 0)) // a tenth byte above 1 overflows
		check(append(b, 1, 0, 0, 0))
		check(binary.AppendUvarint(b[:0:0], 300))
	}
}
