package main

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestInspectDecimalText: decimals print with every digit of their scale
// in table and CSV output, and as the same exact text (a JSON string) in
// JSON, so no float ever rounds money.
func TestInspectDecimalText(t *testing.T) {
	b := array.NewDecimal128Builder(memory.NewGoAllocator(), &arrow.Decimal128Type{Precision: 38, Scale: 2})
	defer b.Release()
	b.Append(decimal128.FromI64(1250))
	b.Append(decimal128.FromI64(-5))
	b.AppendNull()
	big, err := decimal128.FromString("99999999999999999999999999999999999.99", 38, 2)
	if err != nil {
		t.Fatal(err)
	}
	b.Append(big)
	a := b.NewArray()
	defer a.Release()
	for i, want := range []struct{ text, json string }{
		{"12.50", `"12.50"`}, {"-0.05", `"-0.05"`}, {"NULL", "null"},
		{"99999999999999999999999999999999999.99", `"99999999999999999999999999999999999.99"`},
	} {
		if got := textValue(a, i, "NULL"); got != want.text {
			t.Errorf("row %d: text %q, want %q", i, got, want.text)
		}
		if got, err := jsonValue(a, i); err != nil || string(got) != want.json {
			t.Errorf("row %d: json %s (%v), want %s", i, got, err, want.json)
		}
	}
}
