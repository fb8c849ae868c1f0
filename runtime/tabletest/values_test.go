package tabletest

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// draws is how many values each property draws per seed: enough that every
// special case (at least one draw in ten) shows up for any seed.
const draws = 2000

// seeded returns a generator seeded by rapid, so that the properties hold
// for every seed, not just the ones generated tests happen to use.
func seeded(t *rapid.T) *rand.Rand {
	return rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed1"), rapid.Uint64().Draw(t, "seed2")))
}

// seen records which special values a generator produced, to check that it
// covers all of them.
type seen map[string]bool

func (s seen) require(t *rapid.T, what string, names ...string) {
	for _, n := range names {
		if !s[n] {
			t.Fatalf("%s: %d draws never returned %s", what, draws, n)
		}
	}
}

func TestRandomIntegers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			switch RandomInt32(r) {
			case 0:
				s["int32 0"] = true
			case math.MinInt32:
				s["int32 min"] = true
			case math.MaxInt32:
				s["int32 max"] = true
			}
			switch v := RandomInt64(r); v {
			case 0:
				s["int64 0"] = true
			case math.MinInt64:
				s["int64 min"] = true
			case math.MaxInt64:
				s["int64 max"] = true
			}
			switch v := RandomUint64(r); v {
			case 0:
				s["uint64 0"] = true
			case 1:
				s["uint64 1"] = true
			case math.MaxUint64:
				s["uint64 max"] = true
			}
		}
		s.require(t, "RandomInt32", "int32 0", "int32 min", "int32 max")
		s.require(t, "RandomInt64", "int64 0", "int64 min", "int64 max")
		s.require(t, "RandomUint64", "uint64 0", "uint64 1", "uint64 max")
	})
}

func TestRandomFloat64(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			v := RandomFloat64(r)
			switch {
			case math.IsNaN(v):
				s["NaN"] = true
			case math.IsInf(v, 1):
				s["+Inf"] = true
			case math.IsInf(v, -1):
				s["-Inf"] = true
			case v == 0 && math.Signbit(v):
				s["-0"] = true
			case v == 0:
				s["0"] = true
			case v == math.MaxFloat64:
				s["max"] = true
			case v == math.SmallestNonzeroFloat64:
				s["smallest"] = true
			}
			// What the row codec keeps is the bits, NaN payloads included.
			d := rowenc.NewDecoder(rowenc.AppendFloat64(nil, 1, v))
			if !d.Next() || math.Float64bits(d.Float64()) != math.Float64bits(v) || d.Err() != nil {
				t.Fatalf("%v (bits %x) does not survive the row codec: %v", v, math.Float64bits(v), d.Err())
			}
		}
		s.require(t, "RandomFloat64", "NaN", "+Inf", "-Inf", "-0", "0", "max", "smallest")
	})
}

func TestRandomString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			v := RandomString(r)
			if !utf8.ValidString(v) {
				t.Fatalf("%q is not valid UTF-8", v)
			}
			switch {
			case v == "":
				s["empty"] = true
			case len(v) >= 300:
				s["long"] = true
			case v == "\x00":
				s["NUL"] = true
			case utf8.RuneCountInString(v) != len(v):
				s["multi-byte"] = true
			}
			got, rest, err := keyenc.DecodeString(keyenc.AppendString(nil, v))
			if err != nil || got != v || len(rest) != 0 {
				t.Fatalf("%q does not survive the key encoding: got %q, rest %x, error %v", v, got, rest, err)
			}
		}
		s.require(t, "RandomString", "empty", "long", "NUL", "multi-byte")
	})
}

func TestRandomBytes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			v := RandomBytes(r)
			if v == nil {
				t.Fatal("RandomBytes returned nil; a nil slice means null in a nullable column")
			}
			switch {
			case len(v) == 0:
				s["empty"] = true
			case len(v) >= 300:
				s["long"] = true
			case bytes.Contains(v, []byte{0xff, 0}):
				s["0xff 0x00"] = true
			}
			got, rest, err := keyenc.DecodeBytes(keyenc.AppendBytes(nil, v))
			if err != nil || !bytes.Equal(got, v) || len(rest) != 0 {
				t.Fatalf("%x does not survive the key encoding: got %x, rest %x, error %v", v, got, rest, err)
			}
		}
		s.require(t, "RandomBytes", "empty", "long", "0xff 0x00")
	})
}

func TestRandomJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			v := RandomJSON(r)
			if v == nil || !json.Valid(v) {
				t.Fatalf("RandomJSON returned %q; want a valid, non-nil document", v)
			}
			s[string(v)] = true
		}
		s.require(t, "RandomJSON", jsonDocs...)
	})
}

func TestRandomTimestamp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			v := RandomTimestamp(r)
			switch {
			case v.IsZero():
				s["zero"] = true
			case v.Equal(time.Unix(0, 0)):
				s["epoch"] = true
			case v.Equal(time.Unix(0, -1000)):
				s["before epoch"] = true
			case v.Equal(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)):
				s["max"] = true
			}
			if !v.IsZero() && v.Location() != time.UTC {
				t.Fatalf("%v is not in UTC", v)
			}
			if v.Nanosecond()%1000 != 0 || v.Year() < 1 || v.Year() > 9999 {
				t.Fatalf("%v is not a microsecond between years 1 and 9999", v)
			}
			got, _, err := keyenc.DecodeTimestamp(keyenc.AppendTimestamp(nil, v))
			if err != nil || !got.Equal(v) {
				t.Fatalf("%v does not survive the key encoding: got %v, error %v", v, got, err)
			}
		}
		s.require(t, "RandomTimestamp", "zero", "epoch", "before epoch", "max")
	})
}

func TestRandomDuration(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			v := RandomDuration(r)
			switch {
			case v == 0:
				s["0"] = true
			case v == maxDurationMicros*time.Microsecond:
				s["max"] = true
			case v == -maxDurationMicros*time.Microsecond:
				s["min"] = true
			case v < 0 && v > -time.Millisecond:
				s["small negative"] = true
			}
			if v%time.Microsecond != 0 {
				t.Fatalf("%v is not a whole number of microseconds", v)
			}
			got, _, err := keyenc.DecodeDuration(keyenc.AppendDuration(nil, v))
			if err != nil || got != v {
				t.Fatalf("%v does not survive the key encoding: got %v, error %v", v, got, err)
			}
		}
		s.require(t, "RandomDuration", "0", "max", "min", "small negative")
	})
}

func TestRandomUUID(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		s := seen{}
		for range draws {
			switch v := RandomUUID(r); v {
			case uuid.Nil:
				s["Nil"] = true
			case uuid.Max:
				s["Max"] = true
			default:
				s["other"] = true
			}
		}
		s.require(t, "RandomUUID", "Nil", "Max", "other")
	})
}

func TestRandomEnum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := seeded(t)
		n := rapid.IntRange(-1, 20).Draw(t, "n")
		s := seen{}
		for range draws {
			v := int(RandomEnum(r, n))
			declared := max(n, 0)
			if v < 0 || v >= declared+3 {
				t.Fatalf("RandomEnum(r, %d) = %d; want an ordinal in [0, %d)", n, v, declared+3)
			}
			if v < declared {
				s["declared"] = true
			} else {
				s["undeclared"] = true
			}
		}
		if n > 0 {
			s.require(t, "RandomEnum", "declared")
		}
		s.require(t, "RandomEnum", "undeclared")
	})
}

// TestCompareBool checks CompareBool against the key encoding's byte order
// on all four pairs.
func TestCompareBool(t *testing.T) {
	for _, a := range []bool{false, true} {
		for _, b := range []bool{false, true} {
			want := bytes.Compare(keyenc.AppendBool(nil, a), keyenc.AppendBool(nil, b))
			if got := CompareBool(a, b); got != want {
				t.Errorf("CompareBool(%v, %v) = %d; the key encoding orders them %d", a, b, got, want)
			}
		}
	}
}

// TestCompareUUID checks CompareUUID against the key encoding's byte order.
func TestCompareUUID(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.Custom(func(t *rapid.T) uuid.UUID {
			var u uuid.UUID
			// Few distinct bytes, so that equal UUIDs and long common prefixes occur.
			for i := range u {
				u[i] = rapid.SampledFrom([]byte{0, 1, 0xfe, 0xff}).Draw(t, "byte")
			}
			return u
		})
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		want := bytes.Compare(keyenc.AppendUUID(nil, a), keyenc.AppendUUID(nil, b))
		if got := CompareUUID(a, b); got != want {
			t.Fatalf("CompareUUID(%v, %v) = %d; the key encoding orders them %d", a, b, got, want)
		}
	})
}
