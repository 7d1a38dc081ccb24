package ratelimit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/internal/testenv"
)

func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func newTestLimiter(t *testing.T, rdb redis.Cmdable, cfg Config) *Limiter {
	t.Helper()
	limiter, err := New(cfg, rdb, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return limiter
}

// answer is the CallInfo of an Arena answer with status and, for 429, the
// wait Arena asked for.
func answer(status int, retryAfter time.Duration) arena.CallInfo {
	info := arena.CallInfo{Endpoint: arena.EndpointCompleteRecord, StatusCode: status}
	if status >= 400 {
		info.Err = &arena.Error{Op: arena.EndpointCompleteRecord, StatusCode: status, RetryAfter: retryAfter}
	}
	return info
}

func admit(t *testing.T, l *Limiter) func(arena.CallInfo) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done, err := l.Admit(ctx, arena.EndpointCompleteRecord)
	if err != nil {
		t.Fatalf("Admit: %v", err)
	}
	return done
}

func TestLimiterSharesRateAcrossInstances(t *testing.T) {
	rdb := testRedis(t)
	cfg := Config{Prefix: testenv.RedisPrefix(t), RequestsPerSecond: 20, Burst: 1}
	limiters := []*Limiter{newTestLimiter(t, rdb, cfg), newTestLimiter(t, rdb, cfg)}

	start := time.Now()
	var wg sync.WaitGroup
	for i := range 21 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			admit(t, limiters[i%2])(answer(http.StatusOK, 0))
		}()
	}
	wg.Wait()

	// 21 calls at 20 per second with a burst of 1 take one second in total,
	// not half a second as two separate limits would allow.
	if elapsed := time.Since(start); elapsed < 950*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("21 calls through two limiters took %s, want about 1s", elapsed)
	}
}

func TestLimiterLimitsConcurrentCalls(t *testing.T) {
	limiter := newTestLimiter(t, testRedis(t), Config{Prefix: testenv.RedisPrefix(t), RequestsPerSecond: 1000, MaxConcurrent: 2})

	first := admit(t, limiter)
	admit(t, limiter)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := limiter.Admit(ctx, arena.EndpointGetUser); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third Admit with two in flight = %v, want a deadline error", err)
	}

	first(answer(http.StatusOK, 0))
	admit(t, limiter)
	if got := testutil.ToFloat64(limiter.metrics.waits.WithLabelValues(reasonConcurrency)); got != 1 {
		t.Errorf(`waits{reason="concurrency"} = %g, want 1`, got)
	}
}

func TestLimiterPausesEveryInstance(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		wantPause  time.Duration
	}{
		{name: "Retry-After of 2s", retryAfter: 2 * time.Second, wantPause: 2 * time.Second},
		{name: "no wait requested", retryAfter: 0, wantPause: 400 * time.Millisecond},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb := testRedis(t)
			cfg := Config{Prefix: testenv.RedisPrefix(t), RequestsPerSecond: 1000, PauseInitial: 400 * time.Millisecond, PauseMax: 3 * time.Second}
			first, second := newTestLimiter(t, rdb, cfg), newTestLimiter(t, rdb, cfg)

			admit(t, first)(answer(http.StatusTooManyRequests, tt.retryAfter))

			left := second.PausedFor(context.Background())
			if left > tt.wantPause || left < tt.wantPause-200*time.Millisecond {
				t.Errorf("other instance's PausedFor = %s, want about %s", left, tt.wantPause)
			}

			start := time.Now()
			admit(t, second)(answer(http.StatusOK, 0))
			if waited := time.Since(start); waited < tt.wantPause-200*time.Millisecond {
				t.Errorf("other instance's call waited %s, want about %s", waited, tt.wantPause)
			}
			if got := second.PausedFor(context.Background()); got != 0 {
				t.Errorf("PausedFor after the probe succeeded = %s, want 0", got)
			}
		})
	}
}

func TestLimiterBackoffGrowsPerRound(t *testing.T) {
	rdb := testRedis(t)
	limiter := newTestLimiter(t, rdb, Config{Prefix: testenv.RedisPrefix(t), RequestsPerSecond: 1000, PauseInitial: 200 * time.Millisecond, PauseMax: 500 * time.Millisecond})

	// Round 1: two calls in flight both get 429; only the first adds a strike.
	a, b := admit(t, limiter), admit(t, limiter)
	a(answer(http.StatusTooManyRequests, 0))
	b(answer(http.StatusTooManyRequests, 0))
	if left := limiter.PausedFor(context.Background()); left > 200*time.Millisecond {
		t.Errorf("pause after round 1 = %s, want at most 200ms", left)
	}

	wantPauses := []time.Duration{400 * time.Millisecond, 500 * time.Millisecond}
	for round, want := range wantPauses {
		probe := admit(t, limiter)
		probe(answer(http.StatusTooManyRequests, 0))
		left := limiter.PausedFor(context.Background())
		if left > want || left < want-150*time.Millisecond {
			t.Errorf("pause after round %d = %s, want about %s", round+2, left, want)
		}
	}
}

