package rowenc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"pgregory.net/rapid"
)

// colType is a column type as the tests see it: how to generate, write and
// read a value, and what reading gives back.
type colType struct {
	name string
	gen  *rapid.Generator[any]
	put  func(b []byte, tag protowire.Number, v any) []byte
	get  func(d *Decoder) any
	norm func(v any) any // the value a round trip returns
}

func anyOf[T any](g *rapid.Generator[T]) *rapid.Generator[any] {
	return rapid.Map(g, func(v T) any { return v })
}

func same(v any) any { return v }

var payloads = rapid.OneOf(rapid.SliceOfN(rapid.Byte(), 0, 40), rapid.Just([]byte{}))

var colTypes = []colType{
	{"bool", anyOf(rapid.Bool()),
		func(b []byte, t protowire.Number, v any) []byte { return AppendBool(b, t, v.(bool)) },
		func(d *Decoder) any { return d.Bool() }, same},
	{"int32", anyOf(rapid.OneOf(rapid.Int32(), rapid.SampledFrom([]int32{math.MinInt32, -1, 0, math.MaxInt32}))),
		func(b []byte, t protowire.Number, v any) []byte { return AppendInt32(b, t, v.(int32)) },
		func(d *Decoder) any { return d.Int32() }, same},
	{"int64", anyOf(rapid.OneOf(rapid.Int64(), rapid.SampledFrom([]int64{math.MinInt64, -1, 0, math.MaxInt64}))),
		func(b []byte, t protowire.Number, v any) []byte { return AppendInt64(b, t, v.(int64)) },
		func(d *Decoder) any { return d.Int64() }, same},
	{"uint64", anyOf(rapid.OneOf(rapid.Uint64(), rapid.SampledFrom([]uint64{0, math.MaxUint64}))),
		func(b []byte, t protowire.Number, v any) []byte { return AppendUint64(b, t, v.(uint64)) },
		func(d *Decoder) any { return d.Uint64() }, same},
	{"float64", anyOf(rapid.OneOf(rapid.Float64(), rapid.SampledFrom([]float64{math.Copysign(0, -1), math.Inf(1), math.NaN()}))),
		func(b []byte, t protowire.Number, v any) []byte { return AppendFloat64(b, t, v.(float64)) },
		// compare bits so that NaN and -0 count
		func(d *Decoder) any { return math.Float64bits(d.Float64()) },
		func(v any) any { return math.Float64bits(v.(float64)) }},
	{"string", anyOf(rapid.Map(payloads, func(b []byte) string { return string(b) })),
		func(b []byte, t protowire.Number, v any) []byte { return AppendString(b, t, v.(string)) },
		func(d *Decoder) any { return d.String() }, same},
	{"bytes", anyOf(payloads),
		func(b []byte, t protowire.Number, v any) []byte { return AppendBytes(b, t, v.([]byte)) },
		func(d *Decoder) any { return d.Bytes() }, same},
	{"timestamp", anyOf(rapid.Custom(func(t *rapid.T) time.Time {
		us := rapid.OneOf(rapid.Int64(), rapid.Int64Range(-5, 5)).Draw(t, "us")
		ns := rapid.Int64Range(0, 999).Draw(t, "ns")
		return time.UnixMicro(us).Add(time.Duration(ns)).In(time.FixedZone("X", 3600))
	})),
		func(b []byte, t protowire.Number, v any) []byte { return AppendTimestamp(b, t, v.(time.Time)) },
		func(d *Decoder) any { return d.Timestamp() },
		func(v any) any { return time.UnixMicro(v.(time.Time).UnixMicro()).UTC() }},
	{"duration", anyOf(rapid.Map(rapid.Int64(), func(n int64) time.Duration { return time.Duration(n) })),
		func(b []byte, t protowire.Number, v any) []byte { return AppendDuration(b, t, v.(time.Duration)) },
		func(d *Decoder) any { return d.Duration() },
		func(v any) any { return time.Duration(v.(time.Duration).Microseconds()) * time.Microsecond }},
	{"uuid", anyOf(rapid.Map(rapid.SliceOfN(rapid.Byte(), 16, 16), func(b []byte) [16]byte { return [16]byte(b) })),
		func(b []byte, t protowire.Number, v any) []byte { return AppendUUID(b, t, v.([16]byte)) },
		func(d *Decoder) any { return d.UUID() }, same},
	{"enum", anyOf(rapid.OneOf(rapid.Int32Range(0, 10), rapid.Int32())),
		func(b []byte, t protowire.Number, v any) []byte { return AppendEnum(b, t, v.(int32)) },
		func(d *Decoder) any { return d.Enum() }, same},
}

// equal compares decoded values; times must also be UTC.
func equal(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g := got.(time.Time)
		return g.Location() == time.UTC && g.Equal(w)
	case []byte:
		g := got.([]byte)
		return g != nil && bytes.Equal(g, w)
	}
	return got == want
}

