package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Counts is the output of scripts/instructions.sh: instructions of one op
// per headline path ("scan 69709095 rows=10000").
type Counts struct {
	Ir   map[string]float64
	Rows int
	// Order is the paths in the order they were counted.
	Order []string
}

// ParseCounts reads scripts/instructions.sh output. A line that is not
// "mode count rows=N" is an error naming it, so no count is dropped silently.
func ParseCounts(r io.Reader) (*Counts, error) {
	c := &Counts{Ir: map[string]float64{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || !strings.HasPrefix(f[2], "rows=") {
			return nil, fmt.Errorf("line %d: %q is not \"mode instructions rows=N\"", line, sc.Text())
		}
		ir, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: instructions %q: %v", line, f[1], err)
		}
		rows, err := strconv.Atoi(strings.TrimPrefix(f[2], "rows="))
		if err != nil {
			return nil, fmt.Errorf("line %d: %q: %v", line, f[2], err)
		}
		if c.Rows != 0 && rows != c.Rows {
			return nil, fmt.Errorf("line %d: rows=%d, earlier lines had rows=%d", line, rows, c.Rows)
		}
		c.Rows = rows
		if _, dup := c.Ir[f[0]]; !dup {
			c.Order = append(c.Order, f[0])
		}
		c.Ir[f[0]] = ir
	}
	return c, sc.Err()
}

// Procs is the output of scripts/flush-rss.sh: one line per measured
// process, "name key=value ...", e.g. "flush rows=1000000 seconds=2.1
// maxrss_mib=180".
type Procs map[string]map[string]float64

// ParseProcs reads "name key=value ..." lines, skipping the others (the
// logs of the measured commands); a value that is not a number is an error
// naming the line.
func ParseProcs(r io.Reader) (Procs, error) {
	p := Procs{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.Contains(f[0], "=") || !allKeyValues(f[1:]) {
			continue // a log line
		}
		kv := map[string]float64{}
		for _, x := range f[1:] {
			k, v, _ := strings.Cut(x, "=")
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %v", line, x, err)
			}
			kv[k] = n
		}
		p[f[0]] = kv
	}
	return p, sc.Err()
}

func allKeyValues(fields []string) bool {
	for _, x := range fields {
		if !strings.Contains(x, "=") {
			return false
		}
	}
	return true
}

// fnCost is one function's instructions in a callgrind_annotate listing.
type fnCost struct {
	Ir   float64
	Name string
}

// parseAnnotate reads the function lines of callgrind_annotate output
// ("1,234 (5.00%)  file:function [binary]") into function → Ir, the
// function named without its file and binary.
func parseAnnotate(text string) map[string]float64 {
	out := map[string]float64{}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		num, rest, ok := strings.Cut(l, " ")
		if !ok || num == "" || (num[0] < '0' || num[0] > '9') {
			continue
		}
		ir, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
		if err != nil {
			continue
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "(") {
			if _, after, ok := strings.Cut(rest, ")"); ok {
				rest = strings.TrimSpace(after)
			}
		}
		if rest == "PROGRAM TOTALS" || rest == "" {
			continue
		}
		if i := strings.LastIndex(rest, " ["); i > 0 {
			rest = rest[:i]
		}
		// "file:function"; the function itself may hold no colon.
		if i := strings.LastIndex(rest, ".go:"); i >= 0 {
			rest = rest[i+len(".go:"):]
		} else if i := strings.Index(rest, ":"); i >= 0 {
			rest = rest[i+1:]
		}
		out[rest] += ir
	}
	return out
}

// OpProfile is where one op's instructions go: a callgrind listing of the
// process with N ops minus the listing with 0 ops (the setup), divided by
// N, by function, largest first; the same subtraction as the counts.
func OpProfile(withOps, setup string, ops float64) []fnCost {
	a, b := parseAnnotate(withOps), parseAnnotate(setup)
	var out []fnCost
	for fn, ir := range a {
		if d := (ir - b[fn]) / ops; d > 0 {
			out = append(out, fnCost{d, fn})
		}
	}
	slices.SortFunc(out, func(x, y fnCost) int {
		if c := cmp.Compare(y.Ir, x.Ir); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	})
	return out
}

// Profile20 is a callgrind listing pair of one instruction-count mode.
type Profile20 struct {
	Ops           float64
	WithOps, Ops0 string
}

// goal20 is one target of issue 20 as the report evaluates it.
type goal20 struct {
	Text string
	// Measures, the first one that is measured decides the status.
	Measures []measure
	Bound    float64
	AtLeast  bool
	// Profiles are the profiles that explain a miss: "cg:<mode>" for an
	// instruction profile, else a "Workload/impl" pprof key.
	Profiles []string
}

