package sharedtoken

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
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

// commandCounter is a go-redis hook that counts the commands naming a key
// under prefix, by lower-case command name. Connection set-up commands such
// as HELLO name no key and are not counted.
type commandCounter struct {
	prefix string

	mu     sync.Mutex
	counts map[string]int
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.add(cmd)
		}
		return next(ctx, cmds)
	}
}

func (c *commandCounter) add(cmd redis.Cmder) {
	for _, arg := range cmd.Args() {
		if key, ok := arg.(string); ok && strings.HasPrefix(key, c.prefix) {
			c.mu.Lock()
			c.counts[cmd.Name()]++
			c.mu.Unlock()
			return
		}
	}
}

// count returns the number of commands called name that were sent.
func (c *commandCounter) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[name]
}

// total returns the number of commands sent.
func (c *commandCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()

	n := 0
	for _, count := range c.counts {
		n += count
	}
	return n
}

// countingRedis returns a client of the test Redis whose commands on keys
// under prefix are counted.
func countingRedis(t *testing.T, prefix string) (*redis.Client, *commandCounter) {
	t.Helper()
	client := testRedis(t)
	counter := &commandCounter{prefix: prefix, counts: map[string]int{}}
	client.AddHook(counter)
	return client, counter
}

// testClock is a settable time for Source.now, safe to read from the
// refresh goroutine.
type testClock struct{ nanos atomic.Int64 }

func newTestClock(at time.Time) *testClock {
	c := &testClock{}
	c.set(at)
	return c
}

func (c *testClock) set(at time.Time) { c.nanos.Store(at.UnixNano()) }
func (c *testClock) now() time.Time   { return time.Unix(0, c.nanos.Load()) }

// storeToken writes token to Redis as another instance would, and deletes
// it when the test ends, because a token without an expiry never expires.
func storeToken(t *testing.T, rdb redis.Cmdable, prefix string, token arena.Token) {
	t.Helper()
	store := newTokenStore(rdb, prefix)
	if err := store.write(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Del(context.Background(), store.tokenKey).Err() })
}

// storedAccessToken returns the access token that Redis contains under prefix.
func storedAccessToken(t *testing.T, rdb redis.Cmdable, prefix string) string {
	t.Helper()
	token, err := newTokenStore(rdb, prefix).read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return token.AccessToken
}

func TestSourceServesTokenFromMemory(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn time.Duration
		// wantReads is the number of HGETALL commands for sequentialCalls
		// calls followed by concurrentCalls calls.
		wantReads int
	}{
		{name: "token with expiry", expiresIn: time.Hour, wantReads: 1},
		{name: "token without expiry", wantReads: sequentialCalls + concurrentCalls},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := testenv.RedisPrefix(t)
			rdb, counter := countingRedis(t, prefix)
			now := time.Now()
			stored := arena.Token{AccessToken: "stored", TokenType: "Bearer", IssuedAt: now}
			if tt.expiresIn > 0 {
				stored.ExpiresAt = now.Add(tt.expiresIn)
			}
			storeToken(t, rdb, prefix, stored)
			writes := counter.total()

			fetcher := &countingFetcher{lifetime: time.Hour}
			source := newTestSource(t, rdb, prefix, fetcher, nil)
			for i := range sequentialCalls {
				token, err := source.Token(context.Background())
				if err != nil {
					t.Fatalf("call %d: Token: %v", i, err)
				}
				if token.AccessToken != "stored" {
					t.Fatalf("call %d: token %q, want stored", i, token.AccessToken)
				}
			}

			var wg sync.WaitGroup
			for range concurrentCalls {
				wg.Go(func() {
					token, err := source.Token(context.Background())
					if err != nil || token.AccessToken != "stored" {
						t.Errorf("concurrent Token = %q, %v; want stored", token.AccessToken, err)
					}
				})
			}
			wg.Wait()

			if got := counter.count("hgetall"); got != tt.wantReads {
				t.Errorf("HGETALL commands = %d, want %d", got, tt.wantReads)
			}
			if got := counter.total() - writes; got != tt.wantReads {
				t.Errorf("Redis commands after the write = %d, want %d, all of them HGETALL", got, tt.wantReads)
			}
			if got := fetcher.logins.Load(); got != 0 {
				t.Errorf("logins = %d, want 0", got)
			}
		})
	}
}

// Call counts of TestSourceServesTokenFromMemory.
const (
	sequentialCalls = 100
	concurrentCalls = 50
)

