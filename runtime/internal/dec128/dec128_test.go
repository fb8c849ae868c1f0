package dec128

import (
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

// drawBig draws an integer of up to 128 bits, edges included.
func drawBig(t *rapid.T) *big.Int {
	two127 := new(big.Int).Lsh(big.NewInt(1), 127)
	edges := []*big.Int{big.NewInt(0), big.NewInt(-1), big.NewInt(127), big.NewInt(128), big.NewInt(-128), big.NewInt(-129),
		new(big.Int).Neg(two127), new(big.Int).Sub(two127, big.NewInt(1)), new(big.Int).Sub(pow10[38], big.NewInt(1))}
	if rapid.Bool().Draw(t, "edge") {
		return new(big.Int).Set(rapid.SampledFrom(edges).Draw(t, "v"))
	}
	b := new(big.Int).SetBytes(rapid.SliceOfN(rapid.Byte(), 0, 16).Draw(t, "bytes"))
	if b.Cmp(two127) >= 0 {
		b.Sub(b, two127)
	}
	if rapid.Bool().Draw(t, "neg") {
		b.Neg(b)
	}
	return b
}

// TestNumModel: Num agrees with big.Int: FromBig and Big round trip, Cmp
// is integer order, the shortest bytes round trip and FromMinimal takes
// no other form, and Fits is |n| < 10^p.
func TestNumModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := drawBig(t), drawBig(t)
		na, ok1 := FromBig(a)
		nb, ok2 := FromBig(b)
		if !ok1 || !ok2 || na.Big().Cmp(a) != 0 || nb.Big().Cmp(b) != 0 {
			t.Fatalf("round trip %s → %v → %s", a, na, na.Big())
		}
		if got := na.Cmp(nb); got != a.Cmp(b) {
			t.Fatalf("Cmp(%s, %s) = %d", a, b, got)
		}
		min := na.AppendMinimal(nil)
		if back, ok := FromMinimal(min); !ok || back != na {
			t.Fatalf("%s: minimal %x reads as %v, %v", a, min, back, ok)
		}
		if len(min) < 16 {
			padded := append([]byte{0}, min...)
			if a.Sign() < 0 {
				padded[0] = 0xFF
			}
			if _, ok := FromMinimal(padded); ok {
				t.Fatalf("%s: non-shortest %x accepted", a, padded)
			}
		}
		p := rapid.Int32Range(0, MaxPrecision).Draw(t, "p")
		if got, want := na.Fits(p), new(big.Int).Abs(a).Cmp(pow10[p]) < 0; got != want {
			t.Fatalf("Fits(%s, %d) = %v", a, p, got)
		}
	})
	if _, ok := FromBig(new(big.Int).Lsh(big.NewInt(1), 127)); ok {
		t.Fatal("2^127 fits 128 bits")
	}
}
