package main

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Figure is one measured line of a scenario.
type Figure struct {
	Name      string  `json:"name"`
	Events    int     `json:"events"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	// P50Ms, P99Ms and MaxMs are latency percentiles in milliseconds, zero
	// when the figure has no latency.
	P50Ms float64 `json:"p50_ms,omitempty"`
	P99Ms float64 `json:"p99_ms,omitempty"`
	MaxMs float64 `json:"max_ms,omitempty"`
	// CPUPer1000 is user plus system CPU seconds of the measuring process
	// (and its worker children) per 1,000 events.
	CPUPer1000 float64 `json:"cpu_s_per_1000"`
	// PeakRSSMiB is the largest resident set sampled during the figure.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Note       string  `json:"note,omitempty"`
}

// processCPU returns the user plus system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}

	return rusageCPU(&ru)
}

// rusageCPU adds user and system time of ru.
func rusageCPU(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pageSize is the unit of /proc/self/statm.
var pageSize = int64(os.Getpagesize())

// residentBytes reads the resident set size of this process from
// /proc/self/statm, 0 when it cannot.
func residentBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}

	return pages * pageSize
}

// meter measures the CPU time and the peak resident set of one figure.
type meter struct {
	start    time.Time
	cpuStart time.Duration
	stop     chan struct{}
	done     chan struct{}

	mu   sync.Mutex
	peak int64
}

// startMeter starts sampling the resident set every 50ms.
func startMeter() *meter {
	m := &meter{start: time.Now(), cpuStart: processCPU(), stop: make(chan struct{}), done: make(chan struct{}), peak: residentBytes()}
	go m.sample()

	return m
}

func (m *meter) sample() {
	defer close(m.done)
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-ticker.C:
			m.observe(residentBytes())
		}
	}
}

func (m *meter) observe(rss int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peak = max(m.peak, rss)
}

// finish stops sampling and fills the CPU and memory fields of f for
// events events. extraCPU is CPU time spent in child processes.
func (m *meter) finish(f *Figure, events int, extraCPU time.Duration) {
	close(m.stop)
	<-m.done
	m.observe(residentBytes())

	cpu := processCPU() - m.cpuStart + extraCPU
	if events > 0 {
		f.CPUPer1000 = cpu.Seconds() * 1000 / float64(events)
	}
	m.mu.Lock()
	f.PeakRSSMiB = float64(m.peak) / (1 << 20)
	m.mu.Unlock()
}

// latencies collects durations from many goroutines. Past maxLatencySamples
// it keeps a uniform random sample (reservoir sampling), so a long run's
// own bookkeeping does not grow the heap that the steady run measures.
type latencies struct {
	mu     sync.Mutex
	values []time.Duration
	seen   int64
}

// maxLatencySamples bounds the durations one latencies keeps: 1 MiB.
const maxLatencySamples = 1 << 17

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.seen++
	if len(l.values) < maxLatencySamples {
		l.values = append(l.values, d)

		return
	}
	if i := rand.Int64N(l.seen); i < maxLatencySamples {
		l.values[i] = d
	}
}

// fill sets the percentile fields of f.
func (l *latencies) fill(f *Figure) {
	sorted := l.sorted()
	if len(sorted) == 0 {
		return
	}
	f.P50Ms = millis(percentile(sorted, 0.50))
	f.P99Ms = millis(percentile(sorted, 0.99))
	f.MaxMs = millis(sorted[len(sorted)-1])
}

// sorted returns a sorted copy of the values.
func (l *latencies) sorted() []time.Duration {
	l.mu.Lock()
	sorted := slices.Clone(l.values)
	l.mu.Unlock()
	slices.Sort(sorted)

	return sorted
}

// percentile returns the nearest-rank percentile p (0 to 1) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(p*float64(len(sorted))+0.5) - 1
	rank = min(max(rank, 0), len(sorted)-1)

	return sorted[rank]
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// heapSample is one reading of the steady run.
type heapSample struct {
	Seconds     float64 `json:"seconds"`
	RSSMiB      float64 `json:"rss_mib"`
	HeapMiB     float64 `json:"heap_alloc_mib"`
	Goroutines  int     `json:"goroutines"`
	EventsTotal int64   `json:"events_total"`
}

// readHeap samples memory after a garbage collection, so the heap figure is
// live data and not garbage waiting for the next cycle.
func readHeap(start time.Time, events int64) heapSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	return heapSample{
		Seconds:     time.Since(start).Seconds(),
		RSSMiB:      float64(residentBytes()) / (1 << 20),
		HeapMiB:     float64(ms.HeapAlloc) / (1 << 20),
		Goroutines:  runtime.NumGoroutine(),
		EventsTotal: events,
	}
}
