package sharedtoken

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/arenasync/arenasync/arena"
)

// Log keys used by this package.
const (
	logKeyExpiresAt     = "expires_at"
	logKeyRetryInterval = "redis_retry_interval"
	logKeyFromFallback  = "from_per_process_token"
)

// Source is an arena.TokenSource that shares one token through Redis. It is
// safe for concurrent use.
type Source struct {
	cfg      Config
	store    tokenStore
	fetcher  arena.TokenFetcher
	fallback *arena.ProcessTokenSource
	metrics  *Metrics
	logger   *zap.Logger
	now      func() time.Time

	// owner identifies this Source as the holder of the refresh lock.
	owner string

	// refreshes collapses the refreshes of one process into one.
	refreshes singleflight.Group

	// memory is the token last read from or written to Redis, kept until
	// its refresh time.
	memory memoryToken

	mu sync.Mutex
	// degraded is true while Redis is unreachable and the per-process token
	// is used.
	degraded bool
	// nextRedisTry is when a degraded source tries Redis again.
	nextRedisTry time.Time
	// lastFallback is the last per-process token handed out, published to
	// Redis on recovery instead of logging in again.
	lastFallback arena.Token
}

var _ arena.TokenSource = (*Source)(nil)

// New returns a Source that keeps the token under cfg.Prefix in rdb and
// logs in with fetcher. A nil logger logs nothing, and nil metrics are
// registered nowhere.
func New(cfg Config, rdb redis.Cmdable, fetcher arena.TokenFetcher, logger *zap.Logger, metrics *Metrics) (*Source, error) {
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

	return &Source{
		cfg:      cfg,
		store:    newTokenStore(rdb, cfg.Prefix),
		fetcher:  fetcher,
		fallback: arena.NewProcessTokenSource(fetcher, cfg.RefreshMargin, logger),
		metrics:  metrics,
		logger:   logger,
		now:      time.Now,
		owner:    newOwnerID(),
	}, nil
}

// Token returns the shared token, refreshing it when it is within the
// refresh margin of expiry. Before the token's refresh time it is returned
// from memory without a Redis command. While Redis is unreachable Token
// returns the per-process token.
func (s *Source) Token(ctx context.Context) (arena.Token, error) {
	if token, ok := s.memory.get(s.now()); ok {
		s.metrics.observeExpiry(token.ExpiresAt)
		return token, nil
	}

	if s.useFallback() {
		return s.fallbackToken(ctx)
	}

	token, err := s.sharedToken(ctx)
	if isRedisError(err) {
		s.degrade(err)
		return s.fallbackToken(ctx)
	}
	if err != nil {
		return arena.Token{}, err
	}

	s.recover()
	s.metrics.observeExpiry(token.ExpiresAt)
	return token, nil
}

// Invalidate drops stale from memory, so the retry after a 401 reads Redis
// again, and deletes the shared token, but only while it is still stale, so
// a token another instance stored meanwhile survives.
func (s *Source) Invalidate(ctx context.Context, stale arena.Token) {
	s.metrics.unauthorizedRetries.Inc()
	s.memory.forget(stale)
	s.fallback.Invalidate(ctx, stale)
	s.forgetFallbackToken(stale)

	if s.isDegraded() {
		return
	}
	deleted, err := s.store.invalidate(ctx, stale)

	// A Token call that read Redis before the script deleted stale may have
	// put it back in memory meanwhile.
	s.memory.forget(stale)

	if err != nil {
		s.degrade(err)
		return
	}
	if deleted {
		s.logger.Info("shared arena token invalidated after 401")
	}
}

// Shared reports whether the source currently uses the Redis-shared token.
// It turns false only when a Redis command fails. While the token is served
// from memory no command runs, so an outage shows at the token's refresh
// time or at the next 401, whichever comes first.
func (s *Source) Shared() bool { return !s.isDegraded() }

