package keyenc

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"pgregory.net/rapid"
)

// kind describes one key column type to the tests: how to generate, encode,
// decode, compare, parse and print its values. Values travel as any.
type kind struct {
	name string
	gen  *rapid.Generator[any]
	asc  func(dst []byte, v any) []byte
	desc func(dst []byte, v any) []byte
	dec  func(b []byte) (any, []byte, error)
	decD func(b []byte) (any, []byte, error)
	// cmp compares two values the way the key type orders them (after the
	// microsecond truncation of timestamps and durations). It is the naive
	// reference the byte order is checked against.
	cmp func(a, b any) int
	// norm is what decoding an encoded v must return.
	norm func(v any) any
	// same reports whether a decoded value is exactly want (including
	// representation details such as UTC and non-nil slices).
	same   func(got, want any) bool
	parse  func(s string) (any, error)
	format func(v any) string
}

// enc and dec adapt typed Append and Decode functions to values of type any.
func enc[T any](f func([]byte, T) []byte) func([]byte, any) []byte {
	return func(dst []byte, v any) []byte { return f(dst, v.(T)) }
}

func dec[T any](f func([]byte) (T, []byte, error)) func([]byte) (any, []byte, error) {
	return func(b []byte) (any, []byte, error) {
		v, rest, err := f(b)
		return v, rest, err
	}
}

func anyGen[T any](gens ...*rapid.Generator[T]) *rapid.Generator[any] {
	return rapid.Map(rapid.OneOf(gens...), func(v T) any { return v })
}

func identity(v any) any { return v }

func cmpOf[T cmp.Ordered](a, b any) int { return cmp.Compare(a.(T), b.(T)) }

func sameByCmp(c func(a, b any) int) func(got, want any) bool {
	return func(got, want any) bool { return c(got, want) == 0 }
}

// tricky bytes: the escape byte, the terminator, their inverses, and letters.
var trickyBytes = []byte{0x00, 0x01, 0x02, 0xFE, 0xFF, 'a', 'b'}

// byteStrings favours short values over a tiny alphabet, so that generated
// pairs often share prefixes or are equal, and escapes are common.
var byteStrings = rapid.OneOf(
	rapid.SliceOfN(rapid.SampledFrom(trickyBytes), 0, 4),
	rapid.SliceOfN(rapid.Byte(), 0, 40),
)

func signedEdges[T int32 | int64](lo, hi T) *rapid.Generator[T] {
	return rapid.SampledFrom([]T{lo, lo + 1, -1, 0, 1, hi - 1, hi})
}

func parseInt[T int32 | int64](bits int) func(string) (any, error) {
	return func(s string) (any, error) {
		v, err := strconv.ParseInt(s, 10, bits)
		return T(v), err
	}
}

func microsOf(v any) int64 { return v.(time.Time).UnixMicro() }

// decimalKind is a decimal(p,s) key column: values that fit it, drawn near
// its limits and written with more exponents than one (1.5 and 1.50), which
// decode with exponent -s.
func decimalKind(p, s int32) *kind {
	lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
	maxU := new(big.Int).Sub(lim, big.NewInt(1))
	unscaled := rapid.OneOf(
		rapid.SampledFrom([]string{"0", "1", "-1", maxU.String(), "-" + maxU.String(), "2", "-2"}),
		rapid.StringMatching(`-?[0-9]{1,3}`),
		rapid.StringMatching(fmt.Sprintf(`-?[0-9]{1,%d}`, p)),
	)
	build := func(u *big.Int, extra int32) apd.Decimal {
		u = new(big.Int).Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(extra)), nil))
		d := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(new(big.Int).Abs(u)), -s-extra)
		d.Negative = u.Sign() < 0
		return *d
	}
	return &kind{
		name: fmt.Sprintf("decimal(%d,%d)", p, s),
		gen: anyGen(rapid.Custom(func(t *rapid.T) apd.Decimal {
			u, _ := new(big.Int).SetString(unscaled.Draw(t, "unscaled"), 10)
			return build(u, rapid.Int32Range(0, 2).Draw(t, "extra"))
		})),
		asc:  func(dst []byte, v any) []byte { return AppendDecimal(dst, v.(apd.Decimal), p, s) },
		desc: func(dst []byte, v any) []byte { return AppendDecimalDesc(dst, v.(apd.Decimal), p, s) },
		dec: func(b []byte) (any, []byte, error) {
			v, rest, err := DecodeDecimal(b, p, s)
			return v, rest, err
		},
		decD: func(b []byte) (any, []byte, error) {
			v, rest, err := DecodeDecimalDesc(b, p, s)
			return v, rest, err
		},
		// The reference order: exact rationals.
		cmp: func(a, b any) int {
			x, y := a.(apd.Decimal), b.(apd.Decimal)
			rx, _ := new(big.Rat).SetString(x.String())
			ry, _ := new(big.Rat).SetString(y.String())
			return rx.Cmp(ry)
		},
		norm: func(v any) any {
			d := v.(apd.Decimal)
			r, _ := new(big.Rat).SetString(d.String())
			r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s)), nil)))
			return build(r.Num(), 0)
		},
		same: func(got, want any) bool {
			g, w := got.(apd.Decimal), want.(apd.Decimal)
			return g.Cmp(&w) == 0 && g.Exponent == -s && g.Negative == w.Negative
		},
		parse: func(str string) (any, error) {
			d, _, err := apd.NewFromString(str)
			if err != nil {
				return nil, err
			}
			return *d, nil
		},
		format: func(v any) string {
			d := v.(apd.Decimal)
			return d.String()
		},
	}
}

