package access

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/circuit"
	"github.com/arenasync/arenasync/pipeline"
)

// breakerState is the part of circuit.Breaker the gate uses.
type breakerState interface {
	State() circuit.State
	Wait(ctx context.Context) error
}

// pauser is the part of ratelimit.Limiter the gate uses.
type pauser interface {
	PausedFor(ctx context.Context) time.Duration
}

// Gate holds the worker's fetching back while the circuit is open or a
// pause after 429 lasts, and decides which failed events wait in place.
// It implements consumer.Gate and consumer.RetryHolder.
type Gate struct {
	breaker    breakerState
	limiter    pauser
	maxInPlace time.Duration
	poll       time.Duration
	logger     *zap.Logger

	mu        sync.Mutex
	checkedAt time.Time
	pausedFor time.Duration
}

func newGate(breaker breakerState, limiter pauser, maxInPlace, poll time.Duration, logger *zap.Logger) *Gate {
	return &Gate{breaker: breaker, limiter: limiter, maxInPlace: maxInPlace, poll: poll, logger: logger}
}

// Wait returns when the circuit is closed and no pause lasts, or with ctx's
// error.
func (g *Gate) Wait(ctx context.Context) error {
	for {
		if err := g.breaker.Wait(ctx); err != nil {
			return err
		}

		left := g.paused(ctx)
		if left <= 0 {
			return nil
		}
		if err := sleep(ctx, min(left, g.poll)); err != nil {
			return err
		}
	}
}

// HoldRetry reports whether out failed because Arena is unavailable to
// every event and, if so, waits for the gate. That is the case while the
// circuit is not closed, and for a 429 or a call the rate limit held back
// while the pause is at most MaxInPlaceWait.
func (g *Gate) HoldRetry(ctx context.Context, out pipeline.Outcome) bool {
	if out.Kind != pipeline.Retryable || !arenaWide(out.Reason) {
		return false
	}
	if !g.shouldHold(ctx, out) {
		return false
	}

	g.logger.Debug("arena is unavailable to every event; handling the event again when the gate opens",
		zap.String(logKeyReason, string(out.Reason)))
	return g.Wait(ctx) == nil
}

func (g *Gate) shouldHold(ctx context.Context, out pipeline.Outcome) bool {
	if g.breaker.State() != circuit.StateClosed {
		return true
	}

	left := g.refreshPause(ctx)
	if out.Reason == pipeline.ReasonRateLimited || left > 0 {
		return left <= g.maxInPlace
	}
	return false
}

// paused returns the pause left, querying Redis at most once per poll
// interval while no pause lasts.
func (g *Gate) paused(ctx context.Context) time.Duration {
	g.mu.Lock()
	fresh := time.Since(g.checkedAt) < g.poll
	left := g.pausedFor - time.Since(g.checkedAt)
	g.mu.Unlock()

	if fresh && left <= 0 {
		return 0
	}
	return g.refreshPause(ctx)
}

func (g *Gate) refreshPause(ctx context.Context) time.Duration {
	left := g.limiter.PausedFor(ctx)

	g.mu.Lock()
	g.checkedAt = time.Now()
	g.pausedFor = left
	g.mu.Unlock()
	return left
}

// arenaWide reports whether a failure of this reason can come from Arena
// being down or rate-limited for every event, rather than from this event.
func arenaWide(reason pipeline.Reason) bool {
	switch reason {
	case pipeline.ReasonArenaUnavailable, pipeline.ReasonArenaTimeout, pipeline.ReasonArenaUnreachable, pipeline.ReasonRateLimited:
		return true
	default:
		return false
	}
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
