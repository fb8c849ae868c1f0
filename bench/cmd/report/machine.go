package main

import (
	"bufio"
	"io"
	"strings"
)

// Machine is what the report says about where the numbers come from.
type Machine struct {
	CPU       string // model name from /proc/cpuinfo
	Cores     int    // logical CPUs listed in /proc/cpuinfo
	GoVersion string // `go version` of the toolchain that ran the benchmarks
	OSArch    string // goos/goarch from the benchmark output
	// Load describes the machine's load average around the run: other
	// processes on a shared machine make every number noisier.
	Load string
}

// readCPUInfo returns the first model name and the number of processors
// listed in /proc/cpuinfo text.
func readCPUInfo(r io.Reader) (model string, cores int) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "processor":
			cores++
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		}
	}
	return model, cores
}