var kinds = []*kind{
	decimalKind(10, 2),
	decimalKind(38, 0),
	decimalKind(38, 38),
	{
		name: "string",
		gen:  anyGen(rapid.Map(byteStrings, func(b []byte) string { return string(b) })),
		asc:  enc(AppendString), desc: enc(AppendStringDesc),
		dec: dec(DecodeString), decD: dec(DecodeStringDesc),
		cmp: cmpOf[string], norm: identity,
		parse:  func(s string) (any, error) { return strconv.Unquote(s) },
		format: func(v any) string { return strconv.Quote(v.(string)) },
	},
	{
		name: "bytes",
		gen:  anyGen(byteStrings),
		asc:  enc(AppendBytes), desc: enc(AppendBytesDesc),
		dec: dec(DecodeBytes), decD: dec(DecodeBytesDesc),
		cmp:  func(a, b any) int { return bytes.Compare(a.([]byte), b.([]byte)) },
		norm: identity,
		same: func(got, want any) bool { return got.([]byte) != nil && bytes.Equal(got.([]byte), want.([]byte)) },
		parse: func(s string) (any, error) {
			u, err := strconv.Unquote(s)
			return []byte(u), err
		},
		format: func(v any) string { return strconv.Quote(string(v.([]byte))) },
	},
	{
		name: "bool",
		gen:  anyGen(rapid.Bool()),
		asc:  enc(AppendBool), desc: enc(AppendBoolDesc),
		dec: dec(DecodeBool), decD: dec(DecodeBoolDesc),
		cmp: func(a, b any) int {
			x, y := a.(bool), b.(bool)
			switch {
			case x == y:
				return 0
			case y:
				return -1
			}
			return 1
		},
		norm:   identity,
		parse:  func(s string) (any, error) { return strconv.ParseBool(s) },
		format: func(v any) string { return strconv.FormatBool(v.(bool)) },
	},
	{
		name: "int32",
		gen:  anyGen(signedEdges[int32](math.MinInt32, math.MaxInt32), rapid.Int32Range(-3, 3), rapid.Int32()),
		asc:  enc(AppendInt32), desc: enc(AppendInt32Desc),
		dec: dec(DecodeInt32), decD: dec(DecodeInt32Desc),
		cmp: cmpOf[int32], norm: identity,
		parse:  parseInt[int32](32),
		format: func(v any) string { return fmt.Sprint(v) },
	},
	{
		name: "int64",
		gen:  anyGen(signedEdges[int64](math.MinInt64, math.MaxInt64), rapid.Int64Range(-3, 3), rapid.Int64()),
		asc:  enc(AppendInt64), desc: enc(AppendInt64Desc),
		dec: dec(DecodeInt64), decD: dec(DecodeInt64Desc),
		cmp: cmpOf[int64], norm: identity,
		parse:  parseInt[int64](64),
		format: func(v any) string { return fmt.Sprint(v) },
	},
	{
		name: "uint64",
		gen: anyGen(rapid.SampledFrom([]uint64{0, 1, 2, 1 << 63, math.MaxUint64 - 1, math.MaxUint64}),
			rapid.Uint64Range(0, 3), rapid.Uint64()),
		asc: enc(AppendUint64), desc: enc(AppendUint64Desc),
		dec: dec(DecodeUint64), decD: dec(DecodeUint64Desc),
		cmp: cmpOf[uint64], norm: identity,
		parse:  func(s string) (any, error) { return strconv.ParseUint(s, 10, 64) },
		format: func(v any) string { return fmt.Sprint(v) },
	},
	{
		name: "timestamp",
		gen: anyGen(rapid.Custom(func(t *rapid.T) time.Time {
			us := rapid.OneOf(signedEdges[int64](math.MinInt64, math.MaxInt64), rapid.Int64Range(-3, 3), rapid.Int64()).Draw(t, "us")
			ns := rapid.Int64Range(0, 999).Draw(t, "ns") // dropped by the encoding
			zone := rapid.SampledFrom([]*time.Location{time.UTC, time.Local, time.FixedZone("X", -5*3600)}).Draw(t, "zone")
			return time.UnixMicro(us).Add(time.Duration(ns)).In(zone)
		})),
		asc: enc(AppendTimestamp), desc: enc(AppendTimestampDesc),
		dec: dec(DecodeTimestamp), decD: dec(DecodeTimestampDesc),
		cmp:  func(a, b any) int { return cmp.Compare(microsOf(a), microsOf(b)) },
		norm: func(v any) any { return time.UnixMicro(microsOf(v)).UTC() },
		same: func(got, want any) bool {
			g := got.(time.Time)
			return g.Location() == time.UTC && g.Equal(want.(time.Time))
		},
		parse:  func(s string) (any, error) { return time.Parse(time.RFC3339Nano, s) },
		format: func(v any) string { return v.(time.Time).Format(time.RFC3339Nano) },
	},
	{
		name: "duration",
		gen: anyGen(rapid.Map(rapid.OneOf(signedEdges[int64](math.MinInt64, math.MaxInt64), rapid.Int64Range(-3000, 3000), rapid.Int64()),
			func(n int64) time.Duration { return time.Duration(n) })),
		asc: enc(AppendDuration), desc: enc(AppendDurationDesc),
		dec: dec(DecodeDuration), decD: dec(DecodeDurationDesc),
		cmp: func(a, b any) int {
			return cmp.Compare(a.(time.Duration).Microseconds(), b.(time.Duration).Microseconds())
		},
		norm:   func(v any) any { return time.Duration(v.(time.Duration).Microseconds()) * time.Microsecond },
		parse:  func(s string) (any, error) { return time.ParseDuration(s) },
		format: func(v any) string { return v.(time.Duration).String() },
	},
	{
		name: "uuid",
		gen: anyGen(rapid.Map(rapid.OneOf(
			rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0x7F, 0xFF}), 16, 16),
			rapid.SliceOfN(rapid.Byte(), 16, 16),
		), func(b []byte) [16]byte { return [16]byte(b) })),
		asc: enc(AppendUUID), desc: enc(AppendUUIDDesc),
		dec: dec(DecodeUUID), decD: dec(DecodeUUIDDesc),
		cmp: func(a, b any) int {
			x, y := a.([16]byte), b.([16]byte)
			return bytes.Compare(x[:], y[:])
		},
		norm: identity,
		parse: func(s string) (any, error) {
			b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
			if err != nil || len(b) != 16 {
				return nil, fmt.Errorf("bad uuid %q", s)
			}
			return [16]byte(b), nil
		},
		format: func(v any) string {
			u := v.([16]byte)
			return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
		},
	},
	{
		name: "enum",
		gen:  anyGen(rapid.Int32Range(0, 4), signedEdges[int32](math.MinInt32, math.MaxInt32)),
		asc:  enc(AppendEnum), desc: enc(AppendEnumDesc),
		dec: dec(DecodeEnum), decD: dec(DecodeEnumDesc),
		cmp: cmpOf[int32], norm: identity,
		parse:  parseInt[int32](32),
		format: func(v any) string { return fmt.Sprint(v) },
	},
}

