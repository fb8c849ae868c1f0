// Command report turns the raw output of scripts/bench.sh into
// BENCHMARKS.md and the ratio chart docs/bench.png: medians per workload and
// implementation, ratios to tablegen, the goals of issue 10 with met/missed,
// profile summaries for missed goals, the in-repo runtime benchmarks and the
// benchstat summary.
//
// Usage (scripts/bench.sh runs it):
//
//	go run ./cmd/report -bench out/bench.txt -runtime out/runtime.txt \
//	    -benchstat out/benchstat.txt -profiles out -findings findings.md \
//	    -command 'make bench' -out ../BENCHMARKS.md -png ../docs/bench.png
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var (
		benchPath     = fs.String("bench", "", "raw `go test -bench` output of the bench module (required)")
		runtimePath   = fs.String("runtime", "", "raw `go test -bench` output of the in-repo runtime packages (optional)")
		benchstatPath = fs.String("benchstat", "", "benchstat summary to include (optional)")
		profilesDir   = fs.String("profiles", "", "directory of profile-<Workload>-<impl>.top.txt files (optional)")
		findingsPath  = fs.String("findings", "", "hand-written analysis of the profiles, markdown (optional)")
		command       = fs.String("command", "make bench", "the command that produced the numbers, printed in the report")
		benchTime     = fs.String("benchtime", "", "how -benchtime was chosen, printed in the report")
		goVersion     = fs.String("goversion", "", "`go version` of the toolchain that ran the benchmarks")
		load          = fs.String("load", "", "the machine's load average around the run, printed in the report")
		rows          = fs.Int("rows", 100_000, "the -rows the benchmarks ran with")
		cpuinfo       = fs.String("cpuinfo", "/proc/cpuinfo", "where to read the CPU model and core count")
		outPath       = fs.String("out", "BENCHMARKS.md", "markdown file to write")
		pngPath       = fs.String("png", "", "PNG chart to write (optional)")
		chartLink     = fs.String("chartlink", "docs/bench.png", "link to the chart from the markdown file")
		largePath     = fs.String("large", "", "raw `go test -bench` output of the bench module at -large-rows rows (optional)")
		largeRows     = fs.Int("large-rows", 1_000_000, "the -rows of the -large and -runtime-large runs")
		runtimeLarge  = fs.String("runtime-large", "", "raw `go test -bench` output of the runtime benchmarks at -large-rows rows (optional)")
		countsPath    = fs.String("instructions", "", "this run's scripts/instructions.sh output (optional)")
		countsBase    = fs.String("instructions-base", "", "the committed instruction counts to compare with (optional)")
		callgrindDir  = fs.String("callgrind", "", "directory of callgrind-setup.txt and callgrind-<mode>-ops<N>.txt listings (optional)")
		procsPath     = fs.String("procs", "", "scripts/flush-rss.sh output: separately measured processes (optional)")
		findings20    = fs.String("findings20", "", "hand-written analysis of issue 20's profiles, markdown (optional)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *benchPath == "" {
		return fmt.Errorf("-bench is required: pass the raw output of `go test -bench` in bench/")
	}
	in := &Input{Command: *command, BenchTime: *benchTime, Rows: *rows, Profiles: map[string]string{}}
	var err error
	var hdr Header
	if in.Bench, hdr, err = parseFile(*benchPath); err != nil {
		return err
	}
	if len(NewMatrix(in.Bench).Workloads) == 0 {
		return fmt.Errorf("%s has no results with an impl= label; did the benchmarks run (go test -run '^$' -bench . in bench/)?", *benchPath)
	}
	if *runtimePath != "" {
		if in.Runtime, _, err = parseFile(*runtimePath); err != nil {
			return err
		}
	}
	if *largePath != "" {
		if in.Large, _, err = parseFile(*largePath); err != nil {
			return err
		}
		in.LargeRows = *largeRows
	}
	if *runtimeLarge != "" {
		if in.RuntimeLarge, _, err = parseFile(*runtimeLarge); err != nil {
			return err
		}
		in.LargeRows = *largeRows
	}
	if *countsPath != "" {
		if in.Counts, err = parseCountsFile(*countsPath); err != nil {
			return err
		}
	}
	if *countsBase != "" {
		if in.CountsBase, err = parseCountsFile(*countsBase); err != nil {
			return err
		}
	}
	if *callgrindDir != "" {
		if in.Callgrind, err = readCallgrind(*callgrindDir); err != nil {
			return err
		}
	}
	if *procsPath != "" {
		f, err := os.Open(*procsPath)
		if err != nil {
			return fmt.Errorf("read process measures: %w", err)
		}
		in.Procs, err = ParseProcs(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *procsPath, err)
		}
	}
	if *findings20 != "" {
		if in.Findings20, err = readText(*findings20, "findings"); err != nil {
			return err
		}
	}
	if *benchstatPath != "" {
		if in.Benchstat, err = readText(*benchstatPath, "benchstat summary"); err != nil {
			return err
		}
	}
	if *findingsPath != "" {
		if in.Findings, err = readText(*findingsPath, "findings"); err != nil {
			return err
		}
	}
	if *profilesDir != "" {
		matches, err := filepath.Glob(filepath.Join(*profilesDir, "profile-*.top.txt"))
		if err != nil {
			return err
		}
		for _, p := range matches {
			name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "profile-"), ".top.txt")
			wl, impl, ok := strings.Cut(name, "-")
			if !ok {
				return fmt.Errorf("profile file %s: name it profile-<Workload>-<impl>.top.txt", p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			in.Profiles[wl+"/"+impl] = string(b)
		}
	}
	f, err := os.Open(*cpuinfo)
	if err != nil {
		return fmt.Errorf("read CPU model: %w (pass -cpuinfo with a readable cpuinfo file)", err)
	}
	in.Machine.CPU, in.Machine.Cores = readCPUInfo(f)
	f.Close()
	if in.Machine.CPU == "" {
		in.Machine.CPU = hdr.CPU
	}
	in.Machine.GoVersion = *goVersion
	in.Machine.Load = *load
	if hdr.GOOS != "" {
		in.Machine.OSArch = hdr.GOOS + "/" + hdr.GOARCH
	}
	if *pngPath != "" {
		if err := Chart(NewMatrix(in.Bench), *pngPath); err != nil {
			return err
		}
		in.Chart = *chartLink
	}
	if err := os.WriteFile(*outPath, []byte(Render(in)), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func parseFile(path string) ([]Result, Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Header{}, fmt.Errorf("read benchmark output: %w", err)
	}
	defer f.Close()
	rs, hdr, err := Parse(f)
	if err != nil {
		return nil, hdr, fmt.Errorf("%s: %w", path, err)
	}
	return rs, hdr, nil
}

