package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/ratelimit"
	"github.com/arenasync/arenasync/store"
)

// benchRateLimit is the Arena rate limit of the bench workers, in calls per
// second: far above the rates measured here, so no call waits for it. The
// limiter still runs its Redis script on every call.
const benchRateLimit = 1_000_000

// outcomes counts the outcomes that a worker's observer receives.
type outcomes struct {
	done   atomic.Int64
	failed atomic.Int64
	// first and last are the Unix nanoseconds of the first and last outcome.
	first atomic.Int64
	last  atomic.Int64
	// endToEnd receives now minus the accepted-at time of each event when
	// it is non-nil.
	endToEnd *latencies
	target   int64
	reached  chan struct{}
	once     sync.Once
}

// newOutcomes returns counters that close reached after target outcomes.
func newOutcomes(target int, endToEnd *latencies) *outcomes {
	return &outcomes{target: int64(target), reached: make(chan struct{}), endToEnd: endToEnd}
}

// observe is the worker's observer.
func (o *outcomes) observe(_ string, env pipeline.Envelope, out pipeline.Outcome) {
	now := time.Now()
	o.first.CompareAndSwap(0, now.UnixNano())
	o.last.Store(now.UnixNano())
	if o.endToEnd != nil && !env.Meta.AcceptedAt.IsZero() {
		o.endToEnd.add(now.Sub(env.Meta.AcceptedAt))
	}

	if out.Kind == pipeline.Done {
		o.done.Add(1)
	} else {
		o.failed.Add(1)
	}
	if o.done.Load()+o.failed.Load() >= o.target {
		o.once.Do(func() { close(o.reached) })
	}
}

// rate returns the events per second between the first and the last
// outcome, which leaves out the consumer group's join.
func (o *outcomes) rate() (events int, seconds float64) {
	events = int(o.done.Load() + o.failed.Load())
	seconds = time.Duration(o.last.Load() - o.first.Load()).Seconds()

	return events, seconds
}

// wait returns when the target is reached or after timeout.
func (o *outcomes) wait(ctx context.Context, timeout time.Duration) error {
	select {
	case <-o.reached:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("timed out after %s with %d of %d outcomes", timeout, o.done.Load()+o.failed.Load(), o.target)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// workerSpec describes one bench worker.
type workerSpec struct {
	consumer  consumer.Config
	arena     arena.Config
	redisAddr string
	prefix    string
	observer  consumer.Observer
	// registry receives the worker's metrics; nil means a private one.
	registry *prometheus.Registry
}

// runningWorker is a started worker.
type runningWorker struct {
	stop func() error
}

// startWorker builds the worker as the worker role does (shared token, rate
// limit and circuit breaker through Redis, enrollment map, holds,
// completion ledger and the set of unrecorded completions) and runs it
// until stop.
func startWorker(spec workerSpec, logger *zap.Logger) (*runningWorker, error) {
	reg := spec.registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	rdb := redis.NewClient(&redis.Options{Addr: spec.redisAddr, PoolSize: max(10, spec.consumer.Concurrency)})

	handlers := spec.consumer.Concurrency
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = handlers
	httpClient := &http.Client{Transport: transport}

	accessCfg := access.Config{
		Prefix:    spec.prefix,
		RateLimit: ratelimit.Config{RequestsPerSecond: benchRateLimit, MaxConcurrent: handlers},
	}
	calls, err := access.New(accessCfg, spec.arena, httpClient, rdb, logger, reg)
	if err != nil {
		return nil, errors.Join(err, rdb.Close())
	}

	holds := store.NewHolds(rdb, spec.prefix)
	h := handler.New(handler.Config{}, calls.Client, store.NewEnrollments(rdb, spec.prefix), logger,
		handler.WithParkedEvents(holds), handler.WithMetrics(reg))
	recorder, err := ledger.NewRecorder(ledger.Config{}, ledger.NewStore(rdb, spec.prefix), logger, reg)
	if err != nil {
		return nil, errors.Join(err, rdb.Close())
	}
	observe := func(topic string, env pipeline.Envelope, out pipeline.Outcome) {
		recorder.Observe(topic, env, out)
		if spec.observer != nil {
			spec.observer(topic, env, out)
		}
	}
	worker, err := consumer.NewWorker(spec.consumer, h, logger, reg,
		consumer.WithObserver(observe), consumer.WithHolds(holds), consumer.WithGate(calls.Gate),
		consumer.WithUnrecorded(consumer.NewRedisUnrecorded(rdb, spec.prefix)))
	if err != nil {
		return nil, errors.Join(err, rdb.Close())
	}

	ctx, cancel := context.WithCancel(context.Background())
	go calls.Run(ctx)
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx) }()

	stop := func() error {
		cancel()
		err := <-done
		transport.CloseIdleConnections()

		return errors.Join(err, rdb.Close())
	}

	return &runningWorker{stop: stop}, nil
}