type field struct {
	tag protowire.Number
	typ *colType
	val any
}

func (f field) String() string { return fmt.Sprintf("%d:%s=%v", f.tag, f.typ.name, f.val) }

// tags favours small numbers (one-byte tags) but covers the whole range.
var tags = rapid.OneOf(rapid.Int32Range(1, 20), rapid.Int32Range(1, int32(protowire.MaxValidNumber)))

// drawFields draws a row of fields with distinct tags.
func drawFields(t *rapid.T, label string, exclude map[protowire.Number]bool) []field {
	ts := rapid.SliceOfNDistinct(tags, 0, 12, func(n int32) int32 { return n }).Draw(t, label+" tags")
	var fs []field
	for i, n := range ts {
		if exclude[protowire.Number(n)] {
			continue
		}
		ct := &colTypes[rapid.IntRange(0, len(colTypes)-1).Draw(t, fmt.Sprintf("%s[%d] type", label, i))]
		fs = append(fs, field{protowire.Number(n), ct, ct.gen.Draw(t, fmt.Sprintf("%s[%d] %s", label, i, ct.name))})
	}
	return fs
}

func encodeFields(fs []field) []byte {
	var b []byte
	for _, f := range fs {
		b = f.typ.put(b, f.tag, f.val)
	}
	return b
}

// decoders are the two ways to make a Decoder; every behaviour but copying
// is the same for both.
var decoders = []struct {
	name string
	make func([]byte) *Decoder
}{{"copying", NewDecoder}, {"owned", NewOwnedDecoder}}

// TestRoundTrip writes random rows and reads every field back, in order,
// with the accessor of its type, through both kinds of Decoder.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fs := drawFields(t, "row", nil)
		d := rapid.SampledFrom(decoders).Draw(t, "decoder").make(encodeFields(fs))
		for i, f := range fs {
			if !d.Next() {
				t.Fatalf("Next = false before field %d (%v), err %v", i, f, d.Err())
			}
			if d.Tag() != f.tag {
				t.Fatalf("field %d: tag %d, want %d", i, d.Tag(), f.tag)
			}
			if got, want := f.typ.get(d), f.typ.norm(f.val); !equal(got, want) {
				t.Fatalf("field %v: read %#v, want %#v (err %v)", f, got, want, d.Err())
			}
		}
		if d.Next() {
			t.Fatalf("extra field %d after the row", d.Tag())
		}
		if d.Err() != nil {
			t.Fatalf("Err = %v", d.Err())
		}
	})
}

// unknownField appends a field of any wire type, including groups, which a
// newer writer (or another protobuf producer) might have written.
var unknownField = rapid.Custom(func(t *rapid.T) func([]byte, protowire.Number) []byte {
	switch rapid.IntRange(0, 4).Draw(t, "wire type") {
	case 0:
		v := rapid.Uint64().Draw(t, "varint")
		return func(b []byte, n protowire.Number) []byte {
			return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
		}
	case 1:
		v := rapid.Uint32().Draw(t, "fixed32")
		return func(b []byte, n protowire.Number) []byte {
			return protowire.AppendFixed32(protowire.AppendTag(b, n, protowire.Fixed32Type), v)
		}
	case 2:
		v := rapid.Uint64().Draw(t, "fixed64")
		return func(b []byte, n protowire.Number) []byte {
			return protowire.AppendFixed64(protowire.AppendTag(b, n, protowire.Fixed64Type), v)
		}
	case 3:
		v := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "bytes")
		return func(b []byte, n protowire.Number) []byte {
			return protowire.AppendBytes(protowire.AppendTag(b, n, protowire.BytesType), v)
		}
	}
	inner := AppendString(AppendInt64(nil, 1, -1), 2, "nested")
	return func(b []byte, n protowire.Number) []byte {
		b = protowire.AppendTag(b, n, protowire.StartGroupType)
		b = append(b, inner...)
		return protowire.AppendTag(b, n, protowire.EndGroupType)
	}
})

