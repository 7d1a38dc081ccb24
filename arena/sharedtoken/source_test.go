package sharedtoken

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/internal/testenv"
)

// countingFetcher issues numbered tokens with a fixed lifetime and counts
// its logins.
type countingFetcher struct {
	lifetime time.Duration
	delay    time.Duration
	fail     error
	logins   atomic.Int32
}

func (f *countingFetcher) FetchToken(ctx context.Context) (arena.Token, error) {
	n := f.logins.Add(1)
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.fail != nil {
		return arena.Token{}, f.fail
	}
	now := time.Now()
	return arena.Token{AccessToken: fmt.Sprintf("token-%d", n), TokenType: "Bearer", IssuedAt: now, ExpiresAt: now.Add(f.lifetime), Scopes: []string{"user.read"}}, nil
}

func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func newTestSource(t *testing.T, rdb redis.Cmdable, prefix string, fetcher arena.TokenFetcher, reg prometheus.Registerer) *Source {
	t.Helper()
	source, err := New(Config{Prefix: prefix, RefreshMargin: time.Second, PollInterval: 10 * time.Millisecond, LockTTL: 2 * time.Second, RedisRetryInterval: time.Hour}, rdb, fetcher, nil, NewMetrics(reg))
	if err != nil {
		t.Fatal(err)
	}
	return source
}

func TestSourceSharesOneLoginAcrossInstances(t *testing.T) {
	rdb := testRedis(t)
	prefix := testenv.RedisPrefix(t)
	fetcher := &countingFetcher{lifetime: time.Hour, delay: 100 * time.Millisecond}
	sources := []*Source{
		newTestSource(t, rdb, prefix, fetcher, nil),
		newTestSource(t, rdb, prefix, fetcher, nil),
		newTestSource(t, rdb, prefix, fetcher, nil),
	}

	var wg sync.WaitGroup
	tokens := make([]string, 30)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token, err := sources[i%len(sources)].Token(context.Background())
			if err != nil {
				t.Errorf("Token: %v", err)
			}
			tokens[i] = token.AccessToken
		}()
	}
	wg.Wait()

	if got := fetcher.logins.Load(); got != 1 {
		t.Errorf("logins = %d, want 1", got)
	}
	for i, token := range tokens {
		if token != "token-1" {
			t.Errorf("caller %d got %q, want token-1", i, token)
		}
	}
}

func TestSourceRefreshesStaleTokenOnce(t *testing.T) {
	tests := []struct {
		name string
		// expired makes the cached token unusable, so waiters cannot keep
		// using it while one instance logs in.
		expired bool
	}{
		{name: "within the margin, still valid"},
		{name: "expired", expired: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb := testRedis(t)
			prefix := testenv.RedisPrefix(t)
			now := time.Now()
			stale := arena.Token{AccessToken: "stale", IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(500 * time.Millisecond)}
			if tt.expired {
				stale.ExpiresAt = now.Add(-time.Second)
				stale.IssuedAt = now.Add(-time.Hour)
			}
			// The key gets an hour to live, because Redis would delete a key
			// whose expiry is in the past at once.
			if err := newTokenStore(rdb, prefix).write(context.Background(), arena.Token{AccessToken: stale.AccessToken, IssuedAt: stale.IssuedAt, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if err := rdb.HSet(context.Background(), prefix+"arena:token", fieldExpiresAt, formatUnixNano(stale.ExpiresAt)).Err(); err != nil {
				t.Fatal(err)
			}

			fetcher := &countingFetcher{lifetime: time.Hour, delay: 200 * time.Millisecond}
			a := newTestSource(t, rdb, prefix, fetcher, nil)
			b := newTestSource(t, rdb, prefix, fetcher, nil)

			var wg sync.WaitGroup
			got := make([]string, 20)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					source := a
					if i%2 == 1 {
						source = b
					}
					token, err := source.Token(context.Background())
					if err != nil {
						t.Errorf("Token: %v", err)
					}
					got[i] = token.AccessToken
				}()
			}
			wg.Wait()

			if n := fetcher.logins.Load(); n != 1 {
				t.Errorf("logins = %d, want 1", n)
			}
			for i, token := range got {
				switch {
				case tt.expired && token != "token-1":
					t.Errorf("caller %d got %q, want token-1: an expired token must not be used", i, token)
				case !tt.expired && token != "token-1" && token != "stale":
					t.Errorf("caller %d got %q, want token-1 or the still valid stale token", i, token)
				}
			}
		})
	}
}

