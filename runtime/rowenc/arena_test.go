package rowenc

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/decimal"
)

// Named types like the ones generated fields have: enums and go_types.
type (
	arenaStatus int32
	arenaCents  int64
	arenaText   string
)

// arenaVals is one row's worth of pointers from the New functions, of every
// slab type (and named types sharing a slab with their underlying type).
type arenaVals struct {
	b   *bool
	i32 *int32
	st  *arenaStatus
	i64 *int64
	c   *arenaCents
	d   *time.Duration
	u64 *uint64
	f   *float64
	s   *string
	txt *arenaText
	id  *uuid.UUID
	ts  *time.Time
	dec *decimal.Decimal
}

func newArenaVals(a *Arena, i int) arenaVals {
	dec, err := decimal.Parse(fmt.Sprintf("%d.25", i))
	if err != nil {
		panic(err)
	}
	return arenaVals{
		b: NewBool(a, i%2 == 0), i32: NewInt32(a, int32(i)), st: NewInt32(a, arenaStatus(i%3)),
		i64: NewInt64(a, int64(i)*7), c: NewInt64(a, arenaCents(i)), d: NewInt64(a, time.Duration(i)*time.Second),
		u64: NewUint64(a, uint64(i)<<40), f: NewFloat64(a, float64(i)/4), s: NewString(a, fmt.Sprint("s", i)),
		txt: NewString(a, arenaText(fmt.Sprint("t", i))), id: NewUUID(a, uuid.UUID{byte(i), byte(i >> 8), 1}),
		ts: NewTimestamp(a, time.UnixMicro(int64(i)*1e6).UTC()), dec: NewDecimal(a, dec),
	}
}

// check reports the first pointer whose target is not what newArenaVals(i)
// stored.
func (v arenaVals) check(i int) error {
	want := newArenaVals(nil, i)
	switch {
	case *v.b != *want.b, *v.i32 != *want.i32, *v.st != *want.st, *v.i64 != *want.i64, *v.c != *want.c,
		*v.d != *want.d, *v.u64 != *want.u64, *v.f != *want.f, *v.s != *want.s, *v.txt != *want.txt,
		*v.id != *want.id, !v.ts.Equal(*want.ts), v.dec.Cmp(&want.dec.Decimal) != 0:
		return fmt.Errorf("values %d: got %v %v %v %v %v %v %v %v %q %q %v %v %v", i, *v.b, *v.i32, *v.st, *v.i64, *v.c,
			*v.d, *v.u64, *v.f, *v.s, *v.txt, *v.id, *v.ts, v.dec)
	}
	return nil
}

// TestArenaNeverReusesASlot keeps every pointer an arena hands out, more
// than a slab's worth of each type, and checks at the end that each still
// holds its own value: a slot handed out twice would show another value.
func TestArenaNeverReusesASlot(t *testing.T) {
	for _, a := range []*Arena{new(Arena), nil} {
		const n = 3*arenaSlab + 5
		kept := make([]arenaVals, n)
		for i := range n {
			kept[i] = newArenaVals(a, i)
		}
		for i, v := range kept {
			if err := v.check(i); err != nil {
				t.Fatalf("arena %p: %v", a, err)
			}
		}
		if kept[0].s == kept[1].s || kept[arenaSlab-1].i64 == kept[arenaSlab].i64 {
			t.Fatalf("arena %p: two values share a pointer", a)
		}
	}
}

// TestArenaAllocatesPerSlab checks that an arena allocates once per slab,
// not once per value, and that a nil arena allocates once per value.
func TestArenaAllocatesPerSlab(t *testing.T) {
	const n = 10 * arenaSlab
	strs, ints := make([]*string, n), make([]*int64, n) // kept, so that nothing is optimized away
	got := testing.AllocsPerRun(5, func() {
		var a Arena
		for i := range n {
			strs[i] = NewString(&a, "x")
			ints[i] = NewInt64(&a, int64(i))
		}
	})
	if want := float64(2*n/arenaSlab + 1); got > want { // + the arena itself
		t.Errorf("%d strings and %d int64s from an arena: %v allocations; want at most %v", n, n, got, want)
	}
	got = testing.AllocsPerRun(5, func() {
		for i := range n {
			strs[i] = NewString[string](nil, "x")
			ints[i] = NewInt64[int64](nil, int64(i))
		}
	})
	if got != 2*n {
		t.Errorf("%d strings and %d int64s without an arena: %v allocations; want %d", n, n, got, 2*n)
	}
}

// TestArenaCopy checks the row buffers: each a copy, none able to reach its
// neighbour through an append, big rows and a nil arena on their own.
func TestArenaCopy(t *testing.T) {
	var a Arena
	src := []byte("row-one")
	one := a.Copy(src)
	two := a.Copy([]byte("row-two"))
	src[0] = 'X'
	if string(one) != "row-one" || cap(one) != len(one) {
		t.Fatalf("Copy = %q (cap %d); want its own copy of row-one, capacity ending with it", one, cap(one))
	}
	_ = append(one, "!!!"...)
	if string(two) != "row-two" {
		t.Fatalf("an append to the first row overwrote the second: %q", two)
	}
	if &one[0] == &two[0] {
		t.Fatal("two rows share a buffer")
	}
	big := make([]byte, arenaChunk/4+1)
	if b := a.Copy(big); &b[0] == &big[0] || len(b) != len(big) {
		t.Fatal("a big row was not copied")
	}
	var none *Arena
	if b := none.Copy(src); string(b) != string(src) || &b[0] == &src[0] {
		t.Fatalf("nil Arena Copy = %q; want a copy of %q", b, src)
	}
}
