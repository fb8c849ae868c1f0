package main

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want.md sections of testdata/*.txtar")

// TestRenderGolden renders each testdata/*.txtar archive's bench.txt (and
// runtime.txt, profile-*.top.txt, findings.md when present) and compares the
// result with its want.md. Run with -update to accept new output.
func TestRenderGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			in := &Input{
				Machine:  Machine{CPU: "Test CPU @ 1.00GHz", Cores: 2, GoVersion: "go version go1.26.8 linux/amd64"},
				Command:  "scripts/bench.sh 2",
				Rows:     100000,
				Profiles: map[string]string{},
				Chart:    "docs/bench.png",
			}
			wantIdx := -1
			setup := ""
			cg := map[string]Profile20{}
			for i, f := range ar.Files {
				var err error
				switch {
				case f.Name == "bench.txt":
					in.Bench, _, err = Parse(bytes.NewReader(f.Data))
				case f.Name == "runtime.txt":
					in.Runtime, _, err = Parse(bytes.NewReader(f.Data))
				case f.Name == "findings.md":
					in.Findings = string(f.Data)
				case strings.HasPrefix(f.Name, "profile-"):
					name := strings.TrimSuffix(strings.TrimPrefix(f.Name, "profile-"), ".top.txt")
					wl, impl, _ := strings.Cut(name, "-")
					in.Profiles[wl+"/"+impl] = string(f.Data)
				case f.Name == "large.txt":
					in.Large, _, err = Parse(bytes.NewReader(f.Data))
					in.LargeRows = 1000000
				case f.Name == "runtime-large.txt":
					in.RuntimeLarge, _, err = Parse(bytes.NewReader(f.Data))
					in.LargeRows = 1000000
				case f.Name == "instructions.txt":
					in.Counts, err = ParseCounts(bytes.NewReader(f.Data))
				case f.Name == "instructions-base.txt":
					in.CountsBase, err = ParseCounts(bytes.NewReader(f.Data))
				case f.Name == "procs.txt":
					in.Procs, err = ParseProcs(bytes.NewReader(f.Data))
				case f.Name == "findings20.md":
					in.Findings20 = string(f.Data)
				case f.Name == "callgrind-setup.txt":
					setup = string(f.Data)
				case strings.HasPrefix(f.Name, "callgrind-"):
					name := strings.TrimSuffix(strings.TrimPrefix(f.Name, "callgrind-"), ".txt")
					mode, ops, _ := strings.Cut(name, "-ops")
					n, _ := strconv.Atoi(ops)
					cg[mode] = Profile20{Ops: float64(n), WithOps: string(f.Data)}
				case f.Name == "want.md":
					wantIdx = i
				}
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
			}
			if len(cg) > 0 {
				in.Callgrind = map[string]Profile20{}
				for m, p := range cg {
					p.Ops0 = setup
					in.Callgrind[m] = p
				}
			}
			got := Render(in)
			if *update {
				if wantIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want.md"})
					wantIdx = len(ar.Files) - 1
				}
				ar.Files[wantIdx].Data = []byte(got)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantIdx < 0 {
				t.Fatalf("%s has no want.md; run go test -update", path)
			}
			if want := string(ar.Files[wantIdx].Data); got != want {
				t.Errorf("Render differs from want.md (go test -update accepts it)\n--- got\n%s", got)
			}
		})
	}
}

func TestParse(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/tablegen/tablegen/bench
cpu: Some CPU
BenchmarkRead/impl=raw/op=Get-2   	  120204	      3204 ns/op	     125 B/op	       8 allocs/op
BenchmarkInsert/impl=json-12      	       1	1798616374 ns/op	     17986 ns/row
BenchmarkLog says hello
PASS
ok  	github.com/tablegen/tablegen/bench	65.481s
`
	rs, hdr, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if hdr.CPU != "Some CPU" || hdr.GOOS != "linux" || hdr.GOARCH != "amd64" {
		t.Errorf("header = %+v", hdr)
	}
	if len(rs) != 2 {
		t.Fatalf("%d results, want 2: %+v", len(rs), rs)
	}
	r := rs[0]
	if r.Name != "Read/impl=raw/op=Get" || r.Iters != 120204 || r.Metrics["ns/op"] != 3204 || r.Metrics["allocs/op"] != 8 ||
		r.Label("impl") != "raw" || r.Label("op") != "Get" || r.Top() != "Read" || r.Pkg != "github.com/tablegen/tablegen/bench" {
		t.Errorf("result 0 = %+v", r)
	}
	if rs[1].Name != "Insert/impl=json" || rs[1].Metrics["ns/row"] != 17986 || workload(&rs[1]) != "Insert" {
		t.Errorf("result 1 = %+v", rs[1])
	}
}

func TestParseRejectsBadMeasurement(t *testing.T) {
	_, _, err := Parse(strings.NewReader("BenchmarkX-2  10  12x ns/op\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want an error naming line 1", err)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
}

func TestChartWrites(t *testing.T) {
	rs, _, err := Parse(strings.NewReader("BenchmarkInsert/impl=tablegen-2 1 100 ns/op\nBenchmarkInsert/impl=raw-2 1 50 ns/op\nBenchmarkInsert/impl=badgerhold-2 1 900 ns/op\nBenchmarkRead/impl=raw/op=Project-2 1 50 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.png")
	if err := Chart(NewMatrix(rs), path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("chart is not a PNG (%d bytes, %v)", len(b), err)
	}
}

// FuzzParse: any bytes parse without panicking, and every result has a
// name, a positive iteration count and an ns/op value.
func FuzzParse(f *testing.F) {
	f.Add([]byte("pkg: x\nBenchmarkA/impl=b-2 10 5 ns/op 3 B/op\n"))
	f.Add([]byte("BenchmarkA 1 2 ns/op\nBenchmarkA 1 x ns/op\n"))
	f.Add([]byte("cpu: y\nBenchmark-2 -1 2 ns/op\nBenchmarkB/op=Get-2 1 NaN ns/op\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Name == "" || r.Iters <= 0 {
				t.Fatalf("bad result %+v", r)
			}
			if _, ok := r.Metrics["ns/op"]; !ok {
				t.Fatalf("result without ns/op: %+v", r)
			}
		}
	})
}

// FuzzParseTop: pprof -top text of any shape never panics and yields
// shares that add up to at most 100%.
func FuzzParseTop(f *testing.F) {
	f.Add("      flat  flat%   sum%        cum   cum%\n     0.30s 28.85% 31.73%      0.53s 50.96%  pkg.F\n")
	f.Add("0 0% 0% 1s 10% a b c\n1s x% 1% 1s 1% d\n")
	f.Fuzz(func(t *testing.T, text string) {
		var sum float64
		for _, l := range parseTop(text) {
			sum += l.Flat
		}
		if sum > 100.0001 {
			t.Fatalf("shares add up to %v%%", sum)
		}
		_ = profileSummary(text, 5)
	})
}
