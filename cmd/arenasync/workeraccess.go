package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/circuit"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/ratelimit"
	"github.com/arenasync/arenasync/store"
)

// accessOptions are the worker's flags for sharing the Arena token, the rate
// limit and the circuit breaker.
type accessOptions struct {
	tokenCache      string
	rate            float64
	burst           int
	maxConcurrent   int
	maxInPlaceWait  time.Duration
	pauseInitial    time.Duration
	pauseMax        time.Duration
	instances       int
	circuitFailures int
	probeInterval   time.Duration
	probeEmployee   string
}

func (o *accessOptions) register(flags *pflag.FlagSet) {
	flags.StringVar(&o.tokenCache, "arena-token-cache", string(access.TokenCacheRedis), "where the Arena token or session is kept: redis (shared by every instance) or process (one per process; instances then end each other's Arena sessions)")
	flags.Float64Var(&o.rate, "arena-rate-limit", ratelimit.DefaultRequestsPerSecond, "Arena calls per second of all instances together, shared through Redis")
	flags.IntVar(&o.burst, "arena-rate-burst", 0, "Arena calls sent at once after a quiet period (0: one second's worth)")
	flags.IntVar(&o.maxConcurrent, "arena-max-concurrent", ratelimit.DefaultMaxConcurrent, "Arena calls in flight per instance; Arena sees up to instances times this")
	flags.DurationVar(&o.maxInPlaceWait, "arena-max-in-place-wait", ratelimit.DefaultMaxWait, "longest pause after a 429 that events wait for in place; a longer one moves them to the retry tiers")
	flags.DurationVar(&o.pauseInitial, "arena-pause-initial", ratelimit.DefaultPauseInitial, "pause after a 429 without Retry-After; it doubles with each further 429")
	flags.DurationVar(&o.pauseMax, "arena-pause-max", ratelimit.DefaultPauseMax, "longest pause after repeated 429s without Retry-After")
	flags.IntVar(&o.instances, "arena-instances", ratelimit.DefaultFallbackInstances, "number of worker instances; while Redis is unreachable each one sends at most --arena-rate-limit divided by this")
	flags.IntVar(&o.circuitFailures, "arena-circuit-failures", circuit.DefaultFailureThreshold, "transport failures or 5xx responses in a row that stop fetching from Kafka until Arena responds to a probe")
	flags.DurationVar(&o.probeInterval, "arena-circuit-probe-interval", circuit.DefaultProbeInterval, "time between probes of Arena while fetching is stopped")
	flags.StringVar(&o.probeEmployee, "arena-probe-employee", access.DefaultProbeEmployeeID, "employee id whose GET user call probes Arena; any response below 500, 404 included, counts as up")
}

// config returns the access configuration of these options.
func (o *accessOptions) config(prefix string) access.Config {
	return access.Config{
		Prefix:     prefix,
		TokenCache: access.TokenCache(o.tokenCache),
		RateLimit: ratelimit.Config{
			RequestsPerSecond: o.rate,
			Burst:             o.burst,
			MaxConcurrent:     o.maxConcurrent,
			PauseInitial:      o.pauseInitial,
			PauseMax:          o.pauseMax,
			FallbackInstances: o.instances,
		},
		Circuit:         circuit.Config{FailureThreshold: o.circuitFailures, ProbeInterval: o.probeInterval},
		ProbeEmployeeID: o.probeEmployee,
		MaxInPlaceWait:  o.maxInPlaceWait,
	}
}

// workerAccess is the worker's Arena client with its gate.
type workerAccess struct {
	client *arena.Client

	// options make the consumer stop fetching while Arena is unavailable.
	options []consumer.Option

	close func()
}

// buildWorkerAccess opens a Redis client for the shared token and rate
// limit, builds the Arena client around them and starts the circuit
// breaker's probes, which stop when ctx ends.
func buildWorkerAccess(ctx context.Context, o workerOptions, logger *zap.Logger, reg prometheus.Registerer) (*workerAccess, error) {
	rdb, prefix, err := store.Open(o.redis.config())
	if err != nil {
		return nil, err
	}

	parts, err := access.New(o.access.config(prefix), o.arena.config(), nil, rdb, logger, reg)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}

	probeCtx, stopProbes := context.WithCancel(ctx)
	go parts.Run(probeCtx)

	return &workerAccess{
		client:  parts.Client,
		options: []consumer.Option{consumer.WithGate(parts.Gate)},
		close: func() {
			stopProbes()
			_ = rdb.Close()
		},
	}, nil
}
