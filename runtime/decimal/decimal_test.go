package decimal_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tablegen/tablegen/runtime/decimal"
)

// TestTextByValue: an entity holding decimals prints and marshals them as
// their text whether it is passed by value or by pointer, and the JSON
// reads back to the same numbers.
func TestTextByValue(t *testing.T) {
	type row struct {
		A decimal.Decimal  `json:"a"`
		B *decimal.Decimal `json:"b"`
	}
	a, err := decimal.Parse("12.50")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := decimal.Parse("-0.5")
	r := row{A: a, B: &b}
	for _, v := range []any{r, &r} {
		got, err := json.Marshal(v)
		if err != nil || string(got) != `{"a":"12.50","b":"-0.5"}` {
			t.Fatalf("json.Marshal(%T) = %s, %v", v, got, err)
		}
	}
	if got := fmt.Sprint(r.A, " ", r); got != "12.50 {12.50 -0.5}" {
		t.Fatalf("fmt.Sprint = %q", got)
	}
	var back row
	if err := json.Unmarshal([]byte(`{"a":"12.50","b":"-0.5"}`), &back); err != nil || back.A.Cmp(&a.Decimal) != 0 || back.B.Cmp(&b.Decimal) != 0 {
		t.Fatalf("json.Unmarshal: %+v, %v", back, err)
	}
	if _, err := decimal.Parse("twelve"); err == nil {
		t.Fatal("Parse accepted twelve")
	}
}
