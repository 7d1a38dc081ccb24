package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// localLimiter limits one instance while Redis is unreachable: its share of
// the rate and a pause of its own after a 429, without probes.
type localLimiter struct {
	cfg  Config
	rate *rate.Limiter

	mu         sync.Mutex
	pauseUntil time.Time
	strikes    int
}

func newLocalLimiter(cfg Config) *localLimiter {
	perSecond := cfg.RequestsPerSecond / float64(cfg.FallbackInstances)
	burst := max(1, cfg.Burst/cfg.FallbackInstances)
	return &localLimiter{cfg: cfg, rate: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func (l *localLimiter) perSecond() float64 { return float64(l.rate.Limit()) }

// admit waits for the pause and the rate.
func (l *localLimiter) admit(ctx context.Context, waited map[string]time.Duration) (ticket, error) {
	if left := l.pausedFor(); left > 0 {
		if left > maxWait(ctx, l.cfg.MaxWait) {
			return ticket{}, fmt.Errorf("%w: this instance pauses for %s more", ErrWaitTooLong, left.Round(time.Millisecond))
		}
		waited[reasonPause] += left
		if err := sleep(ctx, left); err != nil {
			return ticket{}, err
		}
	}

	start := time.Now()
	if err := l.rate.Wait(ctx); err != nil {
		return ticket{}, fmt.Errorf("%w: %w", ErrWaitTooLong, err)
	}
	if d := time.Since(start); d > time.Millisecond {
		waited[reasonRate] += d
	}
	return ticket{local: true}, nil
}

func (l *localLimiter) pausedFor() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(time.Until(l.pauseUntil), 0)
}

// pause starts a pause of requested, or of the next backoff step when
// requested is 0, and returns its length.
func (l *localLimiter) pause(requested time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.strikes++
	wait := requested
	if wait <= 0 {
		wait = min(l.cfg.PauseInitial<<min(l.strikes-1, 30), l.cfg.PauseMax)
	}
	if until := time.Now().Add(wait); until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
	return wait
}

// lift resets the backoff after a response other than 429.
func (l *localLimiter) lift() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.strikes = 0
}
