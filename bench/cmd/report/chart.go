package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// logTicks labels a log10 axis with the ratios 1, 2, 5 × 10^k.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(min) - 1; e <= math.Ceil(max)+1; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := math.Log10(m) + e
			if v < min-1e-9 || v > max+1e-9 {
				continue
			}
			ratio := m * math.Pow(10, e)
			label := fmt.Sprintf("%g×", ratio)
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}

var barColors = []color.Color{
	color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff},
	color.RGBA{R: 0xdd, G: 0x84, B: 0x52, A: 0xff},
	color.RGBA{R: 0x55, G: 0xa8, B: 0x68, A: 0xff},
	color.RGBA{R: 0xc4, G: 0x4e, B: 0x52, A: 0xff},
}

// Chart draws the ratio of every alternative to tablegen per workload as
// grouped bars on a log scale, growing up (slower than tablegen) or down
// (faster) from the 1× line, and saves it as a PNG.
func Chart(m *Matrix, path string) error {
	p := plot.New()
	p.Title.Text = "Time relative to tablegen (log scale; above 1× = slower than tablegen)"
	p.Y.Label.Text = "implementation time ÷ tablegen time"
	p.Y.Tick.Marker = logTicks{}
	p.NominalX(m.Workloads...)

	var others []string
	for _, impl := range m.Impls {
		if impl != Base {
			others = append(others, impl)
		}
	}
	width := vg.Points(18)
	lo, hi := 0.0, 0.0
	var naXY []plotter.XY
	var naText []string
	for i, impl := range others {
		vals := make(plotter.Values, len(m.Workloads))
		for j, w := range m.Workloads {
			r, ok := m.Ratio(w, impl, Base)
			if !ok {
				naXY = append(naXY, plotter.XY{X: float64(j) + (float64(i)-float64(len(others)-1)/2)*0.22, Y: 0.05})
				naText = append(naText, "n/a")
				continue
			}
			vals[j] = math.Log10(r)
			lo, hi = math.Min(lo, vals[j]), math.Max(hi, vals[j])
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return fmt.Errorf("chart: %s: %w", impl, err)
		}
		bars.Color = barColors[(i+1)%len(barColors)]
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(float64(i)-float64(len(others)-1)/2) * width
		p.Add(bars)
		p.Legend.Add(impl, bars)
	}
	one := plotter.NewFunction(func(float64) float64 { return 0 })
	one.Color = color.Black
	one.Width = vg.Points(1)
	p.Add(one)
	p.Legend.Add("tablegen (1×)", one)
	if len(naXY) > 0 {
		labels, err := plotter.NewLabels(plotter.XYLabels{XYs: naXY, Labels: naText})
		if err != nil {
			return fmt.Errorf("chart: labels: %w", err)
		}
		p.Add(labels)
	}
	p.Y.Min = math.Floor(lo*2)/2 - 0.1
	p.Y.Max = math.Ceil(hi*2)/2 + 0.1
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.YOffs = -vg.Points(4)
	p.Add(plotter.NewGrid())
	if err := p.Save(8*vg.Inch, 4.5*vg.Inch, path); err != nil {
		return fmt.Errorf("chart: save %s: %w", path, err)
	}
	return nil
}
