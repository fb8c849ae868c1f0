package keyenc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"pgregory.net/rapid"
)

// TestRoundTrip decodes random tuples of mixed types and directions and
// checks every component comes back (µs-truncated and UTC where documented)
// and nothing is left over.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		layout := layoutGen.Draw(t, "layout")
		vs := drawTuple(t, layout, "v")
		suffix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "suffix")
		b := append(encodeTuple(layout, vs), suffix...)
		for i, c := range layout {
			got, rest, err := c.decode(b)
			if err != nil {
				t.Fatalf("component %d (%s): %v", i, c, err)
			}
			if want := c.k.norm(vs[i]); !c.k.same(got, want) {
				t.Fatalf("component %d (%s): decoded %#v, want %#v", i, c, got, want)
			}
			b = rest
		}
		if !bytes.Equal(b, suffix) {
			t.Fatalf("rest after the tuple = %x, want %x", b, suffix)
		}
	})
}

// TestOrder checks that the bytes compare like the typed tuples.
func TestOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		layout := layoutGen.Draw(t, "layout")
		a := drawTuple(t, layout, "a")
		b := drawTuple(t, layout, "b")
		got := bytes.Compare(encodeTuple(layout, a), encodeTuple(layout, b))
		if want := compareTuples(layout, a, b); got != want {
			t.Fatalf("bytes.Compare = %d, typed comparison = %d\nlayout %v\na %#v\nb %#v", got, want, layout, a, b)
		}
	})
}

// TestPrefixFree checks that one tuple's encoding is a prefix of another's
// exactly when its components equal the other's leading components: at a
// tuple boundary no value prefixes a different one.
func TestPrefixFree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		layout := layoutGen.Draw(t, "layout")
		b := drawTuple(t, layout, "b")
		n := rapid.IntRange(1, len(layout)).Draw(t, "n")
		a := drawTuple(t, layout[:n], "a")
		if rapid.Bool().Draw(t, "share") { // make equal leading parts likely
			copy(a, b[:n-1])
		}
		isPrefix := bytes.HasPrefix(encodeTuple(layout, b), encodeTuple(layout[:n], a))
		equalLead := compareTuples(layout[:n], a, b[:n]) == 0
		if isPrefix != equalLead {
			t.Fatalf("HasPrefix = %v, leading components equal = %v\nlayout %v\na %#v\nb %#v", isPrefix, equalLead, layout, a, b)
		}
	})
}

func TestPrefixFreeExamples(t *testing.T) {
	user1 := AppendString(nil, "user1")
	user10 := AppendString(nil, "user10")
	if bytes.HasPrefix(user10, user1) {
		t.Errorf("(user1) %x prefixes (user10) %x", user1, user10)
	}
	if bytes.Compare(user1, user10) >= 0 {
		t.Errorf("(user1) %x does not sort before (user10) %x", user1, user10)
	}
	abc1 := AppendString(AppendString(nil, "a"), "bc")
	abc2 := AppendString(AppendString(nil, "ab"), "c")
	if bytes.Equal(abc1, abc2) {
		t.Errorf(`("a","bc") and ("ab","c") both encode as %x`, abc1)
	}
	if bytes.Compare(abc1, abc2) >= 0 {
		t.Errorf(`("a","bc") %x does not sort before ("ab","c") %x`, abc1, abc2)
	}
}

// TestPrefixEnd checks PrefixEnd against its definition: a byte string x
// has the prefix p exactly when p <= x < PrefixEnd(p) (no upper bound when
// PrefixEnd is nil), both for random byte prefixes and for encoded leading
// components with random extensions.
func TestPrefixEnd(t *testing.T) {
	bounded := func(t *rapid.T, p, x []byte) {
		end := PrefixEnd(p)
		inRange := bytes.Compare(p, x) <= 0 && (end == nil || bytes.Compare(x, end) < 0)
		if inRange != bytes.HasPrefix(x, p) {
			t.Fatalf("prefix %x end %x: x %x in range = %v, has prefix = %v", p, end, x, inRange, !inRange)
		}
	}
	t.Run("bytes", func(t *testing.T) {
		alphabet := rapid.SampledFrom([]byte{0x00, 0x01, 0xFE, 0xFF})
		rapid.Check(t, func(t *rapid.T) {
			p := rapid.SliceOfN(alphabet, 0, 4).Draw(t, "p")
			x := rapid.SliceOfN(alphabet, 0, 6).Draw(t, "x")
			if rapid.Bool().Draw(t, "extend") {
				x = append(append([]byte{}, p...), x...)
			}
			bounded(t, p, x)
		})
	})
	t.Run("tuples", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			layout := layoutGen.Draw(t, "layout")
			n := rapid.IntRange(1, len(layout)).Draw(t, "n")
			b := drawTuple(t, layout, "b")
			a := b[:n]
			if rapid.Bool().Draw(t, "other") {
				a = drawTuple(t, layout[:n], "a")
			}
			bounded(t, encodeTuple(layout[:n], a), encodeTuple(layout, b))
		})
	})
}

