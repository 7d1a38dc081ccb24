// Command arenasync-bench measures arenasync against real Kafka and Redis
// and the Arena simulator, next to baselines measured in the same run, and
// writes results.json, results.md and PNG plots. `make bench` runs it
// through scripts/testenv/run.sh; BENCHMARKS.md explains the figures.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// renderCommand is the first argument that rewrites results.md and the
// plots from a results.json: arenasync-bench render docs/bench/results.json
const renderCommand = "render"

func main() {
	if len(os.Args) > 1 && os.Args[1] == scaleChildCommand {
		if err := runScaleChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "arenasync-bench worker process:", err)
			os.Exit(1)
		}

		return
	}

	if len(os.Args) == 3 && os.Args[1] == renderCommand {
		if err := render(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "arenasync-bench render:", err)
			os.Exit(1)
		}

		return
	}

	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "arenasync-bench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfile, err := startProfile(cfg.CPUProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "arenasync-bench:", err)
		os.Exit(1)
	}
	err = run(ctx, cfg)
	stopProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "arenasync-bench:", err)
		os.Exit(1)
	}
}

// startProfile starts a CPU profile into path, or does nothing when path
// is empty. The returned function stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create the CPU profile %s: %w", path, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, errors.Join(fmt.Errorf("start the CPU profile: %w", err), f.Close())
	}

	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// parseFlags reads the command line into a validated Config.
func parseFlags(args []string) (Config, error) {
	// The flag defaults come from setDefaults, so help and code agree.
	var def Config
	def.setDefaults()

	var cfg Config
	var brokers, scenarios, levels, workers string
	flags := flag.NewFlagSet("arenasync-bench", flag.ContinueOnError)
	flags.StringVar(&brokers, "kafka-brokers", "", "Kafka bootstrap addresses, comma-separated (default $"+envKafkaBrokers+")")
	flags.StringVar(&cfg.RedisAddr, "redis-addr", "", "Redis host:port (default $"+envRedisAddr+")")
	flags.StringVar(&cfg.OutDir, "out", def.OutDir, "folder for results.json, results.md and the plots")
	flags.StringVar(&cfg.BenchmarksFile, "benchmarks", "", "Markdown file whose figures between its figures markers are replaced with this run's (needs every scenario; make bench passes BENCHMARKS.md)")
	flags.StringVar(&scenarios, "scenarios", joinList(def.Scenarios), "scenarios to run, comma-separated")
	flags.IntVar(&cfg.Partitions, "partitions", def.Partitions, "partitions of every main topic")
	flags.DurationVar(&cfg.IngestDuration, "ingest-duration", def.IngestDuration, "how long each ingest measurement posts")
	flags.IntVar(&cfg.IngestClients, "ingest-clients", def.IngestClients, "concurrent keep-alive HTTP connections, and writer goroutines of the baseline")
	flags.IntVar(&cfg.DrainEvents, "drain-events", def.DrainEvents, "events preloaded for the drain scenario (full size: 200000)")
	flags.IntVar(&cfg.NaiveEvents, "naive-events", def.NaiveEvents, "events the naive sequential loop handles")
	flags.IntVar(&cfg.WorkerConcurrency, "concurrency", def.WorkerConcurrency, "events handled at once per topic by the worker in the drain, end-to-end, scale and steady scenarios")
	flags.DurationVar(&cfg.ArenaLatency, "arena-latency", def.ArenaLatency, "simulator response time of the latency-bound scenario")
	flags.StringVar(&levels, "latency-levels", joinInts(def.LatencyLevels), "concurrencies of the latency-bound scenario")
	flags.DurationVar(&cfg.LatencyDuration, "latency-duration", def.LatencyDuration, "length of each latency-bound level at the ideal rate")
	flags.IntVar(&cfg.LatencyMaxEvents, "latency-max-events", def.LatencyMaxEvents, "most events of one latency-bound level")
	flags.IntVar(&cfg.EndToEndRate, "e2e-rate", def.EndToEndRate, "offered events per second of the end-to-end scenario")
	flags.DurationVar(&cfg.EndToEndDuration, "e2e-duration", def.EndToEndDuration, "how long the end-to-end scenario offers load")
	flags.StringVar(&workers, "scale-workers", joinInts(def.ScaleWorkers), "worker process counts of the scale scenario")
	flags.IntVar(&cfg.ScaleEvents, "scale-events", def.ScaleEvents, "events each scale step drains")
	flags.DurationVar(&cfg.SteadyDuration, "steady-duration", def.SteadyDuration, "length of the steady memory run (target 10m)")
	flags.IntVar(&cfg.SteadyRate, "steady-rate", def.SteadyRate, "offered events per second of the steady run")
	flags.DurationVar(&cfg.SteadySample, "steady-sample", def.SteadySample, "interval of the steady run's memory samples")
	flags.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	flags.StringVar(&cfg.HeapProfile, "heapprofile", "", "write a heap profile PREFIX-NNN.pb.gz with every steady memory sample")
	if err := flags.Parse(args); err != nil {
		return cfg, err
	}

	cfg.Brokers = splitList(brokers)
	cfg.Scenarios = splitList(scenarios)
	var err error
	if cfg.LatencyLevels, err = parseInts(levels); err != nil {
		return cfg, fmt.Errorf("--latency-levels: %w", err)
	}
	if cfg.ScaleWorkers, err = parseInts(workers); err != nil {
		return cfg, fmt.Errorf("--scale-workers: %w", err)
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}

	return cfg, checkFiguresTarget(cfg)
}