// measure is one way of measuring a goal: a ratio or a value, with the
// words that say what it is.
type measure struct {
	What  string
	Value float64
	Unit  string // "×" for a ratio, else the unit of a value
	OK    bool
}

func (m measure) String() string {
	if !m.OK {
		return m.What + ": not measured"
	}
	if m.Unit == "×" {
		return fmt.Sprintf("%s = %s", m.What, formatRatio(m.Value))
	}
	return fmt.Sprintf("%s = %.2f %s", m.What, m.Value, m.Unit)
}

// status says whether g is met by its deciding measure.
func (g *goal20) status() (measure, string) {
	for _, m := range g.Measures {
		if !m.OK {
			continue
		}
		met := m.Value <= g.Bound
		if g.AtLeast {
			met = m.Value >= g.Bound
		}
		if met {
			return m, "met"
		}
		return m, "**missed**"
	}
	return measure{}, "**missed**: not measured"
}

// countRatio is the ratio of two instruction counts.
func countRatio(c *Counts, a, b, what string) measure {
	m := measure{What: what, Unit: "×"}
	if c == nil {
		return m
	}
	x, ok1 := c.Ir[a]
	y, ok2 := c.Ir[b]
	if ok1 && ok2 && y > 0 {
		m.Value, m.OK = x/y, true
	}
	return m
}

// familyRatio is the ratio of two sub-benchmarks' median ns/op.
func familyRatio(rs []Result, pkg, a, b, what string) measure {
	m := measure{What: what, Unit: "×"}
	x, ok1 := medianOf(rs, pkg, a)
	y, ok2 := medianOf(rs, pkg, b)
	if ok1 && ok2 && y > 0 {
		m.Value, m.OK = x/y, true
	}
	return m
}

// medianOf is the median ns/op of the benchmark named name in a package
// whose path ends in pkg.
func medianOf(rs []Result, pkg, name string) (float64, bool) {
	var xs []float64
	for _, r := range rs {
		if r.Name == name && strings.HasSuffix(r.Pkg, pkg) {
			xs = append(xs, r.Metrics["ns/op"])
		}
	}
	if len(xs) == 0 {
		return 0, false
	}
	return median(xs), true
}

func matrixRatio(rs []Result, wl, slow, fast, what string) measure {
	m := measure{What: what, Unit: "×"}
	if len(rs) == 0 {
		return m
	}
	m.Value, m.OK = NewMatrix(rs).Ratio(wl, slow, fast)
	return m
}

func procValue(p Procs, name, key, what, unit string, scale float64) measure {
	m := measure{What: what, Unit: unit}
	if v, ok := p[name][key]; ok {
		m.Value, m.OK = v*scale, true
	}
	return m
}