func TestSourceReadsRedisAtRefreshTime(t *testing.T) {
	base := time.Now()
	// The stored token lives an hour, so the test source's 1s margin puts
	// its refresh time 1s before its expiry.
	stored := arena.Token{AccessToken: "stored", TokenType: "Bearer", IssuedAt: base.Add(-50 * time.Minute), ExpiresAt: base.Add(10 * time.Minute)}
	refreshAt := stored.ExpiresAt.Add(-time.Second)

	tests := []struct {
		name       string
		at         time.Time
		wantToken  string
		wantReads  int
		wantLogins int32
	}{
		// One read fills the memory, and the call at "at" adds none.
		{name: "just before the refresh time", at: refreshAt.Add(-time.Nanosecond), wantToken: "stored", wantReads: 1, wantLogins: 0},
		// The call at "at" reads, takes the lock, reads again and logs in.
		{name: "at the refresh time", at: refreshAt, wantToken: "token-1", wantReads: 3, wantLogins: 1},
		{name: "after the expiry", at: stored.ExpiresAt.Add(time.Second), wantToken: "token-1", wantReads: 3, wantLogins: 1},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := testenv.RedisPrefix(t)
			rdb, counter := countingRedis(t, prefix)
			storeToken(t, rdb, prefix, stored)

			fetcher := &countingFetcher{lifetime: time.Hour}
			source := newTestSource(t, rdb, prefix, fetcher, nil)
			clock := newTestClock(base)
			source.now = clock.now
			if token, err := source.Token(context.Background()); err != nil || token.AccessToken != "stored" {
				t.Fatalf("first Token = %q, %v; want stored", token.AccessToken, err)
			}

			clock.set(tt.at)
			token, err := source.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if token.AccessToken != tt.wantToken {
				t.Errorf("token = %q, want %q", token.AccessToken, tt.wantToken)
			}
			if got := counter.count("hgetall"); got != tt.wantReads {
				t.Errorf("HGETALL commands = %d, want %d", got, tt.wantReads)
			}
			if got := fetcher.logins.Load(); got != tt.wantLogins {
				t.Errorf("logins = %d, want %d", got, tt.wantLogins)
			}
			if got := storedAccessToken(t, rdb, prefix); got != tt.wantToken {
				t.Errorf("Redis contains %q, want %q", got, tt.wantToken)
			}

			// The token just returned is within its validity window, so the
			// next call is served from memory.
			reads := counter.count("hgetall")
			if again, err := source.Token(context.Background()); err != nil || again.AccessToken != tt.wantToken {
				t.Errorf("next Token = %q, %v; want %q", again.AccessToken, err, tt.wantToken)
			}
			if got := counter.count("hgetall") - reads; got != 0 {
				t.Errorf("HGETALL commands of the next call = %d, want 0", got)
			}
		})
	}
}

func TestSourceInvalidateClearsMemory(t *testing.T) {
	tests := []struct {
		name     string
		rejected string
		// wantToken is what the instance returns after Invalidate, and
		// wantReads its HGETALL commands in the whole test.
		wantToken string
		wantReads int
	}{
		{name: "token in memory rejected", rejected: "token-1", wantToken: "token-2", wantReads: 2},
		// The memory keeps token-1 although Redis contains token-2: the
		// instance learns about token-2 on its own 401 for token-1.
		{name: "older token rejected", rejected: "token-0", wantToken: "token-1", wantReads: 1},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := testenv.RedisPrefix(t)
			fetcher := &countingFetcher{lifetime: time.Hour}
			other := newTestSource(t, testRedis(t), prefix, fetcher, nil)
			rdb, counter := countingRedis(t, prefix)
			source := newTestSource(t, rdb, prefix, fetcher, nil)

			if token, err := other.Token(context.Background()); err != nil || token.AccessToken != "token-1" {
				t.Fatalf("other instance: Token = %q, %v; want token-1", token.AccessToken, err)
			}
			if token, err := source.Token(context.Background()); err != nil || token.AccessToken != "token-1" {
				t.Fatalf("Token = %q, %v; want token-1 from Redis", token.AccessToken, err)
			}

			// The other instance gets a 401 for token-1 and logs in again.
			other.Invalidate(context.Background(), arena.Token{AccessToken: "token-1"})
			if token, err := other.Token(context.Background()); err != nil || token.AccessToken != "token-2" {
				t.Fatalf("other instance after Invalidate: Token = %q, %v; want token-2", token.AccessToken, err)
			}

			source.Invalidate(context.Background(), arena.Token{AccessToken: tt.rejected})
			token, err := source.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}

			if token.AccessToken != tt.wantToken {
				t.Errorf("token after Invalidate = %q, want %q", token.AccessToken, tt.wantToken)
			}
			if got := counter.count("hgetall"); got != tt.wantReads {
				t.Errorf("HGETALL commands = %d, want %d", got, tt.wantReads)
			}
			if got := fetcher.logins.Load(); got != 2 {
				t.Errorf("logins = %d, want 2: the other instance's first login and its login after the 401", got)
			}
			if got := storedAccessToken(t, rdb, prefix); got != "token-2" {
				t.Errorf("Redis contains %q, want token-2: the compare-and-delete must keep the other instance's token", got)
			}
		})
	}
}

