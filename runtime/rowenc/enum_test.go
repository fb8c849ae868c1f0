package rowenc_test

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/rowenc"
)

// TestEnumTextRoundTrip checks that every ordinal the names know goes to its
// name and back, and that any other ordinal is refused by EnumText (and
// spelled typ(n) by EnumString) instead of becoming text nobody can parse.
func TestEnumTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z_]{1,8}`), 1, 6, rapid.ID[string]).Draw(t, "names")
		ord := rapid.Int32Range(-2, int32(len(names))+2).Draw(t, "ordinal")
		text, err := rowenc.EnumText(names, "T", ord)
		if ord < 0 || int(ord) >= len(names) {
			if err == nil || !strings.Contains(err.Error(), "no value this build knows") {
				t.Fatalf("EnumText(%d) of %d names = %q, %v; want an error", ord, len(names), text, err)
			}
			if s := rowenc.EnumString(names, "T", ord); !strings.HasPrefix(s, "T(") {
				t.Fatalf("EnumString(%d) = %q, want T(n)", ord, s)
			}
			return
		}
		if err != nil || string(text) != names[ord] {
			t.Fatalf("EnumText(%d) = %q, %v; want %q", ord, text, err, names[ord])
		}
		back, err := rowenc.ParseEnum(names, "T", string(text))
		if err != nil || back != ord {
			t.Fatalf("ParseEnum(%q) = %d, %v; want %d", text, back, err, ord)
		}
	})
}
