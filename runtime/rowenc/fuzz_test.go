package rowenc

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/encoding/protowire"
)

// FuzzDecoder walks arbitrary bytes as a row. No input may panic. Walking
// with accessors that cannot fail on a matching wire type must either end
// cleanly, having consumed every byte in whole fields whose Raw values lie
// inside the input, or stop with an ErrCorrupt error. A second walk with the
// checked accessors (Int32, Enum, Duration, UUID) may fail only with an
// ErrCorrupt error naming the field.
func FuzzDecoder(f *testing.F) {
	r := sampleRow()
	f.Add(appendTestRow(nil, &r))
	f.Add([]byte{})
	f.Add(AppendString(nil, 6, "hello")[:4])
	f.Add(AppendBytes(nil, 4, make([]byte, 15)))
	f.Add(AppendInt64(nil, 2, math.MaxInt32+1))
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0x0b, 0x08, 0x01, 0x0c, 0x15, 1, 2, 3, 4}) // group, then fixed32
	f.Add(protowire.AppendTag(nil, 9, protowire.EndGroupType))
	f.Add(AppendDecimal(AppendDecimal(nil, 1, *apd.New(-12345, -2), 10, 2), 2, *apd.New(1, 3), 10, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(data)
		// An owned decoder walks a clipped copy in step: its String and
		// Bytes, views into the row rather than copies, must give the same
		// values.
		owned := NewOwnedDecoder(slices.Clip(bytes.Clone(data)))
		end := 0
		for d.Next() {
			if !owned.Next() || owned.Tag() != d.Tag() {
				t.Fatalf("field %d: the owned decoder is at field %d (err %v)", d.Tag(), owned.Tag(), owned.Err())
			}
			if d.WireType() == protowire.BytesType {
				if s, b := owned.String(), owned.Bytes(); s != string(d.Raw()) || b == nil || !bytes.Equal(b, d.Raw()) {
					t.Fatalf("field %d: owned String %q / Bytes %x differ from Raw %x", d.Tag(), s, b, d.Raw())
				}
			}
			if d.Tag() < 1 {
				t.Fatalf("field number %d accepted", d.Tag())
			}
			raw := d.Raw()
			if len(raw) > 0 && !within(raw, data[d.start:d.off]) {
				t.Fatalf("field %d: Raw %x is not inside the field's bytes %x", d.Tag(), raw, data[d.start:d.off])
			}
			switch d.WireType() {
			case protowire.VarintType:
				_, _, _, _ = d.Int64(), d.Uint64(), d.Bool(), d.Timestamp()
			case protowire.Fixed64Type:
				_ = d.Float64()
			case protowire.BytesType:
				if s, b := d.String(), d.Bytes(); s != string(raw) || !bytes.Equal(b, raw) {
					t.Fatalf("field %d: String %q / Bytes %x differ from Raw %x", d.Tag(), s, b, raw)
				}
			}
			if d.Err() != nil {
				t.Fatalf("accessor of the matching wire type failed: %v", d.Err())
			}
			end = d.off
		}
		if err := d.Err(); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
		} else if end != len(data) {
			t.Fatalf("clean walk consumed %d of %d bytes", end, len(data))
		}

		// An owned Decoder reads the same values, as views into data.
		d = NewOwnedDecoder(data)
		for d.Next() {
			if d.WireType() != protowire.BytesType {
				continue
			}
			raw := d.Raw()
			s, b := d.String(), d.Bytes()
			if s != string(raw) || !bytes.Equal(b, raw) || b == nil {
				t.Fatalf("owned field %d: String %q / Bytes %x differ from Raw %x", d.Tag(), s, b, raw)
			}
			if len(raw) > 0 && (!within(b, data) || cap(b) != len(b)) {
				t.Fatalf("owned field %d: Bytes is not the field's bytes in the row with its capacity cut", d.Tag())
			}
		}
		if err := d.Err(); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("owned walk: error %v does not wrap ErrCorrupt", err)
		}

		d = NewDecoder(data)
		for d.Next() {
			switch d.WireType() {
			case protowire.VarintType:
				_, _, _ = d.Int32(), d.Enum(), d.Duration()
			case protowire.BytesType:
				_ = d.UUID()
			}
		}
		if err := d.Err(); err != nil && (!errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), "rowenc: field ")) {
			t.Fatalf("error %q does not wrap ErrCorrupt or name the field", err)
		}

		// Every length-delimited field read as a decimal either fails with
		// ErrCorrupt or re-encodes to its own bytes (the form is canonical),
		// and a decimal Checker never panics.
		for d = NewDecoder(data); d.Next(); {
			if d.WireType() != protowire.BytesType {
				continue
			}
			raw := d.Raw()
			one := NewDecoder(AppendBytes(nil, 1, raw))
			one.Next()
			v := one.Decimal(3)
			if err := one.Err(); err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("decimal %x: error %v does not wrap ErrCorrupt", raw, err)
				}
				continue
			}
			if re := AppendDecimal(nil, 1, v, 38, 3); v.NumDigits() <= 38 && !bytes.Equal(re, AppendBytes(nil, 1, raw)) {
				t.Fatalf("decimal %x read as %s, which encodes as %x", raw, v.String(), re)
			}
		}
		check := NewChecker([]Column{{Tag: 1, Name: "a", Type: "decimal", Precision: 10, Scale: 2}, {Tag: 2, Name: "b", Type: "decimal", Precision: 38, Scale: 38}})
		if err := check.Check(data); err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Checker: %v is neither a ValueError nor corrupt", err)
			}
		}
	})
}

// within reports whether sub is a subslice of b's memory (not merely equal
// bytes elsewhere).
func within(sub, b []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if &b[i] == &sub[0] {
			return true
		}
	}
	return false
}