// TestUnknownFieldsSkipped interleaves fields the reader does not know with
// the ones it does; it must read the known ones and skip the rest.
func TestUnknownFieldsSkipped(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		known := drawFields(t, "known", nil)
		byTag := map[protowire.Number]field{}
		for _, f := range known {
			byTag[f.tag] = f
		}
		var b []byte
		extra := rapid.SliceOfNDistinct(tags, 0, 8, func(n int32) int32 { return n }).Draw(t, "unknown tags")
		extra = slices.DeleteFunc(extra, func(n int32) bool { _, ok := byTag[protowire.Number(n)]; return ok })
		for i, f := range known {
			for len(extra) > 0 && rapid.Bool().Draw(t, fmt.Sprintf("unknown before %d", i)) {
				b = unknownField.Draw(t, "unknown")(b, protowire.Number(extra[0]))
				extra = extra[1:]
			}
			b = f.typ.put(b, f.tag, f.val)
		}
		for _, n := range extra {
			b = unknownField.Draw(t, "unknown")(b, protowire.Number(n))
		}
		seen := 0
		d := NewDecoder(b)
		for d.Next() {
			f, ok := byTag[d.Tag()]
			if !ok {
				continue
			}
			seen++
			if got, want := f.typ.get(d), f.typ.norm(f.val); !equal(got, want) {
				t.Fatalf("field %v: read %#v, want %#v (err %v)", f, got, want, d.Err())
			}
		}
		if d.Err() != nil || seen != len(known) {
			t.Fatalf("read %d of %d known fields, err %v", seen, len(known), d.Err())
		}
	})
}

// readOne decodes a single-field row with get and returns its value and the
// decoder's error.
func readOne[T any](b []byte, get func(*Decoder) T) (T, error) {
	d := NewDecoder(b)
	var v T
	for d.Next() {
		v = get(d)
	}
	return v, d.Err()
}

// TestInt32Int64Compatible checks the documented type change: int32 and
// int64 columns read each other's values, and narrowing is checked.
func TestInt32Int64Compatible(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v32 := rapid.Int32().Draw(t, "int32")
		if got, err := readOne(AppendInt32(nil, 1, v32), (*Decoder).Int64); err != nil || got != int64(v32) {
			t.Fatalf("int32 %d read as int64 = %d, %v", v32, got, err)
		}
		if got, err := readOne(AppendInt64(nil, 1, int64(v32)), (*Decoder).Int32); err != nil || got != v32 {
			t.Fatalf("int64 %d read as int32 = %d, %v", v32, got, err)
		}
		if got, err := readOne(AppendEnum(nil, 1, v32), (*Decoder).Int32); err != nil || got != v32 {
			t.Fatalf("enum %d read as int32 = %d, %v", v32, got, err)
		}
		big := rapid.OneOf(rapid.Int64Min(math.MaxInt32+1), rapid.Int64Max(math.MinInt32-1)).Draw(t, "out of range")
		_, err := readOne(AppendInt64(nil, 7, big), (*Decoder).Int32)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "field 7:") {
			t.Fatalf("int64 %d read as int32: err = %v, want a field 7 ErrCorrupt", big, err)
		}
	})
}

// TestStringBytesCompatible checks that string, bytes and json (bytes)
// columns read each other's values.
func TestStringBytesCompatible(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := payloads.Draw(t, "payload")
		if got, err := readOne(AppendBytes(nil, 1, p), (*Decoder).String); err != nil || got != string(p) {
			t.Fatalf("bytes %x read as string = %q, %v", p, got, err)
		}
		if got, err := readOne(AppendString(nil, 1, string(p)), (*Decoder).Bytes); err != nil || !bytes.Equal(got, p) {
			t.Fatalf("string %q read as bytes = %x, %v", p, got, err)
		}
	})
}

// TestBytesCopies checks that Bytes does not alias the row buffer, which
// Pebble reuses after the read.
func TestBytesCopies(t *testing.T) {
	row := AppendBytes(nil, 1, []byte("abc"))
	got, err := readOne(row, (*Decoder).Bytes)
	if err != nil {
		t.Fatal(err)
	}
	clear(row)
	if string(got) != "abc" {
		t.Fatalf("Bytes changed with the row buffer: %q", got)
	}
}