func TestPrefixEndEdges(t *testing.T) {
	for _, tc := range []struct{ in, want []byte }{
		{nil, nil},
		{[]byte{}, nil},
		{[]byte{0xFF, 0xFF}, nil},
		{[]byte{0x00}, []byte{0x01}},
		{[]byte{0x01, 0xFF}, []byte{0x02}},
		{[]byte{0x61, 0xFE, 0xFF, 0xFF}, []byte{0x61, 0xFF}},
	} {
		in := append([]byte(nil), tc.in...)
		got := PrefixEnd(in)
		if !bytes.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", tc.in, got, tc.want)
		}
		if !bytes.Equal(in, tc.in) {
			t.Errorf("PrefixEnd modified its input: %x, was %x", in, tc.in)
		}
	}
}

// TestDescendingInverts pins the documented relation between the two
// directions: the descending bytes are the ascending bytes inverted.
func TestDescendingInverts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := rapid.SampledFrom(kinds).Draw(t, "kind")
		v := k.gen.Draw(t, "v")
		asc, desc := k.asc(nil, v), k.desc(nil, v)
		if len(asc) != len(desc) {
			t.Fatalf("%s: asc %x and desc %x differ in length", k.name, asc, desc)
		}
		for i := range asc {
			if asc[i] != ^desc[i] {
				t.Fatalf("%s: desc %x is not asc %x inverted", k.name, desc, asc)
			}
		}
	})
}

// TestAppendKeepsDst checks that encoders append and never touch dst's
// existing bytes.
func TestAppendKeepsDst(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := columnGen.Draw(t, "column")
		v := c.k.gen.Draw(t, "v")
		head := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "head")
		got := c.encode(append([]byte(nil), head...), v)
		if want := append(append([]byte(nil), head...), c.encode(nil, v)...); !bytes.Equal(got, want) {
			t.Fatalf("encode onto %x = %x, want %x", head, got, want)
		}
	})
}

// TestDecodeErrors checks that every truncation of a valid encoding is
// rejected with ErrMalformed (each type's encoding is self-delimiting, so no
// proper prefix can decode), and the error names the type.
func TestDecodeErrors(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := columnGen.Draw(t, "column")
		full := c.encode(nil, c.k.gen.Draw(t, "v"))
		cut := rapid.IntRange(0, len(full)-1).Draw(t, "cut")
		_, rest, err := c.decode(full[:cut])
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: decoding %x (cut from %x): err = %v, want ErrMalformed", c, full[:cut], full, err)
		}
		if rest != nil {
			t.Fatalf("%s: rest = %x on error, want nil", c, rest)
		}
	})
}

func TestDurationOutOfRange(t *testing.T) {
	for _, b := range [][]byte{
		AppendInt64(nil, maxDurationMicros+1),
		AppendInt64(nil, -maxDurationMicros-1),
	} {
		if _, _, err := DecodeDuration(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeDuration(%x) err = %v, want ErrMalformed", b, err)
		}
		inv := append([]byte(nil), b...)
		invert(inv)
		if _, _, err := DecodeDurationDesc(inv); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeDurationDesc(%x) err = %v, want ErrMalformed", inv, err)
		}
	}
}

// TestMicrosecondTruncation pins the documented rounding: timestamps round
// toward the past, durations toward zero.
func TestMicrosecondTruncation(t *testing.T) {
	for _, tc := range []struct{ ns, wantUs int64 }{{1999, 1}, {-1, -1}, {-1001, -2}, {0, 0}} {
		got, _, err := DecodeTimestamp(AppendTimestamp(nil, unixNano(tc.ns)))
		if err != nil || got.UnixMicro() != tc.wantUs {
			t.Errorf("timestamp %dns → %dµs, %v; want %dµs", tc.ns, got.UnixMicro(), err, tc.wantUs)
		}
	}
	for _, tc := range []struct{ ns, wantUs int64 }{{1999, 1}, {-1, 0}, {-1001, -1}} {
		got, _, err := DecodeDuration(AppendDuration(nil, duration(tc.ns)))
		if err != nil || got.Microseconds() != tc.wantUs || got%1000 != 0 {
			t.Errorf("duration %dns → %v, %v; want %dµs", tc.ns, got, err, tc.wantUs)
		}
	}
}

// TestDecimalInvalidFindsNothing: a value its column cannot hold (needing
// rounding, too many digits, NaN) encodes as a key that does not decode,
// so it can never equal a stored key.
func TestDecimalInvalidFindsNothing(t *testing.T) {
	for _, v := range []*apd.Decimal{apd.New(1234, -3), apd.New(1, 8), {Form: apd.NaN}, {Form: apd.Infinite, Negative: true}} {
		for _, desc := range []bool{false, true} {
			enc, dec := AppendDecimal, DecodeDecimal
			if desc {
				enc, dec = AppendDecimalDesc, DecodeDecimalDesc
			}
			b := enc(nil, *v, 10, 2)
			if got, _, err := dec(b, 10, 2); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s (desc %v) encoded as %x, which decodes as %s", v, desc, b, got.String())
			}
		}
	}
}