// sharedToken reads the token from Redis and refreshes it when needed.
func (s *Source) sharedToken(ctx context.Context) (arena.Token, error) {
	generation := s.memory.currentGeneration()
	cached, err := s.store.read(ctx)
	if err != nil {
		return arena.Token{}, err
	}
	if !cached.NeedsRefresh(s.now(), s.cfg.RefreshMargin) {
		s.keepInMemory(cached, generation)
		return cached, nil
	}

	results := s.refreshes.DoChan("refresh", func() (any, error) {
		refreshCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.WaitTimeout+s.cfg.LockTTL)
		defer cancel()
		return s.refresh(refreshCtx, cached, generation)
	})

	select {
	case <-ctx.Done():
		return arena.Token{}, ctx.Err()
	case result := <-results:
		if result.Err != nil {
			return arena.Token{}, result.Err
		}
		return result.Val.(arena.Token), nil
	}
}

// refresh replaces stale: this instance logs in when it gets the lock. When
// another instance holds it, a stale token that has not expired is used
// meanwhile, and otherwise refresh waits for the other instance's token.
// The memory generation was taken before stale was read.
func (s *Source) refresh(ctx context.Context, stale arena.Token, generation uint64) (arena.Token, error) {
	deadline := s.now().Add(s.cfg.WaitTimeout)
	waited := false

	for {
		got, err := s.store.lock(ctx, s.owner, s.cfg.LockTTL)
		if err != nil {
			return arena.Token{}, err
		}
		if got {
			return s.refreshLocked(ctx, stale, generation)
		}

		if usable(stale, s.now()) {
			return stale, nil
		}
		if !waited {
			waited = true
			s.metrics.waits.Inc()
		}

		token, err := s.awaitOther(ctx, stale, deadline, generation)
		if err != nil || token.AccessToken != "" {
			return token, err
		}
	}
}

// awaitOther polls until another instance stores a fresh token, releases
// the lock without one (an empty Token is returned, so the caller tries the
// lock again), or deadline passes.
func (s *Source) awaitOther(ctx context.Context, stale arena.Token, deadline time.Time, generation uint64) (arena.Token, error) {
	for {
		if !s.now().Before(deadline) {
			return arena.Token{}, fmt.Errorf("%w after %s", ErrWaitTimedOut, s.cfg.WaitTimeout)
		}
		if err := sleep(ctx, s.cfg.PollInterval); err != nil {
			return arena.Token{}, err
		}

		current, err := s.store.read(ctx)
		if err != nil {
			return arena.Token{}, err
		}
		if current.AccessToken != stale.AccessToken && !current.NeedsRefresh(s.now(), s.cfg.RefreshMargin) {
			s.keepInMemory(current, generation)
			return current, nil
		}

		locked, err := s.store.locked(ctx)
		if err != nil {
			return arena.Token{}, err
		}
		if !locked {
			return arena.Token{}, nil
		}
	}
}

// refreshLocked logs in while holding the lock and stores the new token.
func (s *Source) refreshLocked(ctx context.Context, stale arena.Token, generation uint64) (arena.Token, error) {
	defer func() {
		if err := s.store.unlock(context.WithoutCancel(ctx), s.owner); err != nil {
			s.logger.Warn("releasing the arena token lock failed; it expires by itself", zap.Error(err))
		}
	}()

	// Another instance may have stored a token between the read and the lock.
	current, err := s.store.read(ctx)
	if err != nil {
		return arena.Token{}, err
	}
	if current.AccessToken != stale.AccessToken && !current.NeedsRefresh(s.now(), s.cfg.RefreshMargin) {
		s.keepInMemory(current, generation)
		return current, nil
	}

	token, fromFallback := s.takeFallbackToken()
	if !fromFallback {
		token, err = s.fetcher.FetchToken(ctx)
		if err != nil {
			s.metrics.refreshes.WithLabelValues(resultError).Inc()
			return arena.Token{}, err
		}
		s.metrics.refreshes.WithLabelValues(resultSuccess).Inc()
	}

	if err := s.store.write(ctx, token); err != nil {
		// The token is good, and the next call falls back or retries Redis.
		// It is not kept in memory, because the other instances cannot read
		// it and may log in.
		s.logger.Warn("storing the arena token in redis failed", zap.Error(err))
		return token, nil
	}
	s.keepInMemory(token, generation)

	s.logger.Info("shared arena token stored",
		zap.Time(logKeyExpiresAt, token.ExpiresAt), zap.Bool(logKeyFromFallback, fromFallback))
	return token, nil
}

