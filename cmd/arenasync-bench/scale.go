package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
)

// scaleChildCommand is the first argument that makes the bench binary run
// as one worker process of the scale scenario.
const scaleChildCommand = "scale-worker"

// ScaleStep is one worker count of the scale scenario.
type ScaleStep struct {
	Workers int    `json:"workers"`
	Figure  Figure `json:"figure"`
	// Speedup is the rate divided by the rate of one worker process.
	Speedup float64 `json:"speedup"`
}

// runScale drains ScaleEvents with 1, 2 and 4 worker processes of one
// consumer group, started as children of this process.
func (b *bench) runScale(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the bench binary to start worker processes: %w", err)
	}

	for _, workers := range b.cfg.ScaleWorkers {
		step, err := b.measureScale(ctx, exe, workers)
		if err != nil {
			return err
		}
		if len(b.results.Scale) > 0 {
			step.Speedup = ratio(step.Figure.PerSecond, b.results.Scale[0].Figure.PerSecond)
		} else {
			step.Speedup = 1
		}
		b.results.Scale = append(b.results.Scale, step)
		b.logf("scale: %d worker processes: %.0f/s (speed-up %.2f)", workers, step.Figure.PerSecond, step.Speedup)
	}

	return nil
}

// measureScale starts workers child processes on a fresh topic, waits until
// the group has assigned every one of them partitions, then preloads the
// events and measures how fast the simulator receives the completions.
func (b *bench) measureScale(ctx context.Context, exe string, workers int) (ScaleStep, error) {
	events := batch{name: "scale-" + strconv.Itoa(workers), events: b.cfg.ScaleEvents}
	cfg := events.workerConfig(b.run, b.cfg.Brokers, b.cfg.WorkerConcurrency)
	if err := createTopics(ctx, b.cfg.Brokers, cfg, b.cfg.Partitions); err != nil {
		return ScaleStep{}, err
	}
	if err := seedMappings(ctx, b.rdb, b.prefix, events); err != nil {
		return ScaleStep{}, err
	}
	sim, err := startSimulator(0, events)
	if err != nil {
		return ScaleStep{}, err
	}
	defer sim.stop()

	var children []*exec.Cmd
	for range workers {
		cmd := exec.Command(exe, scaleChildCommand,
			"--brokers", joinList(b.cfg.Brokers), "--redis-addr", b.cfg.RedisAddr, "--prefix", b.prefix,
			"--topic", cfg.Topic, "--group", cfg.GroupID, "--concurrency", strconv.Itoa(cfg.Concurrency), "--arena-url", sim.url)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return ScaleStep{}, errors.Join(fmt.Errorf("start worker process: %w", err), stopChildren(children))
		}
		children = append(children, cmd)
	}

	if err := waitForMembers(ctx, b.cfg.Brokers, cfg.GroupID, workers); err != nil {
		return ScaleStep{}, errors.Join(err, stopChildren(children))
	}
	m := startMeter()
	if err := preload(ctx, b.cfg.Brokers, cfg.Topic, events, time.Now()); err != nil {
		return ScaleStep{}, errors.Join(err, stopChildren(children))
	}
	first, last, waitErr := waitForCompletions(ctx, sim.sim, events.events)
	peakRSS := childrenPeakRSS(children)
	stopErr := stopChildren(children)

	seconds := last.Sub(first).Seconds()
	f := Figure{Name: fmt.Sprintf("%d worker processes", workers), Events: events.events, Seconds: seconds, PerSecond: float64(events.events-1) / seconds}
	m.finish(&f, events.events, childrenCPU(children))
	f.PeakRSSMiB = peakRSS
	f.Note = "CPU includes the worker processes, the simulator and the preload; peak RSS is the largest worker process"

	return ScaleStep{Workers: workers, Figure: f}, errors.Join(waitErr, stopErr)
}

