package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// loadClients is the number of HTTP connections that carry a fixed offered
// rate.
const loadClients = 32

// offeredRun is a run of ingest and worker together at a fixed rate.
type offeredRun struct {
	name     string
	rate     int
	duration time.Duration
	// sample, when positive, reads memory at this interval.
	sample time.Duration
}

// offeredResult is what an offered run measured.
type offeredResult struct {
	endToEnd Figure
	ingest   Figure
	samples  []heapSample
	e2e      *latencies
}

// runEndToEnd offers EndToEndRate events per second to ingest, with a
// worker draining the topic, and measures the time from ingest acceptance
// to the worker's outcome.
func (b *bench) runEndToEnd(ctx context.Context) error {
	res, err := b.runOffered(ctx, offeredRun{name: "e2e", rate: b.cfg.EndToEndRate, duration: b.cfg.EndToEndDuration})
	if err != nil {
		return err
	}

	b.results.EndToEnd = []Figure{res.endToEnd, res.ingest}
	b.results.EndToEndLatencies = histogram(res.e2e.sorted())
	b.logf("end to end at %d/s: p50 %.1fms p99 %.1fms max %.1fms", b.cfg.EndToEndRate, res.endToEnd.P50Ms, res.endToEnd.P99Ms, res.endToEnd.MaxMs)

	return nil
}

// runOffered starts a simulator, a worker and the ingest, and posts
// run.rate events per second for run.duration.
func (b *bench) runOffered(ctx context.Context, run offeredRun) (offeredResult, error) {
	total := run.rate * int(run.duration.Seconds())
	events := batch{name: run.name, events: total}
	cfg := events.workerConfig(b.run, b.cfg.Brokers, b.cfg.WorkerConcurrency)
	if err := createTopics(ctx, b.cfg.Brokers, cfg, b.cfg.Partitions); err != nil {
		return offeredResult{}, err
	}
	if err := seedMappings(ctx, b.rdb, b.prefix, events); err != nil {
		return offeredResult{}, err
	}

	sim, err := startSimulator(0, events)
	if err != nil {
		return offeredResult{}, err
	}
	defer sim.stop()

	e2e := &latencies{}
	counts := newOutcomes(total, e2e)
	w, err := startWorker(workerSpec{consumer: cfg, arena: sim.arenaConfig(), redisAddr: b.cfg.RedisAddr, prefix: b.prefix, observer: counts.observe}, zap.NewNop())
	if err != nil {
		return offeredResult{}, err
	}
	srv, err := b.startIngest(cfg.Topic)
	if err != nil {
		return offeredResult{}, errors.Join(err, w.stop())
	}
	// The consumer group joins in the background; a pause keeps the join
	// out of the latency figures.
	if err := sleepCtx(ctx, 5*time.Second); err != nil {
		return offeredResult{}, errors.Join(err, w.stop(), srv.stop())
	}

	m := startMeter()
	var stats postStats
	var samples []heapSample
	sampled := b.sampleMemory(run.sample, &counts.done, &samples)
	elapsed := offerLoad(ctx, run.rate, total, func(i int) { stats.post(postClientShared, srv.url, events.webhookBody(i)) })
	waitErr := counts.wait(ctx, time.Minute)
	sampled()

	res := offeredResult{e2e: e2e, samples: samples}
	res.endToEnd = Figure{Name: fmt.Sprintf("end to end at %d/s offered", run.rate), Events: int(counts.done.Load()), Seconds: elapsed.Seconds(), PerSecond: float64(counts.done.Load()) / elapsed.Seconds()}
	e2e.fill(&res.endToEnd)
	m.finish(&res.endToEnd, total, 0)
	res.endToEnd.Note = fmt.Sprintf("%d done, %d not done", counts.done.Load(), counts.failed.Load())

	res.ingest = Figure{Name: "ingest response time in the same run", Events: int(stats.accepted.Load()), Seconds: elapsed.Seconds(), PerSecond: float64(stats.accepted.Load()) / elapsed.Seconds()}
	stats.latency.fill(&res.ingest)
	res.ingest.Note = fmt.Sprintf("%d responses 202, %d other; CPU and memory are in the line above", stats.accepted.Load(), stats.other.Load())

	return res, errors.Join(waitErr, srv.stop(), w.stop())
}

// postClientShared carries the offered load of every run.
var postClientShared = postClient(loadClients)

// offerLoad calls post for events 0 to total-1 at rate per second from
// loadClients goroutines, and returns how long the offering took. A post
// that is late does not shift the schedule of the others.
func offerLoad(ctx context.Context, rate, total int, post func(i int)) time.Duration {
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	var next atomic.Int64

	var wg sync.WaitGroup
	for range loadClients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
					time.Sleep(wait)
				}
				post(i)
			}
		})
	}
	wg.Wait()

	return time.Since(start)
}

// sampleMemory reads memory every interval until the returned function is
// called; it does nothing when interval is zero.
func (b *bench) sampleMemory(interval time.Duration, events *atomic.Int64, samples *[]heapSample) func() {
	if interval <= 0 {
		return func() {}
	}

	start := time.Now()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		*samples = append(*samples, readHeap(start, events.Load()))
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				*samples = append(*samples, readHeap(start, events.Load()))
				b.writeHeapProfile(len(*samples))
			}
		}
	}()

	return func() {
		close(stop)
		<-done
	}
}

// writeHeapProfile writes heap profile number n when HeapProfile is set.
func (b *bench) writeHeapProfile(n int) {
	if b.cfg.HeapProfile == "" {
		return
	}

	f, err := os.Create(fmt.Sprintf("%s-%03d.pb.gz", b.cfg.HeapProfile, n))
	if err != nil {
		b.logf("heap profile %d not written: %v", n, err)

		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.logf("heap profile %d not written: %v", n, err)
	}
}