// TestRaw pins what Raw returns for each wire type.
func TestRaw(t *testing.T) {
	b := AppendInt64(nil, 1, 300)
	b = protowire.AppendFixed32(protowire.AppendTag(b, 2, protowire.Fixed32Type), 0x04030201)
	b = AppendFloat64(b, 3, math.Float64frombits(0x0807060504030201))
	b = AppendString(b, 4, "hi")
	b = protowire.AppendTag(b, 5, protowire.StartGroupType)
	b = AppendBool(b, 6, true)
	b = protowire.AppendTag(b, 5, protowire.EndGroupType)
	want := []struct {
		typ protowire.Type
		raw []byte
	}{
		{protowire.VarintType, []byte{0xac, 0x02}},
		{protowire.Fixed32Type, []byte{1, 2, 3, 4}},
		{protowire.Fixed64Type, []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{protowire.BytesType, []byte("hi")},
		{protowire.StartGroupType, AppendBool(nil, 6, true)},
	}
	d := NewDecoder(b)
	for i, w := range want {
		if !d.Next() {
			t.Fatalf("field %d missing: %v", i+1, d.Err())
		}
		if d.WireType() != w.typ || !bytes.Equal(d.Raw(), w.raw) {
			t.Errorf("field %d: wire type %s raw %x, want %s %x", d.Tag(), wireTypeName(d.WireType()), d.Raw(), wireTypeName(w.typ), w.raw)
		}
	}
	if d.Next() || d.Err() != nil {
		t.Fatalf("after the last field: Next true or err %v", d.Err())
	}
	if d.Tag() != 0 || d.Raw() != nil {
		t.Errorf("after the end: Tag %d, Raw %x; want 0, nil", d.Tag(), d.Raw())
	}
}

// TestErrors pins the error for each way a row can be unreadable: it wraps
// ErrCorrupt, names the field, says what was wrong, and is sticky.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  []byte
		read func(*Decoder)
		want string
	}{
		{"wire type", AppendFloat64(nil, 3, 1.5), func(d *Decoder) { _ = d.String() },
			"rowenc: field 3: wire type fixed64, want bytes (for a string column): corrupt row value"},
		{"int32 range", AppendInt64(nil, 2, math.MaxInt32+1), func(d *Decoder) { d.Int32() },
			"rowenc: field 2: 2147483648 is outside the int32 range of a int32 column: corrupt row value"},
		{"enum range", AppendInt64(nil, 2, -1<<40), func(d *Decoder) { d.Enum() },
			"rowenc: field 2: -1099511627776 is outside the int32 range of a enum column: corrupt row value"},
		{"uuid length", AppendBytes(nil, 4, make([]byte, 15)), func(d *Decoder) { d.UUID() },
			"rowenc: field 4: uuid value has 15 bytes, want 16: corrupt row value"},
		{"duration range", protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), protowire.EncodeZigZag(math.MaxInt64)),
			func(d *Decoder) { d.Duration() },
			"rowenc: field 5: 9223372036854775807µs is outside the range of a duration column (±9223372036854775µs): corrupt row value"},
		{"truncated bytes", AppendString(nil, 6, "hello")[:4], nil,
			"rowenc: field 6: bytes value at byte 1 of 4: truncated, the row ends inside it: corrupt row value"},
		{"truncated varint", []byte{0x08, 0x80}, nil,
			"rowenc: field 1: varint value at byte 1 of 2: truncated, the row ends inside it: corrupt row value"},
		{"varint overflow", []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, nil,
			"rowenc: field 1: varint value at byte 1 of 12: proto: variable length integer overflow: corrupt row value"},
		{"unterminated group", protowire.AppendTag(nil, 8, protowire.StartGroupType), nil,
			"rowenc: field 8: start-group value at byte 1 of 1: truncated, the row ends inside it: corrupt row value"},
		{"tag beyond int32", protowire.AppendVarint(nil, 1<<40), nil,
			"rowenc: field tag at byte 0 of 6: invalid field number 137438953472: corrupt row value"},
		{"bad tag", []byte{0x00}, nil,
			"rowenc: field tag at byte 0 of 1: invalid field number 0: corrupt row value"},
		{"end group", protowire.AppendTag(nil, 9, protowire.EndGroupType), nil,
			"rowenc: field 9 at byte 0 of 1: end-group marker without a matching start-group: corrupt row value"},
		{"reserved wire type", []byte{0x0e}, nil,
			"rowenc: field 1 at byte 0 of 1: reserved wire type 6 cannot be parsed: corrupt row value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := append(tc.row, AppendInt64(nil, 99, 1)...) // a field after the bad one
			if tc.read == nil {
				row = tc.row // the bad part is at the end
			}
			d := NewDecoder(row)
			fields := 0
			for d.Next() {
				fields++
				if tc.read != nil && d.Tag() != 99 {
					tc.read(d)
					// After the error no accessor reads the field,
					// whatever its wire type.
					if d.Err() != nil && (d.Int64() != 0 || d.Int32() != 0 || d.Float64() != 0 || d.String() != "" || d.Bytes() != nil || d.Bool()) {
						t.Fatalf("an accessor read field %d after the error %v", d.Tag(), d.Err())
					}
				}
			}
			err := d.Err()
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.want) || !strings.HasSuffix(msg, corruptHint) {
				t.Fatalf("err = %q\nwant %q…%q", msg, tc.want, corruptHint)
			}
			if tc.read != nil && fields != 1 {
				t.Fatalf("walked %d fields; the error must stop the walk after the bad one", fields)
			}
			if d.Next() || d.Int64() != 0 || d.Err() != err {
				t.Fatalf("error is not sticky")
			}
		})
	}
}

func TestAccessorWithoutField(t *testing.T) {
	d := NewDecoder(AppendInt64(nil, 1, 5))
	if v := d.Int64(); v != 0 || !errors.Is(d.Err(), ErrCorrupt) || !strings.Contains(d.Err().Error(), "call it only after Next returned true") {
		t.Fatalf("Int64 before Next = %d, err %v", v, d.Err())
	}
}