// goals20 are issue 20's targets over in's measurements. Instruction counts
// decide where the goal has one (they do not move with the machine's
// load); otherwise the run at the large table size, then the default one.
func goals20(in *Input) []goal20 {
	large := fmt.Sprintf("%d rows", in.LargeRows)
	small := fmt.Sprintf("%d rows", in.Rows)
	instr := "instructions"
	if in.Counts != nil {
		instr = fmt.Sprintf("instructions, %d rows", in.Counts.Rows)
	}
	flushRows := ""
	if v, ok := in.Procs["flush"]["rows"]; ok {
		flushRows = fmt.Sprintf(", %.0f rows", v)
	}
	return []goal20{
		{
			Text:  "full 20-column scan to Arrow ≤ 1.5× (raw Pebble iteration + building the record from pre-decoded values)",
			Bound: 1.5,
			Measures: []measure{
				countRatio(in.Counts, "scan", "build", "scan ÷ build ("+instr+")"),
				familyRatio(in.RuntimeLarge, "runtime/scan", "FullScan/arrow", "FullScan/baseline-raw+build", "FullScan/arrow ÷ baseline-raw+build (time, "+large+")"),
				familyRatio(in.Runtime, "runtime/scan", "FullScan/arrow", "FullScan/baseline-raw+build", "FullScan/arrow ÷ baseline-raw+build (time, runtime/scan default table)"),
			},
			Profiles: []string{"cg:scan", "cg:build"},
		},
		{
			Text:  "1-of-20 projection to Arrow ≤ 1.3× raw Pebble iteration",
			Bound: 1.3,
			Measures: []measure{
				countRatio(in.Counts, "scan1", "raw", "scan1 ÷ raw ("+instr+")"),
				familyRatio(in.RuntimeLarge, "runtime/scan", "Projection/cols=1", "Projection/baseline-raw-pebble", "Projection/cols=1 ÷ baseline-raw-pebble (time, "+large+")"),
				familyRatio(in.Runtime, "runtime/scan", "Projection/cols=1", "Projection/baseline-raw-pebble", "Projection/cols=1 ÷ baseline-raw-pebble (time, runtime/scan default table)"),
			},
			Profiles: []string{"cg:scan1", "cg:raw"},
		},
		{
			Text:  "typed full scan ≤ 1.3× the hand-written codec",
			Bound: 1.3,
			Measures: []measure{
				countRatio(in.Counts, "typedscan", "rawscan", "typedscan ÷ rawscan ("+instr+")"),
				matrixRatio(in.Large, "FullScan", Base, "raw", "tablegen ÷ raw on FullScan (time, "+large+")"),
				matrixRatio(in.Bench, "FullScan", Base, "raw", "tablegen ÷ raw on FullScan (time, "+small+")"),
			},
			Profiles: []string{"cg:typedscan", "cg:rawscan", "FullScan/tablegen", "FullScan/raw"},
		},
		{
			Text:  "flush ≤ 1.3× its baseline (raw iteration + pqarrow writing the same prebuilt rows)",
			Bound: 1.3,
			Measures: []measure{
				familyRatio(in.RuntimeLarge, "runtime/flush", "Flush/flush", "Flush/baseline", "Flush/flush ÷ Flush/baseline (time, "+large+")"),
				procRatio(in.Procs, "flush", "baseline", "flush process ÷ baseline process (scripts/flush-rss.sh"+flushRows+")"),
				familyRatio(in.Runtime, "runtime/flush", "Flush/flush", "Flush/baseline", "Flush/flush ÷ Flush/baseline (time, runtime/flush default table)"),
			},
			Profiles: []string{"Flush/flush", "cg:flush"},
		},
		{
			Text:  "flush of 1M rows < 3 s",
			Bound: 3,
			Measures: atMillion(in,
				procValue(in.Procs, "tablegen-flush", "seconds", "`tablegen flush` with its defaults, as a process (scripts/flush-rss.sh"+flushRows+")", "s", 1),
				procValue(in.Procs, "flush", "seconds", "bench/cmd/instr's flush as a process, the bench's store options", "s", 1),
				familyValue(in.RuntimeLarge, "runtime/flush", "Flush/flush", "Flush/flush (in-process benchmark, "+large+")"),
			),
			Profiles: []string{"Flush/flush"},
		},
		{
			Text:  "flush of 1M rows: peak RSS < 256 MiB, as a separate process (/usr/bin/time -v)",
			Bound: 256,
			Measures: atMillion(in,
				procValue(in.Procs, "tablegen-flush", "maxrss_mib", "maximum resident set of `tablegen flush` with its defaults (16 MiB block cache, 4 MiB memtables)"+flushRows, "MiB", 1),
				procValue(in.Procs, "flush", "maxrss_mib", "the same flush by bench/cmd/instr with the bench's store options, a service's (64 MiB block cache, 64 MiB memtables)", "MiB", 1),
			),
		},
		{
			Text:    "indexed lookup ≥ 10× faster than badgerhold",
			Bound:   10,
			AtLeast: true,
			Measures: []measure{
				matrixRatio(in.Large, "Lookup", "badgerhold", Covering, "badgerhold ÷ tablegen with the index covering (`covering: true`) on Lookup (time, "+large+")"),
				matrixRatio(in.Large, "Lookup", "badgerhold", Base, "badgerhold ÷ tablegen with the plain index on Lookup (time, "+large+")"),
				matrixRatio(in.Bench, "Lookup", "badgerhold", Covering, "badgerhold ÷ tablegen covering on Lookup (time, "+small+")"),
				matrixRatio(in.Bench, "Lookup", "badgerhold", Base, "badgerhold ÷ tablegen plain on Lookup (time, "+small+")"),
			},
			Profiles: []string{fmt.Sprintf("Lookup/covering@%d", in.LargeRows), fmt.Sprintf("Lookup/tablegen@%d", in.LargeRows), "Lookup/tablegen", "Lookup/badgerhold", "cg:lookup"},
		},
		{
			Text:  "insert with two indexes ≤ 2.5× insert with none",
			Bound: 2.5,
			Measures: []measure{
				familyRatio(in.RuntimeLarge, "runtime/store", "InsertIndexes/two", "InsertIndexes/none", "InsertIndexes/two ÷ none (time, "+large+")"),
				familyRatio(in.Runtime, "runtime/store", "InsertIndexes/two", "InsertIndexes/none", "InsertIndexes/two ÷ none (time, runtime/store default table)"),
			},
			Profiles: []string{"InsertIndexes/two", "InsertIndexes/none"},
		},
		{
			Text:     "no headline path costs > 10% more instructions than the committed baseline (make bench-check)",
			Bound:    1.10,
			Measures: []measure{worstRegression(in.Counts, in.CountsBase)},
		},
	}
}

