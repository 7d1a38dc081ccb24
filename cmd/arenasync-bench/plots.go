package main

import (
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// plot writes the PNG figures that have data.
func (r *Results) plot(dir string) error {
	if len(r.Latency) > 0 {
		if err := r.plotConcurrency(filepath.Join(dir, "throughput-vs-concurrency.png")); err != nil {
			return fmt.Errorf("plot throughput versus concurrency: %w", err)
		}
	}
	if len(r.EndToEndLatencies) > 0 {
		if err := r.plotDistribution(filepath.Join(dir, "e2e-latency-distribution.png")); err != nil {
			return fmt.Errorf("plot the latency distribution: %w", err)
		}
	}
	if r.Steady != nil && len(r.Steady.Samples) > 0 {
		if err := r.plotMemory(filepath.Join(dir, "steady-memory.png")); err != nil {
			return fmt.Errorf("plot the steady memory: %w", err)
		}
	}

	return nil
}

// plotConcurrency draws measured and ideal throughput against concurrency
// on logarithmic axes.
func (r *Results) plotConcurrency(path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Throughput vs concurrency (Arena responds in %s)", r.Config.ArenaLatency)
	p.X.Label.Text = "worker concurrency (events handled at once)"
	p.Y.Label.Text = "events per second"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}

	measured, ideal := make(plotter.XYs, len(r.Latency)), make(plotter.XYs, len(r.Latency))
	for i, l := range r.Latency {
		measured[i] = plotter.XY{X: float64(l.Concurrency), Y: l.Figure.PerSecond}
		ideal[i] = plotter.XY{X: float64(l.Concurrency), Y: l.Ideal}
	}
	if err := addLine(p, "measured", measured, 0); err != nil {
		return err
	}
	if err := addLine(p, "ideal: concurrency / latency", ideal, 1); err != nil {
		return err
	}
	p.Legend.Top, p.Legend.Left = true, true

	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

// plotDistribution draws the end-to-end latency percentiles.
func (r *Results) plotDistribution(path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("End-to-end latency at %d events/s offered", r.Config.EndToEndRate)
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "ingest accepted → Arena responded (ms)"

	points := make(plotter.XYs, len(r.EndToEndLatencies))
	for i, point := range r.EndToEndLatencies {
		points[i] = plotter.XY{X: point.Percentile, Y: point.Ms}
	}
	if err := addLine(p, "end-to-end latency", points, 0); err != nil {
		return err
	}
	p.Legend.Top, p.Legend.Left = true, true

	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

// plotMemory draws RSS and live heap over the steady run.
func (r *Results) plotMemory(path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Memory over a steady run at %d events/s", r.Steady.Rate)
	p.X.Label.Text = "seconds"
	p.Y.Label.Text = "MiB"

	rss, heap := make(plotter.XYs, len(r.Steady.Samples)), make(plotter.XYs, len(r.Steady.Samples))
	for i, s := range r.Steady.Samples {
		rss[i] = plotter.XY{X: s.Seconds, Y: s.RSSMiB}
		heap[i] = plotter.XY{X: s.Seconds, Y: s.HeapMiB}
	}
	if err := addLine(p, "resident set", rss, 0); err != nil {
		return err
	}
	if err := addLine(p, "live heap after GC", heap, 1); err != nil {
		return err
	}
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true

	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

// addLine adds a line with point markers in the color of index.
func addLine(p *plot.Plot, name string, points plotter.XYs, index int) error {
	line, dots, err := plotter.NewLinePoints(points)
	if err != nil {
		return err
	}
	line.Color = plotColors[index%len(plotColors)]
	dots.Color = line.Color
	if index == 1 {
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(line, dots)
	p.Legend.Add(name, line, dots)

	return nil
}

// plotColors are the line colors, first line first.
var plotColors = []color.Color{color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}}
