package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

	"github.com/arenasync/arenasync/arena"
)

// Log keys used by this package.
const (
	logKeyEndpoint      = "endpoint"
	logKeyPause         = "pause"
	logKeyStrikes       = "strikes"
	logKeyRetryInterval = "redis_retry_interval"
	logKeyRate          = "requests_per_second"
)

// settleTimeout bounds the Redis command that records a call's response,
// because the caller's context may have ended.
const settleTimeout = 3 * time.Second

// Limiter is an arena.CallGuard that applies the shared rate limit, this
// instance's share of concurrent calls and the shared pause after a 429.
// It is safe for concurrent use.
type Limiter struct {
	cfg      Config
	rdb      redis.Cmdable
	rateKey  string
	pauseKey string
	slots    *semaphore.Weighted
	local    *localLimiter
	metrics  *Metrics
	logger   *zap.Logger

	mu           sync.Mutex
	degraded     bool
	nextRedisTry time.Time
}

var _ arena.CallGuard = (*Limiter)(nil)

// ticket is the admission state of one call.
type ticket struct {
	// gen is the pause round the call was admitted in.
	gen int64
	// probe is true for the one call that tests whether a pause is over.
	probe bool
	// local is true when the call was admitted without Redis.
	local bool
}

// New returns a Limiter that keeps its shared state under cfg.Prefix in
// rdb. A nil logger logs nothing, and nil metrics are registered nowhere.
func New(cfg Config, rdb redis.Cmdable, logger *zap.Logger, metrics *Metrics) (*Limiter, error) {
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

	return &Limiter{
		cfg:      cfg,
		rdb:      rdb,
		rateKey:  cfg.Prefix + "ratelimit:rate",
		pauseKey: cfg.Prefix + "ratelimit:pause",
		slots:    semaphore.NewWeighted(int64(cfg.MaxConcurrent)),
		local:    newLocalLimiter(cfg),
		metrics:  metrics,
		logger:   logger,
	}, nil
}

// Admit waits for a concurrency slot, the pause and the call's rate slot.
// The returned function releases the slot and records Arena's response: a 429
// pauses every instance, and the probe's other responses lift the pause.
func (l *Limiter) Admit(ctx context.Context, endpoint arena.Endpoint) (func(arena.CallInfo), error) {
	if err := l.acquireSlot(ctx); err != nil {
		return nil, err
	}

	t, err := l.admit(ctx)
	if err != nil {
		l.slots.Release(1)
		return nil, err
	}

	var once sync.Once
	return func(info arena.CallInfo) {
		once.Do(func() {
			l.slots.Release(1)
			l.settle(endpoint, t, info)
		})
	}, nil
}

// PausedFor returns how much of the shared pause is left, or 0.
func (l *Limiter) PausedFor(ctx context.Context) time.Duration {
	if l.useLocal() {
		return l.local.pausedFor()
	}

	micros, err := pausedScript.Run(ctx, l.rdb, []string{l.pauseKey}).Int64()
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		l.degrade(err)
		return l.local.pausedFor()
	}
	l.recover()
	return time.Duration(micros) * time.Microsecond
}

// Wait blocks while the shared pause lasts. It returns ctx's error when ctx
// ends first.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		left := l.PausedFor(ctx)
		if left <= 0 {
			return ctx.Err()
		}
		if err := sleep(ctx, left); err != nil {
			return err
		}
	}
}

func (l *Limiter) acquireSlot(ctx context.Context) error {
	if l.slots.TryAcquire(1) {
		return nil
	}

	start := time.Now()
	err := l.slots.Acquire(ctx, 1)
	l.metrics.observeWait(reasonConcurrency, time.Since(start).Seconds())
	return err
}

// admit runs the admit script until the call may be sent, sleeping the
// waits it returns.
func (l *Limiter) admit(ctx context.Context) (ticket, error) {
	waited := make(map[string]time.Duration)
	defer func() {
		for reason, d := range waited {
			l.metrics.observeWait(reason, d.Seconds())
		}
	}()

	for {
		if l.useLocal() {
			return l.local.admit(ctx, waited)
		}

		reply, err := l.runAdmit(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ticket{}, ctx.Err()
			}
			l.degrade(err)
			continue
		}
		l.recover()

		switch reply.result {
		case admitGranted:
			if reply.wait > 0 {
				waited[reasonRate] += reply.wait
				if err := sleep(ctx, reply.wait); err != nil {
					return ticket{}, err
				}
			}
			return ticket{gen: reply.gen, probe: reply.probe}, nil
		case admitPaused:
			if reply.wait > l.maxWait(ctx) {
				return ticket{}, fmt.Errorf("%w: arena requested a pause of every instance for %s more", ErrWaitTooLong, reply.wait.Round(time.Millisecond))
			}
			waited[reasonPause] += reply.wait
			if err := sleep(ctx, reply.wait); err != nil {
				return ticket{}, err
			}
		case admitProbePending:
			poll := jitter(l.cfg.PollInterval)
			waited[reasonProbe] += poll
			if err := sleep(ctx, poll); err != nil {
				return ticket{}, err
			}
		default:
			return ticket{}, fmt.Errorf("%w: the next rate slot is %s away", ErrWaitTooLong, reply.wait.Round(time.Millisecond))
		}
	}
}