func TestLimiterLetsOneProbeThrough(t *testing.T) {
	rdb := testRedis(t)
	cfg := Config{Prefix: testenv.RedisPrefix(t), RequestsPerSecond: 1000, PauseInitial: 200 * time.Millisecond, PollInterval: 20 * time.Millisecond}
	first, second := newTestLimiter(t, rdb, cfg), newTestLimiter(t, rdb, cfg)
	admit(t, first)(answer(http.StatusTooManyRequests, 0))
	time.Sleep(250 * time.Millisecond)

	probe := admit(t, first)

	admitted := make(chan struct{})
	go func() {
		admit(t, second)(answer(http.StatusOK, 0))
		close(admitted)
	}()
	select {
	case <-admitted:
		t.Fatal("a second call was admitted while the probe had no answer")
	case <-time.After(300 * time.Millisecond):
	}

	probe(answer(http.StatusOK, 0))
	select {
	case <-admitted:
	case <-time.After(2 * time.Second):
		t.Fatal("the waiting call was not admitted after the probe succeeded")
	}
}

func TestLimiterRejectsWaitBeyondMaxWait(t *testing.T) {
	limiter := newTestLimiter(t, testRedis(t), Config{Prefix: testenv.RedisPrefix(t), RequestsPerSecond: 1000, MaxWait: time.Second})
	admit(t, limiter)(answer(http.StatusTooManyRequests, 30*time.Second))

	start := time.Now()
	_, err := limiter.Admit(context.Background(), arena.EndpointGetUser)
	if !errors.Is(err, ErrWaitTooLong) {
		t.Fatalf("Admit during a 30s pause = %v, want ErrWaitTooLong", err)
	}
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Errorf("Admit took %s to give up, want at once", elapsed)
	}
}

func TestLimiterFallsBackWithoutRedis(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().String()
	_ = listener.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })

	limiter := newTestLimiter(t, rdb, Config{Prefix: "p:", RequestsPerSecond: 1000, PauseInitial: 300 * time.Millisecond, RedisRetryInterval: time.Hour})
	admit(t, limiter)(answer(http.StatusTooManyRequests, 0))

	if left := limiter.PausedFor(context.Background()); left <= 0 || left > 300*time.Millisecond {
		t.Errorf("local PausedFor = %s, want up to 300ms", left)
	}
	start := time.Now()
	admit(t, limiter)(answer(http.StatusOK, 0))
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("call after a local 429 waited %s, want the local pause", waited)
	}
	if got := testutil.ToFloat64(limiter.metrics.fallbacks); got != 1 {
		t.Errorf("arenasync_arena_ratelimit_fallbacks_total = %g, want 1", got)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "valid", cfg: Config{Prefix: "p:"}},
		{name: "missing prefix", cfg: Config{}, wantErr: "invalid rate limit config: Prefix is missing; use the Redis key prefix such as arenasync:"},
		{name: "negative rate", cfg: Config{Prefix: "p:", RequestsPerSecond: -1}, wantErr: "invalid rate limit config: RequestsPerSecond -1 is not a positive number"},
		{name: "initial pause above max", cfg: Config{Prefix: "p:", PauseInitial: time.Minute, PauseMax: time.Second}, wantErr: "invalid rate limit config: PauseInitial 1m0s exceeds PauseMax 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Validate() = %v, want %q wrapping ErrInvalidConfig", err, tt.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	got := Config{Prefix: "p:"}.withDefaults()
	want := Config{Prefix: "p:", RequestsPerSecond: 20, Burst: 20, MaxConcurrent: 8, PauseInitial: time.Second, PauseMax: 20 * time.Second,
		MaxWait: 25 * time.Second, ProbeTimeout: 30 * time.Second, PollInterval: 100 * time.Millisecond, RedisRetryInterval: 5 * time.Second, FallbackInstances: 1}
	if got != want {
		t.Errorf("withDefaults() = %+v, want %+v", got, want)
	}
}