// waitForMembers waits until group has members members, each with
// partitions assigned, and one more second for their first fetch.
func waitForMembers(ctx context.Context, brokers []string, group string, members int) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(resp.Groups) == 1 && resp.Groups[0].GroupState == "Stable" && assigned(resp.Groups[0]) == members {
			return sleepCtx(ctx, time.Second)
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}

	return fmt.Errorf("consumer group %s did not reach %d members with partitions within 2m", group, members)
}

// assigned counts the members of g that have partitions.
func assigned(g kafka.DescribeGroupsResponseGroup) int {
	n := 0
	for _, member := range g.Members {
		for _, topic := range member.MemberAssignments.Topics {
			if len(topic.Partitions) > 0 {
				n++

				break
			}
		}
	}

	return n
}

// waitForCompletions polls the simulator until it has count completions and
// returns when the first and the last were seen, to the poll interval.
func waitForCompletions(ctx context.Context, sim *arenasim.Sim, count int) (first, last time.Time, err error) {
	deadline := time.Now().Add(drainTimeout)
	for time.Now().Before(deadline) {
		done := sim.Stats().Completions
		if done > 0 && first.IsZero() {
			first = time.Now()
		}
		if done >= count {
			return first, time.Now(), nil
		}
		if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
			return first, time.Now(), err
		}
	}

	return first, time.Now(), fmt.Errorf("the simulator saw %d of %d completions within %s", sim.Stats().Completions, count, drainTimeout)
}

// stopChildren sends SIGTERM to every child and waits for it.
func stopChildren(children []*exec.Cmd) error {
	var errs []error
	for _, cmd := range children {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			errs = append(errs, err)
		}
	}
	for _, cmd := range children {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("worker process %d: %w", cmd.Process.Pid, err))
		}
	}

	return errors.Join(errs...)
}

// childrenCPU adds the CPU time of the exited children.
func childrenCPU(children []*exec.Cmd) time.Duration {
	var total time.Duration
	for _, cmd := range children {
		if cmd.ProcessState == nil {
			continue
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			total += rusageCPU(ru)
		}
	}

	return total
}

// childrenPeakRSS returns the largest peak resident set of the running
// children, in MiB, from VmHWM in /proc/PID/status. The ru_maxrss of an
// exited child is no use here: Linux starts it with the benchmark
// process's own peak, which is larger.
func childrenPeakRSS(children []*exec.Cmd) float64 {
	var peakKiB int64
	for _, cmd := range children {
		kib, err := peakRSSKiB(cmd.Process.Pid)
		if err != nil {
			continue
		}
		peakKiB = max(peakKiB, kib)
	}

	return float64(peakKiB) / 1024
}

// peakRSSKiB reads the VmHWM line of /proc/PID/status.
func peakRSSKiB(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}

	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "VmHWM:" {
			return strconv.ParseInt(fields[1], 10, 64)
		}
	}

	return 0, fmt.Errorf("/proc/%d/status has no VmHWM line", pid)
}

// runScaleChild is the worker process of the scale scenario: it runs one
// worker until SIGTERM.
func runScaleChild(args []string) error {
	flags := flag.NewFlagSet(scaleChildCommand, flag.ContinueOnError)
	brokers := flags.String("brokers", "", "Kafka bootstrap addresses, comma-separated")
	redisAddr := flags.String("redis-addr", "", "Redis host:port")
	prefix := flags.String("prefix", "", "Redis key prefix")
	topic := flags.String("topic", "", "main topic")
	group := flags.String("group", "", "consumer group")
	concurrency := flags.Int("concurrency", 64, "events handled at once per topic")
	arenaURL := flags.String("arena-url", "", "simulator base URL")
	if err := flags.Parse(args); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	b := batch{}
	cfg := b.workerConfig("", splitList(*brokers), *concurrency)
	cfg.Topic, cfg.GroupID = *topic, *group
	spec := workerSpec{
		consumer:  cfg,
		arena:     arena.Config{BaseURL: *arenaURL, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret},
		redisAddr: *redisAddr,
		prefix:    *prefix,
	}
	w, err := startWorker(spec, zap.NewNop())
	if err != nil {
		return err
	}
	<-ctx.Done()

	return w.stop()
}
