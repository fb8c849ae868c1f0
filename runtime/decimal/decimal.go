// Package decimal holds the Go type of a decimal column: an apd.Decimal
// (github.com/cockroachdb/apd/v3) whose text methods have value
// receivers. apd's String and MarshalText have pointer receivers, so an
// apd.Decimal field of an entity passed by value would print, and
// json.Marshal would encode, as its internal fields ({"Form":0,…}) instead
// of "12.50"; this type makes both work however the entity is passed.
// Arithmetic is apd's: use d.Decimal with an apd.Context.
package decimal

import (
	"github.com/cockroachdb/apd/v3"
)

// Decimal is a decimal column's value. Its zero value is 0.
type Decimal struct {
	apd.Decimal
}

// Parse reads a decimal in apd's syntax ("12.50", "-3", "1E+2").
func Parse(s string) (Decimal, error) {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return Decimal{}, err
	}
	return Decimal{*d}, nil
}

// String returns d in apd's text form: every digit of its exponent, so a
// value read from a decimal(12,2) column prints as 12.50.
func (d Decimal) String() string { return d.Decimal.String() }

// MarshalText is the text of String, so JSON holds decimals as exact
// strings; UnmarshalText (apd's) reads it back.
func (d Decimal) MarshalText() ([]byte, error) { return d.Decimal.MarshalText() }