func TestSourceInvalidate(t *testing.T) {
	tests := []struct {
		name        string
		rejected    string
		wantDeleted bool
	}{
		{name: "rejected token is still cached", rejected: "token-1", wantDeleted: true},
		{name: "another instance stored a new token", rejected: "token-0", wantDeleted: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb := testRedis(t)
			prefix := testenv.RedisPrefix(t)
			registry := prometheus.NewRegistry()
			fetcher := &countingFetcher{lifetime: time.Hour}
			source := newTestSource(t, rdb, prefix, fetcher, registry)
			if _, err := source.Token(context.Background()); err != nil {
				t.Fatal(err)
			}

			source.Invalidate(context.Background(), arena.Token{AccessToken: tt.rejected})

			exists, err := rdb.Exists(context.Background(), prefix+"arena:token").Result()
			if err != nil {
				t.Fatal(err)
			}
			if deleted := exists == 0; deleted != tt.wantDeleted {
				t.Errorf("token deleted = %v, want %v", deleted, tt.wantDeleted)
			}
			if got := testutil.ToFloat64(source.metrics.unauthorizedRetries); got != 1 {
				t.Errorf("arenasync_arena_unauthorized_retries_total = %g, want 1", got)
			}

			token, err := source.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wantToken, wantLogins := "token-1", int32(1)
			if tt.wantDeleted {
				wantToken, wantLogins = "token-2", 2
			}
			if token.AccessToken != wantToken || fetcher.logins.Load() != wantLogins {
				t.Errorf("after Invalidate: token %q after %d logins, want %q after %d", token.AccessToken, fetcher.logins.Load(), wantToken, wantLogins)
			}
		})
	}
}

func TestSourceFallsBackWithoutRedis(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().String()
	_ = listener.Close()

	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	registry := prometheus.NewRegistry()
	fetcher := &countingFetcher{lifetime: time.Hour}
	source := newTestSource(t, rdb, "arenasync-test:", fetcher, registry)

	for i := range 3 {
		token, err := source.Token(context.Background())
		if err != nil {
			t.Fatalf("call %d: Token: %v", i, err)
		}
		if token.AccessToken != "token-1" {
			t.Errorf("call %d: token %q, want the per-process token-1", i, token.AccessToken)
		}
	}

	if source.Shared() {
		t.Error("Shared() = true without Redis, want false")
	}
	if got := fetcher.logins.Load(); got != 1 {
		t.Errorf("logins = %d, want 1", got)
	}
	if got := testutil.ToFloat64(source.metrics.fallbacks); got != 1 {
		t.Errorf("arenasync_arena_token_fallbacks_total = %g, want 1", got)
	}
	if got := testutil.ToFloat64(source.metrics.shared); got != 0 {
		t.Errorf("arenasync_arena_token_shared = %g, want 0", got)
	}
}

func TestSourceCountsRefreshResults(t *testing.T) {
	rdb := testRedis(t)
	registry := prometheus.NewRegistry()
	failing := &countingFetcher{fail: errors.New("arena is down")}
	source := newTestSource(t, rdb, testenv.RedisPrefix(t), failing, registry)

	if _, err := source.Token(context.Background()); err == nil || err.Error() != "arena is down" {
		t.Fatalf("Token error = %v, want the fetcher's error", err)
	}
	if got := testutil.ToFloat64(source.metrics.refreshes.WithLabelValues(resultError)); got != 1 {
		t.Errorf(`refreshes{result="error"} = %g, want 1`, got)
	}

	working := &countingFetcher{lifetime: time.Hour}
	source.fetcher = working
	if _, err := source.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(source.metrics.refreshes.WithLabelValues(resultSuccess)); got != 1 {
		t.Errorf(`refreshes{result="success"} = %g, want 1`, got)
	}
	if got := source.metrics.secondsToExpiry(); got < 3590 || got > 3600 {
		t.Errorf("arenasync_arena_token_expiry_seconds = %g, want about 3600", got)
	}
	if problems, err := testutil.GatherAndLint(registry); err != nil || len(problems) != 0 {
		t.Errorf("metric lint: %v %v", problems, err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "valid", cfg: Config{Prefix: "arenasync:"}},
		{name: "missing prefix", cfg: Config{}, wantErr: "invalid shared token config: Prefix is missing; use the Redis key prefix such as arenasync:"},
		{name: "negative lock TTL", cfg: Config{Prefix: "p:", LockTTL: -time.Second, WaitTimeout: time.Second}, wantErr: "invalid shared token config: LockTTL -1s is negative; use a positive duration"},
		{name: "lock TTL below a millisecond", cfg: Config{Prefix: "p:", LockTTL: time.Microsecond}, wantErr: "invalid shared token config: LockTTL 1µs is below 1ms, the resolution of Redis expiry"},
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
	want := Config{Prefix: "p:", RefreshMargin: 5 * time.Minute, LockTTL: 30 * time.Second, WaitTimeout: 30 * time.Second, PollInterval: 50 * time.Millisecond, RedisRetryInterval: 5 * time.Second}
	if got != want {
		t.Errorf("withDefaults() = %+v, want %+v", got, want)
	}
}
