// Package dec128 converts between apd.Decimal, the Go type of a decimal
// column, and the value every layer stores: the column's unscaled integer,
// a 128-bit two's-complement number (Arrow decimal128, Parquet's 16-byte
// DECIMAL). A decimal(p,s) column's value v is stored as v×10^s, which
// must be an integer of at most p digits; nothing is ever rounded.
package dec128

import (
	"fmt"
	"math"
	"math/big"

	"github.com/cockroachdb/apd/v3"
)

// MaxPrecision is the most digits a Num holds for every value: 10^38-1 <
// 2^127.
const MaxPrecision = 38

// Num is a 128-bit two's-complement integer: Hi holds the upper 64 bits
// (and the sign), Lo the lower.
type Num struct {
	Hi int64
	Lo uint64
}

var pow10 = func() (t [MaxPrecision + 1]*big.Int) {
	for i := range t {
		t[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return t
}()

// FromDecimal returns v's unscaled integer in a decimal(precision,scale)
// column, or an error saying why v does not fit: it is not finite, has
// more digits after the point than scale (it would need rounding) or more
// before it than precision-scale. precision must be 1..MaxPrecision and
// scale 0..precision.
func FromDecimal(v *apd.Decimal, precision, scale int32) (Num, error) {
	if v.Form != apd.Finite {
		return Num{}, fmt.Errorf("%s does not fit decimal(%d,%d): a decimal column holds finite numbers only", v.String(), precision, scale)
	}
	c := v.Coeff.MathBigInt()
	neg := v.Negative != (c.Sign() < 0) // apd wants Coeff >= 0; take the value as written anyway
	c.Abs(c)
	if c.Sign() == 0 {
		return Num{}, nil
	}
	tooBig := func() error {
		return fmt.Errorf("%s does not fit decimal(%d,%d): more than %d digits before the point", v.String(), precision, scale, precision-scale)
	}
	switch shift := int64(v.Exponent) + int64(scale); {
	case shift > int64(precision):
		return Num{}, tooBig()
	case shift > 0:
		c.Mul(c, pow10[shift])
	case shift < 0:
		k := -shift
		// c < 2^BitLen <= 10^(BitLen/3+1): a nonzero c below 10^k is not a
		// multiple of it.
		if k > int64(c.BitLen()/3+1) {
			return Num{}, fmt.Errorf("%s does not fit decimal(%d,%d): more than %d digits after the point; round it first", v.String(), precision, scale, scale)
		}
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil)
		if _, r := c.QuoRem(c, p, new(big.Int)); r.Sign() != 0 {
			return Num{}, fmt.Errorf("%s does not fit decimal(%d,%d): more than %d digits after the point; round it first", v.String(), precision, scale, scale)
		}
	}
	if c.Cmp(pow10[precision]) >= 0 {
		return Num{}, tooBig()
	}
	if neg {
		c.Neg(c)
	}
	n, _ := FromBig(c) // |c| < 10^38 < 2^127
	return n, nil
}

// Decimal returns n/10^scale, with exponent -scale, so a value reads back
// with the column's scale whatever exponent it was written with.
func (n Num) Decimal(scale int32) apd.Decimal {
	var d apd.Decimal
	if n.Hi == 0 && n.Lo <= math.MaxInt64 || n.Hi == -1 && n.Lo > math.MaxInt64 {
		d.SetFinite(int64(n.Lo), -scale)
		return d
	}
	b := n.Big()
	d.Negative = b.Sign() < 0
	d.Coeff.SetMathBigInt(b.Abs(b))
	d.Exponent = -scale
	return d
}

// Fits reports whether n has at most precision digits: |n| < 10^precision.
func (n Num) Fits(precision int32) bool {
	if precision < 0 || precision > MaxPrecision {
		return false
	}
	b := n.Big()
	return b.Abs(b).Cmp(pow10[precision]) < 0
}

// Big returns n as a big.Int.
func (n Num) Big() *big.Int {
	b := new(big.Int).SetUint64(uint64(n.Hi))
	b.Lsh(b, 64)
	b.Or(b, new(big.Int).SetUint64(n.Lo))
	if n.Hi < 0 {
		b.Sub(b, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return b
}

// FromBig returns b as a Num, and false when it needs more than 128 bits.
func FromBig(b *big.Int) (Num, bool) {
	if b.BitLen() > 127 && !(b.Sign() < 0 && b.BitLen() == 128 && b.TrailingZeroBits() == 127) {
		return Num{}, false
	}
	u := new(big.Int).Set(b)
	if b.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	lo := new(big.Int).And(u, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	hi := new(big.Int).Rsh(u, 64).Uint64()
	return Num{Hi: int64(hi), Lo: lo}, true
}

// Bytes16 returns n as 16 big-endian bytes.
func (n Num) Bytes16() (b [16]byte) {
	for i := range 8 {
		b[i] = byte(uint64(n.Hi) >> (56 - 8*i))
		b[8+i] = byte(n.Lo >> (56 - 8*i))
	}
	return b
}

// From16 reads 16 big-endian bytes.
func From16(b [16]byte) Num {
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return Num{Hi: int64(hi), Lo: lo}
}

// AppendMinimal appends n as the shortest big-endian two's-complement bytes
// that hold it (1 to 16; 0 is one zero byte), the form Parquet and Avro
// use for a variable-length decimal.
func (n Num) AppendMinimal(dst []byte) []byte {
	b := n.Bytes16()
	i := 0
	for i < 15 && (b[i] == 0 && b[i+1] < 0x80 || b[i] == 0xFF && b[i+1] >= 0x80) {
		i++
	}
	return append(dst, b[i:]...)
}

// FromMinimal reads 1 to 16 big-endian two's-complement bytes, and false
// for any other length or for bytes that are not the shortest form (which
// AppendMinimal never writes, so they are not a stored value).
func FromMinimal(b []byte) (Num, bool) {
	if len(b) < 1 || len(b) > 16 {
		return Num{}, false
	}
	if len(b) > 1 && (b[0] == 0 && b[1] < 0x80 || b[0] == 0xFF && b[1] >= 0x80) {
		return Num{}, false
	}
	var full [16]byte
	if b[0] >= 0x80 {
		for i := range full {
			full[i] = 0xFF
		}
	}
	copy(full[16-len(b):], b)
	return From16(full), true
}

// Cmp compares n and m as signed integers.
func (n Num) Cmp(m Num) int {
	switch {
	case n.Hi < m.Hi:
		return -1
	case n.Hi > m.Hi:
		return 1
	case n.Lo < m.Lo:
		return -1
	case n.Lo > m.Lo:
		return 1
	}
	return 0
}