func parseCountsFile(path string) (*Counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read instruction counts: %w", err)
	}
	defer f.Close()
	c, err := ParseCounts(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// readCallgrind reads the callgrind_annotate listings scripts/instructions.sh
// leaves with INSTR_PROFILES set: callgrind-setup.txt (the -ops 0 process)
// and one callgrind-<mode>-ops<N>.txt per mode.
func readCallgrind(dir string) (map[string]Profile20, error) {
	setup, err := os.ReadFile(filepath.Join(dir, "callgrind-setup.txt"))
	if err != nil {
		return nil, fmt.Errorf("callgrind listings: %w", err)
	}
	matches, err := filepath.Glob(filepath.Join(dir, "callgrind-*-ops*.txt"))
	if err != nil {
		return nil, err
	}
	out := map[string]Profile20{}
	for _, p := range matches {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "callgrind-"), ".txt")
		i := strings.LastIndex(name, "-ops")
		ops, err := strconv.Atoi(name[i+len("-ops"):])
		if err != nil || ops <= 0 {
			return nil, fmt.Errorf("callgrind listing %s: name it callgrind-<mode>-ops<N>.txt with N > 0", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[name[:i]] = Profile20{Ops: float64(ops), WithOps: string(b), Ops0: string(setup)}
	}
	return out, nil
}

// readText reads an optional text input of the report; what names it in
// the error.
func readText(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", what, err)
	}
	return string(b), nil
}
