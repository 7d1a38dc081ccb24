package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Results are every figure of one run; results.json holds them.
type Results struct {
	Machine  Machine   `json:"machine"`
	Config   Config    `json:"config"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Load lists the one-minute load average at each scenario's start and
	// end: other work on the machine shares its cores.
	Load []string `json:"load"`

	Ingest      []Figure `json:"ingest,omitempty"`
	IngestRatio float64  `json:"ingest_ratio_to_bare_writer,omitempty"`

	Drain            []Figure `json:"drain,omitempty"`
	DrainRatioReader float64  `json:"drain_ratio_to_bare_reader,omitempty"`
	DrainRatioNaive  float64  `json:"drain_ratio_to_naive_loop,omitempty"`

	Latency []LatencyLevel `json:"latency_bound,omitempty"`
	// LatencyNaive is the naive loop against the same slow simulator.
	LatencyNaive *Figure `json:"latency_bound_naive,omitempty"`

	EndToEnd          []Figure       `json:"end_to_end,omitempty"`
	EndToEndLatencies []LatencyPoint `json:"end_to_end_distribution,omitempty"`

	Scale  []ScaleStep   `json:"scale,omitempty"`
	Steady *SteadyResult `json:"steady,omitempty"`

	Errors []string `json:"errors,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs     int    `json:"cpus"`
	Model    string `json:"cpu_model"`
	MemTotal string `json:"mem_total"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
}

// LatencyPoint is one percentile of a latency distribution.
type LatencyPoint struct {
	Percentile float64 `json:"percentile"`
	Ms         float64 `json:"ms"`
}

func newResults(cfg Config) *Results {
	return &Results{Machine: readMachine(), Config: cfg, Started: time.Now().UTC()}
}

// noteLoad records the load average with a label.
func (r *Results) noteLoad(label string) {
	r.Load = append(r.Load, label+": "+loadAverage())
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}

	return strings.Join(fields[:3], " ")
}

// readMachine reads the CPU model and memory from /proc.
func readMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	m.Model = procField("/proc/cpuinfo", "model name")
	m.MemTotal = procField("/proc/meminfo", "MemTotal")
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}

	return m
}

// procField returns the value of the first "name: value" line of path.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()

	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		key, value, ok := strings.Cut(scanner.Text(), ":")
		if ok && strings.TrimSpace(key) == name {
			return strings.TrimSpace(value)
		}
	}

	return "unknown"
}

// histogram returns percentiles 1 to 99, 99.9 and 100 of sorted.
func histogram(sorted []time.Duration) []LatencyPoint {
	if len(sorted) == 0 {
		return nil
	}
	var points []LatencyPoint
	for p := 1; p <= 99; p++ {
		points = append(points, LatencyPoint{Percentile: float64(p), Ms: millis(percentile(sorted, float64(p)/100))})
	}
	points = append(points,
		LatencyPoint{Percentile: 99.9, Ms: millis(percentile(sorted, 0.999))},
		LatencyPoint{Percentile: 100, Ms: millis(sorted[len(sorted)-1])})

	return points
}

// write stores results.json, results.md and the plots in dir.
func (r *Results) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}

	return r.plot(dir)
}

// markdown renders the tables of BENCHMARKS.md.
func (r *Results) markdown() string {
	var sb strings.Builder
	m := r.Machine
	fmt.Fprintf(&sb, "Run %s to %s on %d CPUs (%s), %s memory, Linux %s, %s.\n\n",
		r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339), m.CPUs, m.Model, m.MemTotal, m.Kernel, m.Go)
	c := r.Config
	fmt.Fprintf(&sb, "Sizes: ingest %s per measurement with %d connections; drain %d events; latency-bound up to %d events per level; end to end %d/s for %s; scale %d events per step; steady %d/s for %s, sampled every %s.\n\n",
		c.IngestDuration, c.IngestClients, c.DrainEvents, c.LatencyMaxEvents, c.EndToEndRate, c.EndToEndDuration, c.ScaleEvents, c.SteadyRate, c.SteadyDuration, c.SteadySample)
	fmt.Fprintf(&sb, "Load average (1, 5, 15 min) at scenario boundaries: %s.\n", strings.Join(r.Load, "; "))

	if len(r.Ingest) > 0 {
		sb.WriteString("\n### Ingest\n\n")
		figureTable(&sb, r.Ingest)
		fmt.Fprintf(&sb, "\nIngest / bare writer: **%.2f** (target ≥ 0.70).\n", r.IngestRatio)
	}
	if len(r.Drain) > 0 {
		sb.WriteString("\n### Drain\n\n")
		figureTable(&sb, r.Drain)
		fmt.Fprintf(&sb, "\nWorker / bare reader: **%.2f** (target ≥ 0.50). Worker / naive loop: **%.1f×** (target ≥ 20×).\n", r.DrainRatioReader, r.DrainRatioNaive)
	}
	if len(r.Latency) > 0 {
		sb.WriteString("\n### Latency-bound (simulator responds in " + r.Config.ArenaLatency.String() + ")\n\n")
		sb.WriteString("| concurrency | events | events/s | ideal (concurrency / latency) | ratio to ideal | × naive loop | CPU s / 1,000 | peak RSS MiB | note |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		naive := 0.0
		if r.LatencyNaive != nil {
			naive = r.LatencyNaive.PerSecond
		}
		for _, l := range r.Latency {
			fmt.Fprintf(&sb, "| %d | %d | %.0f | %.0f | **%.2f** | %.1f | %.3f | %.0f | %s |\n", l.Concurrency, l.Figure.Events, l.Figure.PerSecond, l.Ideal, l.Ratio, ratio(l.Figure.PerSecond, naive), l.Figure.CPUPer1000, l.Figure.PeakRSSMiB, l.Figure.Note)
		}
		if r.LatencyNaive != nil {
			sb.WriteString("\nNaive loop against the same simulator:\n\n")
			figureTable(&sb, []Figure{*r.LatencyNaive})
		}
	}
	if len(r.EndToEnd) > 0 {
		sb.WriteString("\n### End to end\n\n")
		figureTable(&sb, r.EndToEnd)
	}
	if len(r.Scale) > 0 {
		sb.WriteString("\n### Scale\n\n| worker processes | events | events/s | speed-up | CPU s / 1,000 | peak RSS MiB (largest worker) |\n|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range r.Scale {
			fmt.Fprintf(&sb, "| %d | %d | %.0f | %.2f | %.3f | %.0f |\n", s.Workers, s.Figure.Events, s.Figure.PerSecond, s.Speedup, s.Figure.CPUPer1000, s.Figure.PeakRSSMiB)
		}
	}
	if s := r.Steady; s != nil {
		sb.WriteString("\n### Steady memory\n\n")
		figureTable(&sb, []Figure{s.Figure})
		fmt.Fprintf(&sb, "\n%s, %d samples. Live heap after GC: %.1f MiB (first third after the first minute of warm-up) then %.1f MiB (last third); RSS %.1f then %.1f MiB. Grows (last third more than 10%% above the first): **%v**.\n",
			s, len(s.Samples), s.FirstThirdHeapMiB, s.LastThirdHeapMiB, s.FirstThirdRSSMiB, s.LastThirdRSSMiB, s.Grows)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&sb, "\nFailed: %s\n", e)
	}

	return sb.String()
}

// figureTable writes figures as a table.
func figureTable(sb *strings.Builder, figures []Figure) {
	sb.WriteString("| measurement | events | seconds | per second | p50 ms | p99 ms | max ms | CPU s / 1,000 | peak RSS MiB | note |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, f := range figures {
		cpu, rss := "–", "–"
		if f.CPUPer1000 > 0 {
			cpu, rss = fmt.Sprintf("%.3f", f.CPUPer1000), fmt.Sprintf("%.0f", f.PeakRSSMiB)
		}
		fmt.Fprintf(sb, "| %s | %d | %.1f | %.0f | %s | %s | %s | %s | %s | %s |\n",
			f.Name, f.Events, f.Seconds, f.PerSecond, optional(f.P50Ms), optional(f.P99Ms), optional(f.MaxMs), cpu, rss, f.Note)
	}
}

// optional formats a latency, or a dash when there is none.
func optional(ms float64) string {
	if ms == 0 {
		return "–"
	}

	return fmt.Sprintf("%.1f", ms)
}

// render reads a results.json and writes its results.md and plots next to
// it, so the tables can be regenerated without running the scenarios.
func render(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}

	dir := filepath.Dir(path)
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}

	return r.plot(dir)
}