func init() {
	for _, k := range kinds {
		if k.same == nil {
			k.same = sameByCmp(k.cmp)
		}
	}
}

func kindByName(name string) *kind {
	for _, k := range kinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// column is one component of a tuple layout.
type column struct {
	k    *kind
	desc bool
}

func (c column) String() string {
	if c.desc {
		return c.k.name + "/desc"
	}
	return c.k.name
}

func (c column) encode(dst []byte, v any) []byte {
	if c.desc {
		return c.k.desc(dst, v)
	}
	return c.k.asc(dst, v)
}

func (c column) decode(b []byte) (any, []byte, error) {
	if c.desc {
		return c.k.decD(b)
	}
	return c.k.dec(b)
}

func (c column) compare(a, b any) int {
	if c.desc {
		return -c.k.cmp(a, b)
	}
	return c.k.cmp(a, b)
}

var columnGen = rapid.Custom(func(t *rapid.T) column {
	return column{
		k:    rapid.SampledFrom(kinds).Draw(t, "kind"),
		desc: rapid.Bool().Draw(t, "desc"),
	}
})

var layoutGen = rapid.SliceOfN(columnGen, 1, 4)

func drawTuple(t *rapid.T, layout []column, label string) []any {
	vs := make([]any, len(layout))
	for i, c := range layout {
		vs[i] = c.k.gen.Draw(t, fmt.Sprintf("%s[%d] %s", label, i, c))
	}
	return vs
}

func encodeTuple(layout []column, vs []any) []byte {
	var b []byte
	for i, c := range layout {
		b = c.encode(b, vs[i])
	}
	return b
}

// compareTuples is the typed reference order: component by component.
func compareTuples(layout []column, a, b []any) int {
	for i, c := range layout {
		if r := c.compare(a[i], b[i]); r != 0 {
			return r
		}
	}
	return 0
}

func unixNano(ns int64) time.Time     { return time.Unix(0, ns) }
func duration(ns int64) time.Duration { return time.Duration(ns) }