// procRatio is the ratio of two measured processes' seconds.
func procRatio(p Procs, a, b, what string) measure {
	m := measure{What: what, Unit: "×"}
	x, ok1 := p[a]["seconds"]
	y, ok2 := p[b]["seconds"]
	if ok1 && ok2 && y > 0 {
		m.Value, m.OK = x/y, true
	}
	return m
}

// atMillion keeps the measures of a goal stated for 1M rows only when the
// run measured at least that many: a faster flush of a smaller table says
// nothing about the goal.
func atMillion(in *Input, ms ...measure) []measure {
	rows := float64(in.LargeRows)
	if v, ok := in.Procs["flush"]["rows"]; ok {
		rows = v
	}
	if rows < 1e6 {
		for i := range ms {
			ms[i].OK = false
		}
	}
	return ms
}

// familyValue is a benchmark's median time in seconds.
func familyValue(rs []Result, pkg, name, what string) measure {
	m := measure{What: what, Unit: "s"}
	if v, ok := medianOf(rs, pkg, name); ok {
		m.Value, m.OK = v/1e9, true
	}
	return m
}

// worstRegression is the largest ratio of a path's count to its baseline.
func worstRegression(c, base *Counts) measure {
	m := measure{What: "largest count ÷ baseline", Unit: "×"}
	if c == nil || base == nil {
		return m
	}
	worst := ""
	for _, p := range c.Order {
		b, ok := base.Ir[p]
		if !ok || b == 0 {
			continue
		}
		if r := c.Ir[p] / b; !m.OK || r > m.Value {
			m.Value, m.OK, worst = r, true, p
		}
	}
	if m.OK {
		m.What = fmt.Sprintf("largest count ÷ baseline (%s)", worst)
	}
	return m
}

// countDoc says what one op of each instruction-count path is.
var countDoc = map[string]string{
	"get":       "1000 point gets by primary key",
	"insert":    "one batch of 1000 new rows, index maintained",
	"scan":      "full scan to Arrow, 20 columns, schema-driven",
	"scan1":     "full scan to Arrow of 1 of 20 columns (score, tag 12)",
	"raw":       "raw Pebble iteration of the rows",
	"build":     "raw iteration + building the 20-column records from pre-decoded rows",
	"lookup":    "10 indexed lookups of one category",
	"flush":     "every hot row to Parquet",
	"typedscan": "full typed scan of the generated store (the bench's FullScan of tablegen)",
	"rawscan":   "full scan of the hand-written raw store over the same rows (FullScan of raw)",
}

// perRow reports whether a path's op visits every row of the table once.
func perRow(path string) bool {
	switch path {
	case "scan", "scan1", "raw", "build", "flush", "typedscan", "rawscan":
		return true
	}
	return false
}

