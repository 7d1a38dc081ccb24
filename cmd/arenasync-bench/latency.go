package main

import (
	"context"
	"strconv"
	"time"
)

// LatencyLevel is one concurrency of the latency-bound scenario.
type LatencyLevel struct {
	Concurrency int     `json:"concurrency"`
	Ideal       float64 `json:"ideal_per_second"`
	Figure      Figure  `json:"figure"`
	Ratio       float64 `json:"ratio_to_ideal"`
}

// runLatency measures throughput against a simulator that responds after
// ArenaLatency, at each configured concurrency, next to concurrency /
// latency.
func (b *bench) runLatency(ctx context.Context) error {
	for _, level := range b.cfg.LatencyLevels {
		ideal := float64(level) / b.cfg.ArenaLatency.Seconds()
		n := min(int(ideal*b.cfg.LatencyDuration.Seconds()), b.cfg.LatencyMaxEvents)
		n = max(n, 100)

		events := batch{name: "latency-" + strconv.Itoa(level), events: n}
		if err := b.prepare(ctx, events); err != nil {
			return err
		}
		cfg := events.workerConfig(b.run, b.cfg.Brokers, level)
		f, _, err := b.measureWorker(ctx, "worker, concurrency "+strconv.Itoa(level), cfg, events, b.cfg.ArenaLatency, nil)
		if err != nil {
			return err
		}

		result := LatencyLevel{Concurrency: level, Ideal: ideal, Figure: f, Ratio: ratio(f.PerSecond, ideal)}
		b.results.Latency = append(b.results.Latency, result)
		b.logf("latency-bound: concurrency %d: %.0f/s of ideal %.0f/s (ratio %.2f)", level, f.PerSecond, ideal, result.Ratio)
		if err := sleepCtx(ctx, time.Second); err != nil {
			return err
		}
	}

	return b.runNaiveAtLatency(ctx)
}

// naiveAtLatencyEvents is how many events the naive loop handles against
// the slow simulator: at one call at a time its rate is steady at once.
const naiveAtLatencyEvents = 200

// runNaiveAtLatency runs the naive sequential loop against the simulator
// that responds after ArenaLatency, the baseline for the worker at each
// concurrency.
func (b *bench) runNaiveAtLatency(ctx context.Context) error {
	events := batch{name: "latency-naive", events: naiveAtLatencyEvents}
	if err := b.prepare(ctx, events); err != nil {
		return err
	}
	f, err := b.measureNaive(ctx, events, events.events, b.cfg.ArenaLatency)
	if err != nil {
		return err
	}

	b.results.LatencyNaive = &f
	b.logf("latency-bound: naive loop %.0f/s", f.PerSecond)

	return nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