type admitReply struct {
	result int64
	wait   time.Duration
	gen    int64
	probe  bool
}

func (l *Limiter) runAdmit(ctx context.Context) (admitReply, error) {
	interval := time.Duration(float64(time.Second) / l.cfg.RequestsPerSecond)
	maxWait := l.maxWait(ctx)

	values, err := admitScript.Run(ctx, l.rdb, []string{l.rateKey, l.pauseKey},
		interval.Microseconds(), l.cfg.Burst, maxWait.Microseconds(), l.cfg.ProbeTimeout.Microseconds()).Int64Slice()
	if err != nil {
		return admitReply{}, err
	}
	if len(values) != 4 {
		return admitReply{}, fmt.Errorf("admit script returned %d values, want 4", len(values))
	}

	return admitReply{
		result: values[0],
		wait:   time.Duration(values[1]) * time.Microsecond,
		gen:    values[2],
		probe:  values[3] == 1,
	}, nil
}

// settle records the response to an admitted call.
func (l *Limiter) settle(endpoint arena.Endpoint, t ticket, info arena.CallInfo) {
	if info.StatusCode != http.StatusTooManyRequests {
		switch {
		case t.local:
			l.local.lift()
		case t.probe:
			l.lift(t)
		}
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()

	l.metrics.pauses.Inc()
	requested := arena.RetryAfter(info.Err)
	if t.local || l.useLocal() {
		pause := l.local.pause(requested)
		l.logPause(endpoint, requested, pause, 0)
		return
	}

	values, err := pauseScript.Run(ctx, l.rdb, []string{l.pauseKey},
		t.gen, requested.Microseconds(), l.cfg.PauseInitial.Microseconds(), l.cfg.PauseMax.Microseconds()).Int64Slice()
	if err == nil && len(values) != 2 {
		err = fmt.Errorf("pause script returned %d values, want 2", len(values))
	}
	if err != nil {
		l.degrade(err)
		pause := l.local.pause(requested)
		l.logPause(endpoint, requested, pause, 0)
		return
	}
	l.logPause(endpoint, requested, time.Duration(values[0])*time.Microsecond, values[1])
}

// lift ends the pause after the probe got a response other than 429.
func (l *Limiter) lift(t ticket) {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()

	lifted, err := liftScript.Run(ctx, l.rdb, []string{l.pauseKey}, t.gen).Int()
	if err != nil {
		l.degrade(err)
		return
	}
	if lifted == 1 {
		l.logger.Info("arena responded to the probe; the rate-limit pause is over")
	}
}

func (l *Limiter) logPause(endpoint arena.Endpoint, requested, pause time.Duration, strikes int64) {
	fields := []zap.Field{
		zap.String(logKeyEndpoint, string(endpoint)),
		zap.Duration(logKeyPause, pause),
		zap.Int64(logKeyStrikes, strikes),
	}
	if requested > 0 {
		l.logger.Warn("arena responded with 429; every instance pauses for the requested time", fields...)
		return
	}
	l.logger.Warn("arena responded with 429 without a wait; every instance pauses with backoff", fields...)
}

// useLocal reports whether this call is decided without Redis. One call
// per RedisRetryInterval tries Redis again.
func (l *Limiter) useLocal() bool {
	l.mu.Lock()
	defer l.mu.Unlock()

	if !l.degraded {
		return false
	}
	now := time.Now()
	if now.Before(l.nextRedisTry) {
		return true
	}
	l.nextRedisTry = now.Add(l.cfg.RedisRetryInterval)
	return false
}

// recover switches back to the shared limit after Redis responded.
func (l *Limiter) recover() {
	l.mu.Lock()
	defer l.mu.Unlock()

	if !l.degraded {
		return
	}
	l.degraded = false
	l.logger.Info("redis responds again; arena calls use the shared rate limit")
}

// degrade switches to the per-instance limit after a Redis failure.
func (l *Limiter) degrade(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.nextRedisTry = time.Now().Add(l.cfg.RedisRetryInterval)
	if l.degraded {
		return
	}
	l.degraded = true
	l.metrics.fallbacks.Inc()
	l.logger.Warn("redis is unreachable; limiting arena calls per instance until it responds again",
		zap.Float64(logKeyRate, l.local.perSecond()),
		zap.Duration(logKeyRetryInterval, l.cfg.RedisRetryInterval), zap.Error(err))
}

// maxWait returns the longest wait a call accepts: MaxWait, or less when
// ctx's deadline comes sooner.
func (l *Limiter) maxWait(ctx context.Context) time.Duration {
	return maxWait(ctx, l.cfg.MaxWait)
}

func maxWait(ctx context.Context, limit time.Duration) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return min(limit, time.Until(deadline))
	}
	return limit
}

// jitter returns a duration between d/2 and 3d/2, so that waiting calls do
// not query Redis in step.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d+1)
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
