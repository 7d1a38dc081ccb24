package circuit

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
)

// Log keys used by this package.
const (
	logKeyFrom     = "from"
	logKeyTo       = "to"
	logKeyInterval = "probe_interval"
)

// State is the circuit's state. Its values are those of the
// arenasync_arena_circuit_state metric.
type State = gobreaker.State

// Circuit states.
const (
	StateClosed   = gobreaker.StateClosed
	StateHalfOpen = gobreaker.StateHalfOpen
	StateOpen     = gobreaker.StateOpen
)

// errArenaDown is the result the breaker records for a transport failure or
// a 5xx response.
var errArenaDown = errors.New("arena did not respond or responded with 5xx")

// Prober makes the cheap authenticated call that tests whether Arena
// responds again.
type Prober func(ctx context.Context) error

// Breaker is the circuit breaker on Arena's health. It is safe for
// concurrent use.
type Breaker struct {
	cfg     Config
	cb      *gobreaker.TwoStepCircuitBreaker[struct{}]
	probe   Prober
	metrics *Metrics
	logger  *zap.Logger

	mu sync.Mutex
	// changed is closed and replaced at every state change.
	changed chan struct{}
}

// New returns a closed Breaker that probes with probe. A nil logger logs
// nothing, and nil metrics are registered nowhere. Run must be running for
// an open circuit to close again.
func New(cfg Config, probe Prober, logger *zap.Logger, metrics *Metrics) (*Breaker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = zap.NewNop()
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}

	b := &Breaker{cfg: cfg, probe: probe, metrics: metrics, logger: logger, changed: make(chan struct{})}
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "arena",
		MaxRequests: 1,
		Timeout:     cfg.ProbeInterval,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= uint32(cfg.FailureThreshold)
		},
		IsExcluded:    isExcluded,
		OnStateChange: b.onStateChange,
	})
	return b, nil
}

// State returns the circuit's state.
func (b *Breaker) State() State { return b.cb.State() }

// Observe records the result of one Arena call. It is meant for
// arena.WithCallObserver and does not block. Results are ignored while the
// circuit is open, and in half-open state only the first counts.
func (b *Breaker) Observe(info arena.CallInfo) {
	done, err := b.cb.Allow()
	if err != nil {
		return
	}
	done(resultOf(info))
}

// Wait blocks while the circuit is not closed. It returns ctx's error when
// ctx ends first. It is the consumer's Gate.
func (b *Breaker) Wait(ctx context.Context) error {
	for {
		changed := b.changedChan()
		if b.cb.State() == StateClosed {
			return nil
		}

		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Run probes Arena every ProbeInterval while the circuit is open, until ctx
// ends.
func (b *Breaker) Run(ctx context.Context) {
	for {
		if err := b.waitNotClosed(ctx); err != nil {
			return
		}
		if err := sleep(ctx, b.cfg.ProbeInterval); err != nil {
			return
		}
		b.probeOnce(ctx)
	}
}

// probeOnce sends the probe when the circuit lets one call through.
func (b *Breaker) probeOnce(ctx context.Context) {
	done, err := b.cb.Allow()
	if err != nil {
		return
	}

	probeCtx, cancel := context.WithTimeout(ctx, b.cfg.ProbeTimeout)
	err = b.probe(probeCtx)
	cancel()

	result := probeResultOf(err)
	done(result)

	switch {
	case isExcluded(result):
		b.logger.Debug("arena probe not sent", zap.Error(err))
	case result == nil:
		b.metrics.probes.WithLabelValues(probeSuccess).Inc()
		b.logger.Info("arena responded to the probe")
	default:
		b.metrics.probes.WithLabelValues(probeFailure).Inc()
		b.logger.Warn("arena probe failed; fetching stays paused", zap.Duration(logKeyInterval, b.cfg.ProbeInterval), zap.Error(err))
	}
}

// waitNotClosed blocks while the circuit is closed.
func (b *Breaker) waitNotClosed(ctx context.Context) error {
	for {
		changed := b.changedChan()
		if b.cb.State() != StateClosed {
			return nil
		}

		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *Breaker) changedChan() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// onStateChange runs inside gobreaker's lock, so it must not call b.cb.
func (b *Breaker) onStateChange(_ string, from, to gobreaker.State) {
	b.metrics.state.Set(float64(to))
	b.metrics.transitions.WithLabelValues(from.String(), to.String()).Inc()

	switch to {
	case StateOpen:
		b.logger.Warn("arena circuit opened; fetching from kafka pauses until a probe succeeds",
			zap.String(logKeyFrom, from.String()), zap.Duration(logKeyInterval, b.cfg.ProbeInterval))
	case StateClosed:
		b.logger.Info("arena circuit closed; fetching from kafka resumes", zap.String(logKeyFrom, from.String()))
	default:
		b.logger.Debug("arena circuit half-open", zap.String(logKeyFrom, from.String()), zap.String(logKeyTo, to.String()))
	}

	b.mu.Lock()
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// resultOf returns nil for a call that Arena responded to with a status below 500,
// errArenaDown for a transport failure or 5xx, and context.Canceled for a
// call its caller abandoned.
func resultOf(info arena.CallInfo) error {
	switch {
	case info.StatusCode >= http.StatusInternalServerError:
		return errArenaDown
	case info.StatusCode > 0:
		return nil
	case info.Err == nil:
		return nil
	case errors.Is(info.Err, context.Canceled):
		return context.Canceled
	default:
		return errArenaDown
	}
}

// probeResultOf classifies the probe's error like resultOf. A probe the
// call guard did not admit says nothing about Arena and is excluded.
func probeResultOf(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, arena.ErrNotAdmitted) || errors.Is(err, context.Canceled) {
		return context.Canceled
	}

	arenaErr, ok := arena.AsError(err)
	if !ok {
		return errArenaDown
	}
	return resultOf(arena.CallInfo{StatusCode: arenaErr.StatusCode, Err: err})
}

// isExcluded keeps abandoned calls out of the counts.
func isExcluded(err error) bool {
	return errors.Is(err, context.Canceled)
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
