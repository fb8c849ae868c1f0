package keyenc

import (
	"fmt"
	"math/big"

	"github.com/cockroachdb/apd/v3"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
)

// invalidDecimal is what a value a decimal(p,s) column cannot hold encodes
// as: 10^38, which no stored key holds (every stored value is below
// 10^p <= 10^38, the Checker refuses the rest), so a lookup of such a value
// finds nothing rather than another row.
var invalidDecimal = func() [16]byte {
	n, _ := dec128.FromBig(new(big.Int).Exp(big.NewInt(10), big.NewInt(dec128.MaxPrecision), nil))
	return flipSign(n.Bytes16())
}()

func flipSign(b [16]byte) [16]byte {
	b[0] ^= 0x80
	return b
}

// AppendDecimal appends v as a decimal(precision,scale) key column: the
// unscaled integer v×10^scale as 16 big-endian bytes of two's complement
// with the sign bit flipped. The scale is fixed per column, so integer
// order is numeric order, and 1.5 and 1.50 encode alike. A value the
// column cannot hold (see rowenc.AppendDecimal) encodes as 10^38, a key no
// stored row has.
func AppendDecimal(dst []byte, v apd.Decimal, precision, scale int32) []byte {
	n, err := dec128.FromDecimal(&v, precision, scale)
	if err != nil {
		b := invalidDecimal
		return append(dst, b[:]...)
	}
	b := flipSign(n.Bytes16())
	return append(dst, b[:]...)
}

// AppendDecimalDesc appends the inverse of AppendDecimal, so larger values
// sort first.
func AppendDecimalDesc(dst []byte, v apd.Decimal, precision, scale int32) []byte {
	n := len(dst)
	dst = AppendDecimal(dst, v, precision, scale)
	invert(dst[n:])
	return dst
}

// DecodeDecimal decodes an AppendDecimal encoding of a decimal(precision,
// scale) column; the value has exponent -scale. An integer of more than
// precision digits is malformed.
func DecodeDecimal(b []byte, precision, scale int32) (apd.Decimal, []byte, error) {
	return decodeDecimal(b, precision, scale, false)
}

// DecodeDecimalDesc decodes an AppendDecimalDesc encoding.
func DecodeDecimalDesc(b []byte, precision, scale int32) (apd.Decimal, []byte, error) {
	return decodeDecimal(b, precision, scale, true)
}

func decodeDecimal(b []byte, precision, scale int32, desc bool) (apd.Decimal, []byte, error) {
	typ := fmt.Sprintf("decimal(%d,%d)", precision, scale)
	if desc {
		typ += " (desc)"
	}
	if len(b) < 16 {
		return apd.Decimal{}, nil, truncated(typ, 16, len(b))
	}
	raw := [16]byte(b[:16])
	if desc {
		invert(raw[:])
	}
	n := dec128.From16(flipSign(raw))
	if !n.Fits(precision) {
		return apd.Decimal{}, nil, malformed(typ, "%s has more than %d digits", n.Big(), precision)
	}
	return n.Decimal(scale), b[16:], nil
}
