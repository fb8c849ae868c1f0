package rowenc

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"pgregory.net/rapid"
)

// drawDecimal draws a decimal near the limits of decimal(p,s): a
// coefficient of up to p+3 digits and an exponent around -s, negative or
// not, now and then NaN or an infinity.
func drawDecimal(t *rapid.T, p, s int32) *apd.Decimal {
	switch rapid.IntRange(0, 40).Draw(t, "form") {
	case 0:
		return &apd.Decimal{Form: apd.NaN}
	case 1:
		return &apd.Decimal{Form: apd.Infinite, Negative: rapid.Bool().Draw(t, "neg")}
	}
	digits := rapid.StringMatching(`[0-9]{1,41}`).Draw(t, "digits")
	if n := int(p) + 3; len(digits) > n {
		digits = digits[:n]
	}
	c, _ := new(big.Int).SetString(digits, 10)
	e := rapid.Int32Range(-s-3, 3).Draw(t, "exp")
	d := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(c), e)
	d.Negative = rapid.Bool().Draw(t, "neg")
	return d
}

// fitsModel is the rule written with exact rationals: v×10^s is an integer
// of at most p digits.
func fitsModel(v *apd.Decimal, p, s int32) (*big.Int, bool) {
	if v.Form != apd.Finite {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(v.String())
	if !ok {
		panic("unparsable " + v.String())
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s)), nil)))
	if !r.IsInt() {
		return nil, false
	}
	u := r.Num()
	lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
	return u, new(big.Int).Abs(u).Cmp(lim) < 0
}

// TestDecimalCodecModel: a decimal that fits its column reads back as the
// same number with the column's scale; one that does not is refused by the
// Checker naming the column and the value, and never decodes.
func TestDecimalCodecModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.Int32Range(1, 38).Draw(t, "precision")
		s := rapid.Int32Range(0, p).Draw(t, "scale")
		v := drawDecimal(t, p, s)
		check := NewChecker([]Column{{Tag: 7, Name: "amount", Type: "decimal", Precision: p, Scale: s}})
		row := AppendDecimal(nil, 7, *v, p, s)
		want, fits := fitsModel(v, p, s)
		err := check.Check(row)
		d := NewDecoder(row)
		if !d.Next() {
			t.Fatalf("no field in %x", row)
		}
		got := d.Decimal(s)
		if !fits {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Column != "amount" || !strings.Contains(ve.Problem, v.String()) {
				t.Fatalf("decimal(%d,%d) %s: Check = %v, want a ValueError naming amount and the value", p, s, v, err)
			}
			if d.Err() == nil {
				t.Fatalf("decimal(%d,%d) %s decoded as %s", p, s, v, got.String())
			}
			return
		}
		if err != nil || d.Err() != nil {
			t.Fatalf("decimal(%d,%d) %s: Check %v, decode %v", p, s, v, err, d.Err())
		}
		if got.Cmp(v) != 0 || got.Exponent != -s {
			t.Fatalf("decimal(%d,%d) %s read back as %s", p, s, v, got.String())
		}
		back, _ := fitsModel(&got, p, s)
		if back.Cmp(want) != 0 {
			t.Fatalf("unscaled %s, want %s", back, want)
		}
	})
}

// TestDecimalCheckerPrecision: an integer stored under a wider precision
// is refused by a Checker of the narrower one, naming the value.
func TestDecimalCheckerPrecision(t *testing.T) {
	row := AppendDecimal(nil, 2, *apd.New(123456, -2), 10, 2)
	if err := NewChecker([]Column{{Tag: 2, Name: "amount", Type: "decimal", Precision: 10, Scale: 2}}).Check(row); err != nil {
		t.Fatal(err)
	}
	err := NewChecker([]Column{{Tag: 2, Name: "amount", Type: "decimal", Precision: 5, Scale: 2}}).Check(row)
	if err == nil || !strings.Contains(err.Error(), "column amount (tag 2): value 1234.56 does not fit decimal(5,2)") {
		t.Fatalf("Check = %v", err)
	}
}

// TestDecimalDecodeMalformed: stored bytes that are not a shortest
// two's-complement integer of at most 16 bytes are corrupt, not a value.
func TestDecimalDecodeMalformed(t *testing.T) {
	for _, v := range [][]byte{{}, {0, 1}, {0xFF, 0x80}, make([]byte, 17)} {
		row := AppendBytes(nil, 1, v)
		d := NewDecoder(row)
		d.Next()
		if x := d.Decimal(2); d.Err() == nil || !errors.Is(d.Err(), ErrCorrupt) {
			t.Errorf("%x: read %s, err %v", v, x.String(), d.Err())
		}
	}
}
