package tabletest

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/runtime/scan"
)

var update = flag.Bool("update", false, "rewrite testdata/draws.txtar with the generators' current output")

// drawCount is how many values of each generator the golden file pins.
const drawCount = 16

// TestDraws pins, in testdata/draws.txtar, the first values every generator
// returns for a fixed seed. Generated tests are seeded with constants, so
// their data is exactly these sequences: a change to a generator's draws
// changes every generated test's data, and this test makes that change
// visible in review. Run with -update to accept a change on purpose.
func TestDraws(t *testing.T) {
	const path = "testdata/draws.txtar"
	sections := []struct {
		name string
		draw func(r *rand.Rand) any
	}{
		{"bool", func(r *rand.Rand) any { return RandomBool(r) }},
		{"int32", func(r *rand.Rand) any { return RandomInt32(r) }},
		{"int64", func(r *rand.Rand) any { return RandomInt64(r) }},
		{"uint64", func(r *rand.Rand) any { return RandomUint64(r) }},
		{"float64", func(r *rand.Rand) any { return RandomFloat64(r) }},
		{"string", func(r *rand.Rand) any { return RandomString(r) }},
		{"bytes", func(r *rand.Rand) any { return RandomBytes(r) }},
		{"json", func(r *rand.Rand) any { return string(RandomJSON(r)) }},
		{"timestamp", func(r *rand.Rand) any { return RandomTimestamp(r) }},
		{"duration", func(r *rand.Rand) any { return RandomDuration(r) }},
		{"uuid", func(r *rand.Rand) any { return RandomUUID(r) }},
		{"enum of 3", func(r *rand.Rand) any { return RandomEnum(r, 3) }},
		{"request", func(r *rand.Rand) any {
			leaf := func() scan.Expr { return RandomTextPredicate(r, "name", RandomString(r)) }
			return DescribeRequest(RandomRequest(r, []string{"id", "name", "n"}, leaf))
		}},
	}
	ar := &txtar.Archive{Comment: []byte("The first values of each generator for rand.New(rand.NewPCG(1, 2)).\nStrings and bytes over 40 bytes are shown by their start and length.\n")}
	for _, s := range sections {
		r := rand.New(rand.NewPCG(1, 2))
		var b strings.Builder
		for range drawCount {
			fmt.Fprintln(&b, show(s.draw(r)))
		}
		ar.Files = append(ar.Files, txtar.File{Name: s.name, Data: []byte(b.String())})
	}
	got := txtar.Format(ar)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
		for i := range min(len(wl), len(gl)) {
			if wl[i] != gl[i] {
				t.Fatalf("%s line %d: got %s, want %s\n(a generator draws differently now, which changes the data of every generated test; if that is intended, run go test -update and review the diff)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: got %d lines, want %d (run go test -update and review the diff)", path, len(gl), len(wl))
	}
}

// show formats a drawn value on one line; strings and byte slices over 40
// bytes by their start and length, so that the file stays readable.
func show(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 40 {
			return fmt.Sprintf("%q… (%d bytes)", string([]rune(v)[:8]), len(v))
		}
		return fmt.Sprintf("%q", v)
	case []byte:
		if len(v) > 40 {
			return fmt.Sprintf("%x… (%d bytes)", v[:8], len(v))
		}
		return fmt.Sprintf("%x", v)
	}
	return fmt.Sprint(v)
}