func TestSourceMemoryDuringRedisOutage(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	registry := prometheus.NewRegistry()
	fetcher := &countingFetcher{lifetime: time.Hour}
	source := newTestSource(t, rdb, prefix, fetcher, registry)
	clock := newTestClock(time.Now())
	source.now = clock.now

	first, err := source.Token(context.Background())
	if err != nil || first.AccessToken != "token-1" {
		t.Fatalf("Token = %q, %v; want token-1", first.AccessToken, err)
	}

	// Every command of a closed client fails, as with Redis stopped.
	if err := rdb.Close(); err != nil {
		t.Fatal(err)
	}

	token, err := source.Token(context.Background())
	if err != nil || token.AccessToken != "token-1" {
		t.Errorf("Token before the refresh time = %q, %v; want token-1 from memory", token.AccessToken, err)
	}
	if !source.Shared() {
		t.Error("Shared() = false before any Redis command failed, want true")
	}
	if got := testutil.ToFloat64(source.metrics.fallbacks); got != 0 {
		t.Errorf("arenasync_arena_token_fallbacks_total = %g before the refresh time, want 0", got)
	}

	clock.set(first.RefreshAt(time.Second))
	token, err = source.Token(context.Background())
	if err != nil || token.AccessToken != "token-2" {
		t.Errorf("Token at the refresh time = %q, %v; want the per-process token-2", token.AccessToken, err)
	}
	if source.Shared() {
		t.Error("Shared() = true after the Redis read failed, want false")
	}
	if got := testutil.ToFloat64(source.metrics.fallbacks); got != 1 {
		t.Errorf("arenasync_arena_token_fallbacks_total = %g, want 1", got)
	}
	if _, ok := source.memory.get(clock.now().Add(-time.Minute)); ok {
		t.Error("memory still holds a token after the switch to the per-process token")
	}
	if got := fetcher.logins.Load(); got != 2 {
		t.Errorf("logins = %d, want 2: the shared token-1 and the per-process token-2", got)
	}
}

func TestMemoryToken(t *testing.T) {
	now := time.Now()
	cached := arena.Token{AccessToken: "cached"}
	refreshAt := now.Add(time.Minute)

	tests := []struct {
		name string
		// change runs between taking the generation and keeping cached.
		change func(m *memoryToken)
		// after runs once cached was kept.
		after  func(m *memoryToken)
		at     time.Time
		wantOK bool
	}{
		{name: "before the refresh time", at: now, wantOK: true},
		{name: "at the refresh time", at: refreshAt},
		{name: "after the refresh time", at: refreshAt.Add(time.Second)},
		{name: "kept token forgotten", after: func(m *memoryToken) { m.forget(cached) }, at: now},
		{name: "other token forgotten", after: func(m *memoryToken) { m.forget(arena.Token{AccessToken: "older"}) }, at: now, wantOK: true},
		{name: "cleared", after: (*memoryToken).clear, at: now},
		{name: "forget during the read", change: func(m *memoryToken) { m.forget(arena.Token{AccessToken: "older"}) }, at: now},
		{name: "clear during the read", change: (*memoryToken).clear, at: now},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m memoryToken
			generation := m.currentGeneration()
			if tt.change != nil {
				tt.change(&m)
			}
			m.keep(cached, refreshAt, generation)
			if tt.after != nil {
				tt.after(&m)
			}

			token, ok := m.get(tt.at)
			if ok != tt.wantOK {
				t.Fatalf("get ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && token.AccessToken != "cached" {
				t.Errorf("get token = %q, want cached", token.AccessToken)
			}
		})
	}
}
