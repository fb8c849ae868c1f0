package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Result is one line of `go test -bench` output.
type Result struct {
	Pkg     string             // from the preceding "pkg:" line
	Name    string             // without "Benchmark" and the -GOMAXPROCS suffix
	Iters   int64              // b.N
	Metrics map[string]float64 // unit → value: "ns/op", "B/op", "ns/row", …
}

// Label returns the value of a key=value element of the name ("impl" in
// Read/impl=raw/op=Get), or "".
func (r *Result) Label(key string) string {
	for _, part := range strings.Split(r.Name, "/") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Top returns the first element of the name (the Benchmark function).
func (r *Result) Top() string {
	top, _, _ := strings.Cut(r.Name, "/")
	return top
}

// Header is what go test prints about the machine before the results.
type Header struct {
	GOOS, GOARCH, CPU string
}

var procsSuffix = regexp.MustCompile(`-[0-9]+$`)

// Parse reads `go test -bench` output (several runs may be concatenated)
// and returns its results in order. Lines that are not results (PASS, ok,
// logs) are skipped; a line that starts like a result but whose measurements
// do not parse is an error naming the line, so no sample is dropped silently.
func Parse(r io.Reader) ([]Result, Header, error) {
	var (
		out []Result
		hdr Header
		pkg string
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if k, v, ok := strings.Cut(text, ": "); ok {
			switch k {
			case "pkg":
				pkg = strings.TrimSpace(v)
				continue
			case "goos":
				hdr.GOOS = strings.TrimSpace(v)
				continue
			case "goarch":
				hdr.GOARCH = strings.TrimSpace(v)
				continue
			case "cpu":
				hdr.CPU = strings.TrimSpace(v)
				continue
			}
		}
		f := strings.Fields(text)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		iters, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue // a log line that happens to start with "Benchmark"
		}
		res := Result{
			Pkg:     pkg,
			Name:    procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), ""),
			Iters:   iters,
			Metrics: map[string]float64{},
		}
		if res.Name == "" || iters <= 0 {
			return nil, hdr, fmt.Errorf("line %d: %q: a result needs a name and a positive iteration count", line, text)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, hdr, fmt.Errorf("line %d: %q: measurement %q is not a number: %w", line, text, f[i], err)
			}
			res.Metrics[f[i+1]] = v
		}
		if _, ok := res.Metrics["ns/op"]; !ok {
			return nil, hdr, fmt.Errorf("line %d: %q: no ns/op measurement", line, text)
		}
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, hdr, fmt.Errorf("read benchmark output: %w", err)
	}
	return out, hdr, nil
}
