package main

import (
	"math"
	"slices"
)

// median of xs (NaN when empty); the middle value, or the mean of the two
// middle values for an even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Cell is the samples of one (workload, implementation) pair.
type Cell struct {
	NsOp   []float64
	NsRow  []float64
	RowsOp []float64
}

// Matrix groups the bench module's results: workload → implementation.
type Matrix struct {
	Workloads []string // in the order they first appear
	Impls     []string // in the order they first appear (tablegen first)
	Cells     map[string]map[string]*Cell
}

// workload names a result of the bench module: the op= label of a Read
// sub-benchmark, or the benchmark function (Insert).
func workload(r *Result) string {
	if op := r.Label("op"); op != "" {
		return op
	}
	return r.Top()
}

// NewMatrix groups results that carry an impl= label.
func NewMatrix(rs []Result) *Matrix {
	m := &Matrix{Cells: map[string]map[string]*Cell{}}
	for i := range rs {
		r := &rs[i]
		impl := r.Label("impl")
		if impl == "" {
			continue
		}
		w := workload(r)
		if m.Cells[w] == nil {
			m.Cells[w] = map[string]*Cell{}
			m.Workloads = append(m.Workloads, w)
		}
		if !slices.Contains(m.Impls, impl) {
			m.Impls = append(m.Impls, impl)
		}
		c := m.Cells[w][impl]
		if c == nil {
			c = &Cell{}
			m.Cells[w][impl] = c
		}
		c.NsOp = append(c.NsOp, r.Metrics["ns/op"])
		if v, ok := r.Metrics["ns/row"]; ok {
			c.NsRow = append(c.NsRow, v)
		}
		if v, ok := r.Metrics["rows/op"]; ok {
			c.RowsOp = append(c.RowsOp, v)
		}
	}
	return m
}

// Median returns the median ns/op of a workload and implementation, and
// false when it was not measured (n/a).
func (m *Matrix) Median(w, impl string) (float64, bool) {
	c := m.Cells[w][impl]
	if c == nil || len(c.NsOp) == 0 {
		return 0, false
	}
	return median(c.NsOp), true
}

// Ratio is impl's median time divided by base's: 5 means base is 5× faster.
func (m *Matrix) Ratio(w, impl, base string) (float64, bool) {
	a, ok1 := m.Median(w, impl)
	b, ok2 := m.Median(w, base)
	if !ok1 || !ok2 || b == 0 {
		return 0, false
	}
	return a / b, true
}