// keepInMemory stores token, which Redis also contains, in memory until its
// refresh time. Nothing is kept when the memory was cleared or had a token
// invalidated since generation was taken.
func (s *Source) keepInMemory(token arena.Token, generation uint64) {
	// A token without an expiry has no refresh time to bound its stay in
	// memory, so it is not kept and every call reads Redis for it.
	if token.ExpiresAt.IsZero() {
		return
	}

	refreshAt := token.RefreshAt(s.cfg.RefreshMargin)
	if !s.now().Before(refreshAt) {
		return
	}
	s.memory.keep(token, refreshAt, generation)
}

// takeFallbackToken returns the per-process token of a recent Redis outage
// while it needs no refresh, so recovering from the outage costs no login,
// and clears it.
func (s *Source) takeFallbackToken() (arena.Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	token := s.lastFallback
	s.lastFallback = arena.Token{}
	return token, !token.NeedsRefresh(s.now(), s.cfg.RefreshMargin)
}

// forgetFallbackToken drops the remembered per-process token when Arena
// rejected it, so recovery does not publish it.
func (s *Source) forgetFallbackToken(stale arena.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.lastFallback.AccessToken == stale.AccessToken {
		s.lastFallback = arena.Token{}
	}
}

// fallbackToken returns the per-process token.
func (s *Source) fallbackToken(ctx context.Context) (arena.Token, error) {
	token, err := s.fallback.Token(ctx)
	if err != nil {
		return arena.Token{}, err
	}

	s.mu.Lock()
	s.lastFallback = token
	s.mu.Unlock()
	s.metrics.observeExpiry(token.ExpiresAt)
	return token, nil
}

// useFallback reports whether this call uses the per-process token. One
// call per RedisRetryInterval tries Redis again.
func (s *Source) useFallback() bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	if !s.degraded {
		return false
	}
	now := s.now()
	if now.Before(s.nextRedisTry) {
		return true
	}
	s.nextRedisTry = now.Add(s.cfg.RedisRetryInterval)
	return false
}

func (s *Source) isDegraded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.degraded
}

// degrade switches to the per-process token after a Redis failure. It
// clears the memory, so that no call mixes the shared token with the
// per-process one while the source reports degraded.
func (s *Source) degrade(err error) {
	s.memory.clear()

	s.mu.Lock()
	defer s.mu.Unlock()

	s.nextRedisTry = s.now().Add(s.cfg.RedisRetryInterval)
	if s.degraded {
		return
	}
	s.degraded = true
	s.metrics.fallbacks.Inc()
	s.metrics.shared.Set(0)
	s.logger.Warn("redis is unreachable; using a per-process arena token until it responds again, so instances may end each other's Arena sessions",
		zap.Duration(logKeyRetryInterval, s.cfg.RedisRetryInterval), zap.Error(err))
}

// recover switches back to the shared token after Redis responded.
func (s *Source) recover() {
	s.mu.Lock()
	defer s.mu.Unlock()

	if !s.degraded {
		return
	}
	s.degraded = false
	s.metrics.shared.Set(1)
	s.logger.Info("redis responds again; using the shared arena token")
}

// usable reports whether token can still be sent: it has a value and has
// not expired.
func usable(token arena.Token, now time.Time) bool {
	return token.AccessToken != "" && (token.ExpiresAt.IsZero() || now.Before(token.ExpiresAt))
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

func newOwnerID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