// parseInts reads a comma-separated list of integers.
func parseInts(list string) ([]int, error) {
	var values []int
	for _, item := range splitList(list) {
		var v int
		if _, err := fmt.Sscan(item, &v); err != nil {
			return nil, fmt.Errorf("%q is not an integer", item)
		}
		values = append(values, v)
	}

	return values, nil
}

// joinInts joins integers with commas.
func joinInts(values []int) string {
	items := make([]string, len(values))
	for i, v := range values {
		items[i] = strconv.Itoa(v)
	}

	return joinList(items)
}

// joinList joins items with commas.
func joinList(items []string) string {
	return strings.Join(items, ",")
}

// bench is one run of the scenarios.
type bench struct {
	cfg     Config
	run     string
	rdb     *redis.Client
	prefix  string
	results *Results
}

// logf prints progress to standard error.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// run runs the configured scenarios and writes the results.
func run(ctx context.Context, cfg Config) error {
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	runID := hex.EncodeToString(id)

	b := &bench{cfg: cfg, run: runID, prefix: "bench:" + runID + ":", results: newResults(cfg)}
	b.rdb = redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
	defer b.rdb.Close()
	if err := b.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s did not respond to PING: %w", cfg.RedisAddr, err)
	}

	scenarios := map[string]func(context.Context) error{
		"ingest": b.runIngest, "drain": b.runDrain, "latency": b.runLatency,
		"e2e": b.runEndToEnd, "scale": b.runScale, "steady": b.runSteady,
	}
	for _, name := range cfg.Scenarios {
		b.logf("scenario %s starts (load average %s)", name, loadAverage())
		b.results.noteLoad(name)
		if err := scenarios[name](ctx); err != nil {
			b.results.Errors = append(b.results.Errors, name+": "+err.Error())
			b.logf("scenario %s failed: %v", name, err)
		}
		b.results.noteLoad(name + " end")
	}

	b.results.Finished = time.Now().UTC()
	if err := b.results.write(cfg.OutDir); err != nil {
		return err
	}
	b.logf("wrote %s/results.json, results.md and the plots", cfg.OutDir)
	if len(b.results.Errors) > 0 {
		err := fmt.Errorf("%d scenarios failed: %s", len(b.results.Errors), strings.Join(b.results.Errors, "; "))
		if cfg.BenchmarksFile != "" {
			err = fmt.Errorf("%w; %s keeps its earlier figures", err, cfg.BenchmarksFile)
		}

		return err
	}

	if cfg.BenchmarksFile != "" {
		if err := writeFigures(cfg.BenchmarksFile, b.results.markdown()); err != nil {
			return err
		}
		b.logf("replaced the figures in %s", cfg.BenchmarksFile)
	}

	return nil
}
