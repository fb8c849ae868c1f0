package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// profLine is one function of `go tool pprof -top` output.
type profLine struct {
	Flat float64 // percent of all samples
	Cum  float64
	Name string
}

// parseTop reads the function lines of `go tool pprof -top` output
// ("flat flat% sum% cum cum% name"), skipping header lines, with flat and
// cum as percentages of the listed samples.
func parseTop(text string) []profLine {
	var out []profLine
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[4], "%") {
			continue
		}
		flat, err1 := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		cum, err2 := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, profLine{Flat: flat, Cum: cum, Name: strings.Join(f[5:], " ")})
	}
	// pprof states percentages of every sample in the profile, also those
	// -tagfocus dropped; restate them as shares of the listed samples (all
	// of them when -nodecount is large), which is what a reader compares.
	var total float64
	for _, l := range out {
		total += l.Flat
	}
	if total > 0 {
		for i := range out {
			out[i].Flat = out[i].Flat * 100 / total
			out[i].Cum = min(out[i].Cum*100/total, 100)
		}
	}
	return out
}

// area groups a function into the part of the stack it belongs to.
func area(fn string) string {
	switch {
	case strings.HasPrefix(fn, "runtime.memmove"), strings.HasPrefix(fn, "runtime.memclr"):
		return "memory copies (runtime.memmove/memclr)"
	case strings.HasPrefix(fn, "internal/runtime/syscall"), strings.HasPrefix(fn, "syscall."), strings.HasPrefix(fn, "runtime/internal/syscall"):
		return "system calls (WAL/file I/O)"
	case fn == "cmpbody", fn == "memeqbody", strings.HasPrefix(fn, "internal/bytealg."), strings.HasPrefix(fn, "bytes.Compare"):
		return "byte comparisons (key compares)"
	case strings.HasPrefix(fn, "aeshash"), strings.HasPrefix(fn, "runtime.memhash"), strings.HasPrefix(fn, "internal/runtime/maps"), strings.Contains(fn, "cockroachdb/swiss"):
		return "hash maps"
	case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "internal/runtime/"), strings.HasPrefix(fn, "gcWriteBarrier"), strings.HasPrefix(fn, "sync/atomic"), strings.HasPrefix(fn, "sync."):
		return "Go runtime (allocation, GC, scheduling)"
	case strings.Contains(fn, "cockroachdb/pebble"):
		return "Pebble"
	case strings.Contains(fn, "dgraph-io/badger"), strings.Contains(fn, "dgraph-io/ristretto"):
		return "Badger"
	case strings.Contains(fn, "timshannon/badgerhold"):
		return "badgerhold"
	case strings.HasPrefix(fn, "encoding/gob"):
		return "encoding/gob"
	case strings.HasPrefix(fn, "encoding/json"):
		return "encoding/json"
	case strings.HasPrefix(fn, "reflect."):
		return "reflect"
	case strings.Contains(fn, "tablegen/runtime/store"):
		return "tablegen store (runtime/store)"
	case strings.Contains(fn, "tablegen/runtime/rowenc"), strings.Contains(fn, "tablegen/runtime/keyenc"),
		strings.Contains(fn, "tablegen/bench/generated"), strings.Contains(fn, "protobuf/encoding/protowire"):
		return "tablegen codecs (rowenc, keyenc, generated)"
	case strings.Contains(fn, "arrow-go/v18/parquet"):
		return "Parquet writer (arrow-go/parquet)"
	case strings.Contains(fn, "tablegen/runtime/flush"):
		return "tablegen flush (runtime/flush)"
	case strings.Contains(fn, "tablegen/runtime/scan"), strings.Contains(fn, "arrow-go"):
		return "scan provider / Arrow"
	case strings.Contains(fn, "tablegen/bench."):
		return "benchmark harness and adapters"
	case strings.HasPrefix(fn, "hash/crc32"), strings.Contains(fn, "xxhash"):
		return "checksums (crc32, xxhash)"
	case strings.Contains(fn, "snappy"), strings.Contains(fn, "zstd"), strings.Contains(fn, "klauspost/compress"):
		return "compression"
	}
	return "other"
}

type share struct {
	Area string
	Pct  float64
}

// summarize returns the flat time per area, largest first.
func summarize(lines []profLine) []share {
	by := map[string]float64{}
	for _, l := range lines {
		by[area(l.Name)] += l.Flat
	}
	return shares(by)
}

// shares turns area → percent into shares, largest first (ties by name).
func shares(by map[string]float64) []share {
	var out []share
	for a, p := range by {
		out = append(out, share{a, p})
	}
	slices.SortFunc(out, func(x, y share) int {
		if c := cmp.Compare(y.Pct, x.Pct); c != 0 {
			return c
		}
		return cmp.Compare(x.Area, y.Area)
	})
	return out
}

// profileSummary renders a pprof -top profile as a sentence of area shares
// plus the top functions by flat time.
func profileSummary(text string, top int) string {
	lines := parseTop(text)
	if len(lines) == 0 {
		return "(the profile has no function lines)\n"
	}
	var b strings.Builder
	var parts []string
	for _, s := range summarize(lines) {
		if s.Pct >= 1 {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", s.Area, s.Pct))
		}
	}
	fmt.Fprintf(&b, "Flat CPU time by area: %s.\n\n", strings.Join(parts, ", "))
	b.WriteString("| flat % | cum % | function |\n|---:|---:|---|\n")
	for i, l := range lines {
		if i == top {
			break
		}
		fmt.Fprintf(&b, "| %.1f | %.1f | `%s` |\n", l.Flat, l.Cum, l.Name)
	}
	return b.String()
}
