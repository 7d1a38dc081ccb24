package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Environment variables that scripts/testenv/run.sh exports.
const (
	envKafkaBrokers = "ARENASYNC_TEST_KAFKA_BROKERS"
	envRedisAddr    = "ARENASYNC_TEST_REDIS_ADDR"
)

// Config sizes every scenario. Zero fields take the defaults of
// setDefaults. With the defaults a whole run took about 7 minutes on a
// shared machine with 2 vCPUs.
type Config struct {
	// Brokers and RedisAddr locate the servers. Default: the variables of
	// scripts/testenv/run.sh.
	Brokers   []string
	RedisAddr string

	// OutDir receives results.json, results.md and the PNG plots.
	// Default "docs/bench".
	OutDir string

	// BenchmarksFile, when set, is a Markdown file whose figures between
	// the figuresStart and figuresEnd markers the run replaces with
	// results.md. It needs every scenario. make bench sets BENCHMARKS.md.
	BenchmarksFile string

	// Scenarios lists the scenarios to run, in order. Default all.
	Scenarios []string

	// Partitions is the partition count of every main topic. Default 8.
	Partitions int

	// IngestDuration is how long each ingest measurement posts. Default 15s.
	IngestDuration time.Duration
	// IngestClients is the number of concurrent keep-alive HTTP clients,
	// and of writer goroutines in the bare-writer baseline. Default 64.
	IngestClients int

	// DrainEvents is the number of events preloaded for the drain
	// scenario. Default 50,000; the full size is 200,000.
	DrainEvents int
	// NaiveEvents is how many events the naive sequential loop handles.
	// Default 2,000: the loop is slow, and its rate is steady after a few
	// hundred events.
	NaiveEvents int
	// WorkerConcurrency is consumer.Config.Concurrency of the drain, end to
	// end, scale and steady scenarios. Default 64.
	WorkerConcurrency int

	// ArenaLatency is the simulator's response time in the latency-bound
	// scenario. Default 20ms.
	ArenaLatency time.Duration
	// LatencyLevels are the concurrencies of the latency-bound scenario.
	// Default 1, 8, 64, 256.
	LatencyLevels []int
	// LatencyDuration is how long each latency-bound level would run at the
	// ideal rate; it sizes the preloaded events. Default 6s.
	LatencyDuration time.Duration
	// LatencyMaxEvents caps the events of one level. Default 20,000.
	LatencyMaxEvents int

	// EndToEndRate is the offered rate of the end-to-end scenario, in
	// events per second. Default 1,000.
	EndToEndRate int
	// EndToEndDuration is how long the end-to-end scenario offers load.
	// Default 20s.
	EndToEndDuration time.Duration

	// ScaleWorkers are the worker process counts of the scale scenario.
	// Default 1, 2, 4.
	ScaleWorkers []int
	// ScaleEvents is the number of events each scale step drains.
	// Default 30,000.
	ScaleEvents int

	// SteadyDuration is the length of the steady memory run. Default 3m;
	// the target is 10m.
	SteadyDuration time.Duration
	// SteadyRate is its offered rate in events per second. Default 500.
	SteadyRate int
	// CPUProfile, when set, is the file that receives a CPU profile of the
	// whole run, for go tool pprof.
	CPUProfile string

	// HeapProfile, when set, is the file name prefix of a heap profile
	// written with every steady memory sample, for go tool pprof -base.
	HeapProfile string

	// SteadySample is the interval of its memory samples. Default 5s.
	SteadySample time.Duration
}

// allScenarios lists the scenario names in their default order.
var allScenarios = []string{"ingest", "drain", "latency", "e2e", "scale", "steady"}

// setDefaults fills the zero fields.
func (c *Config) setDefaults() {
	if len(c.Brokers) == 0 {
		c.Brokers = splitList(os.Getenv(envKafkaBrokers))
	}
	if c.RedisAddr == "" {
		c.RedisAddr = os.Getenv(envRedisAddr)
	}
	if c.OutDir == "" {
		c.OutDir = "docs/bench"
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = allScenarios
	}

	setInt(&c.Partitions, 8)
	setDuration(&c.IngestDuration, 15*time.Second)
	setInt(&c.IngestClients, 64)
	setInt(&c.DrainEvents, 50_000)
	setInt(&c.NaiveEvents, 2_000)
	setInt(&c.WorkerConcurrency, 64)

	setDuration(&c.ArenaLatency, 20*time.Millisecond)
	if len(c.LatencyLevels) == 0 {
		c.LatencyLevels = []int{1, 8, 64, 256}
	}
	setDuration(&c.LatencyDuration, 6*time.Second)
	setInt(&c.LatencyMaxEvents, 20_000)
	setInt(&c.EndToEndRate, 1_000)
	setDuration(&c.EndToEndDuration, 20*time.Second)

	if len(c.ScaleWorkers) == 0 {
		c.ScaleWorkers = []int{1, 2, 4}
	}
	setInt(&c.ScaleEvents, 30_000)
	setDuration(&c.SteadyDuration, 3*time.Minute)
	setInt(&c.SteadyRate, 500)
	setDuration(&c.SteadySample, 5*time.Second)
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, fmt.Errorf("kafka brokers are missing: run through scripts/testenv/run.sh, set %s, or pass --kafka-brokers", envKafkaBrokers))
	}
	if c.RedisAddr == "" {
		errs = append(errs, fmt.Errorf("redis address is missing: run through scripts/testenv/run.sh, set %s, or pass --redis-addr", envRedisAddr))
	}
	for _, name := range c.Scenarios {
		if !contains(allScenarios, name) {
			errs = append(errs, fmt.Errorf("scenario %q is unknown: use one of %s", name, strings.Join(allScenarios, ",")))
		}
	}
	for _, level := range append(append([]int{}, c.LatencyLevels...), c.ScaleWorkers...) {
		if level < 1 {
			errs = append(errs, fmt.Errorf("concurrency or worker count %d is below 1", level))
		}
	}
	if c.NaiveEvents > c.DrainEvents {
		errs = append(errs, fmt.Errorf("naive events %d exceed drain events %d: the naive loop reads the drain topic", c.NaiveEvents, c.DrainEvents))
	}

	return errors.Join(errs...)
}

func setInt(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

func setDuration(v *time.Duration, def time.Duration) {
	if *v == 0 {
		*v = def
	}
}

// splitList splits a comma-separated list and drops empty items.
func splitList(value string) []string {
	var items []string
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}

	return items
}

func contains(list []string, value string) bool {
	for _, item := range list {
		if item == value {
			return true
		}
	}

	return false
}