func formatCount(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2f G", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2f M", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.2f k", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

// renderColumnar writes the issue 20 sections: the goals, the instruction
// counts against their baseline and the profiles of the missed goals.
func renderColumnar(w func(string, ...any), in *Input) {
	if in.Counts == nil && len(in.RuntimeLarge) == 0 && len(in.Large) == 0 && in.Procs == nil {
		return
	}
	w("## Goals (issue 20: columnar speed)\n\n")
	w("Each goal with every measure of it this run took; the first measure listed that was taken decides the status. ")
	w("Instruction counts (valgrind's callgrind, below) decide where a goal has one: they repeat to within 1%% on a busy machine, where the times of this shared 2-core machine move by 20–50%% between runs.\n\n")
	w("| goal | measured | status |\n|---|---|---|\n")
	goals := goals20(in)
	var missed []*goal20
	for i := range goals {
		g := &goals[i]
		var parts []string
		for _, m := range g.Measures {
			if m.OK {
				parts = append(parts, m.String())
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "not measured")
		}
		_, st := g.status()
		w("| %s | %s | %s |\n", g.Text, strings.Join(parts, "; "), st)
		if st != "met" {
			missed = append(missed, g)
		}
	}
	w("\n")

	if in.Counts != nil {
		w("## Instruction counts (issue 20)\n\n")
		w("`scripts/instructions.sh` (what `make bench-check` runs): each count is the instructions of one op of `bench/cmd/instr` on the generated 20-column bench table of %d rows, under `valgrind --tool=callgrind`: the whole process with `-ops N` minus the same process with `-ops 0` (the setup: opening a copy of a DB loaded outside valgrind), divided by N, with `GOMAXPROCS=1`, `GOGC=off` and `GODEBUG=asyncpreemptoff=1`. ", in.Counts.Rows)
		w("The baseline is the committed [bench/instructions.txt](bench/instructions.txt); `make bench-check` fails when a path costs more than 10%% over it.\n\n")
		w("| path | one op | Ir per op | Ir per row | baseline | change |\n|---|---|---:|---:|---:|---:|\n")
		for _, p := range in.Counts.Order {
			ir := in.Counts.Ir[p]
			row := ""
			if perRow(p) && in.Counts.Rows > 0 {
				row = formatCount(ir / float64(in.Counts.Rows))
			}
			base, change := "", ""
			if in.CountsBase != nil {
				if b, ok := in.CountsBase.Ir[p]; ok && b > 0 {
					base = formatCount(b)
					change = fmt.Sprintf("%+.1f%%", (ir/b-1)*100)
				}
			}
			w("| %s | %s | %s | %s | %s | %s |\n", p, countDoc[p], formatCount(ir), row, base, change)
		}
		w("\n")
	}

	if len(missed) == 0 {
		return
	}
	w("## Profiles of the missed issue 20 goals\n\n")
	w("Instruction profiles (`cg:`) are callgrind listings of one op: the process with `-ops N` minus the setup-only process, by function (self instructions), divided by N; per row where an op visits every row. CPU profiles are `go test -cpuprofile` on the benchmark, summarized from `go tool pprof -top`.\n\n")
	seen := map[string]bool{}
	for _, g := range missed {
		for _, key := range g.Profiles {
			if seen[key] {
				continue
			}
			seen[key] = true
			if mode, ok := strings.CutPrefix(key, "cg:"); ok {
				p, ok := in.Callgrind[mode]
				if !ok {
					continue
				}
				w("### %s (instructions, one op of %s)\n\n%s\n", mode, mode, cgSummary(p, perRow(mode), in.Counts, 15))
				continue
			}
			if text, ok := in.Profiles[key]; ok {
				wl, impl, _ := strings.Cut(key, "/")
				if name, n, ok := strings.Cut(impl, "@"); ok {
					impl = name + " at " + n + " rows"
				}
				w("### %s, %s (CPU)\n\n%s\n", wl, impl, profileSummary(text, 12))
			}
		}
	}
	if in.Findings20 != "" {
		w("### Findings (issue 20)\n\n%s\n\n", strings.TrimSpace(in.Findings20))
	}
}

// cgSummary renders the top functions of one op's instruction profile.
func cgSummary(p Profile20, rowWise bool, c *Counts, top int) string {
	fns := OpProfile(p.WithOps, p.Ops0, p.Ops)
	if len(fns) == 0 {
		return "(the callgrind listings have no function lines)\n"
	}
	var total float64
	for _, f := range fns {
		total += f.Ir
	}
	rows := 0.0
	if rowWise && c != nil && c.Rows > 0 {
		rows = float64(c.Rows)
	}
	by := map[string]float64{}
	for _, f := range fns {
		by[area(f.Name)] += f.Ir * 100 / total
	}
	areas := shares(by)
	var b strings.Builder
	var parts []string
	for _, s := range areas {
		if s.Pct >= 1 {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", s.Area, s.Pct))
		}
	}
	fmt.Fprintf(&b, "%s instructions per op", formatCount(total))
	if rows > 0 {
		fmt.Fprintf(&b, " (%s per row)", formatCount(total/rows))
	}
	fmt.Fprintf(&b, "; by area: %s.\n\n", strings.Join(parts, ", "))
	if rows > 0 {
		b.WriteString("| Ir per row | % | function |\n|---:|---:|---|\n")
	} else {
		b.WriteString("| Ir per op | % | function |\n|---:|---:|---|\n")
	}
	for i, f := range fns {
		if i == top {
			break
		}
		x := f.Ir
		if rows > 0 {
			x /= rows
		}
		fmt.Fprintf(&b, "| %s | %.1f | `%s` |\n", formatCount(math.Round(x)), f.Ir*100/total, f.Name)
	}
	return b.String()
}
