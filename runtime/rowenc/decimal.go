package rowenc

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
)

// maxDecimalBytes is the longest stored decimal: a 128-bit integer.
const maxDecimalBytes = 16

// AppendDecimal appends v as a decimal(precision,scale) column: a
// length-delimited field holding v×10^scale, an integer of at most
// precision digits, in the shortest big-endian two's-complement form (1 to
// 16 bytes, as Parquet and Avro store decimals). Nothing is rounded.
//
// A value the column cannot hold (more digits after the point than scale,
// more digits than precision, NaN or an infinity) is written instead as
// its text, padded with leading spaces to more than 16 bytes: a field no
// decoder reads as a decimal, which a [Checker] reports by that text, and
// the store refuses to write.
func AppendDecimal(b []byte, tag protowire.Number, v apd.Decimal, precision, scale int32) []byte {
	n, err := dec128.FromDecimal(&v, precision, scale)
	b = protowire.AppendTag(b, tag, protowire.BytesType)
	if err != nil {
		s := v.String()
		if pad := maxDecimalBytes + 1 - len(s); pad > 0 {
			s = strings.Repeat(" ", pad) + s
		}
		return protowire.AppendString(b, s)
	}
	var buf [maxDecimalBytes]byte
	return protowire.AppendBytes(b, n.AppendMinimal(buf[:0]))
}

// Decimal returns the current length-delimited field as a decimal of the
// given scale (exponent -scale). Whether it has at most the column's
// precision digits is the [Checker]'s business.
func (d *Decoder) Decimal(scale int32) apd.Decimal {
	if !d.want(accDecimal) {
		return apd.Decimal{}
	}
	n, ok := dec128.FromMinimal(d.value())
	if !ok {
		d.setErr(corruptf("field %d: decimal value %q is not 1 to %d bytes of a shortest two's-complement integer", d.tag, d.value(), maxDecimalBytes))
		return apd.Decimal{}
	}
	return n.Decimal(scale)
}
