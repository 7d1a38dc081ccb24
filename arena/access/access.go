package access

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/sharedtoken"
	"github.com/arenasync/arenasync/circuit"
	"github.com/arenasync/arenasync/ratelimit"
)

// Log keys used by this package.
const (
	logKeyReason     = "reason"
	logKeyTokenCache = "token_cache"
)

// probeRequestID is the X-Request-ID of the circuit breaker's probes.
const probeRequestID = "arenasync-circuit-probe"

// Access is an Arena client with its shared token, rate limit and circuit
// breaker.
type Access struct {
	// Client calls Arena through the shared parts.
	Client *arena.Client

	// Gate is the consumer's gate (consumer.WithGate); it also implements
	// consumer.RetryHolder.
	Gate *Gate

	// Breaker is the circuit breaker. Run runs its probes.
	Breaker *circuit.Breaker

	// Limiter is the shared rate limit.
	Limiter *ratelimit.Limiter

	// Tokens is the shared token source, or nil with TokenCacheProcess.
	Tokens *sharedtoken.Source
}

// New builds the Arena client for arenaCfg and the parts of cfg around it,
// keeping the shared state in rdb. A nil httpClient means the arena
// package's default. Metrics are registered on reg.
func New(cfg Config, arenaCfg arena.Config, httpClient *http.Client, rdb redis.Cmdable, logger *zap.Logger, reg prometheus.Registerer) (*Access, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Token.RefreshMargin = arenaCfg.TokenRefreshMargin
	if logger == nil {
		logger = zap.NewNop()
	}

	limiter, err := ratelimit.New(cfg.RateLimit, rdb, logger, ratelimit.NewMetrics(reg))
	if err != nil {
		return nil, err
	}

	// The probe calls through the client, which is built after the breaker
	// because the client's observer feeds the breaker.
	var client *arena.Client
	probe := func(ctx context.Context) error {
		_, err := client.GetUser(ctx, probeRequestID, cfg.ProbeEmployeeID)
		return err
	}
	breaker, err := circuit.New(cfg.Circuit, probe, logger, circuit.NewMetrics(reg))
	if err != nil {
		return nil, err
	}

	calls := newCallMetrics(reg)
	opts := []arena.Option{
		arena.WithCallGuard(limiter),
		arena.WithCallObserver(func(info arena.CallInfo) {
			calls.observe(info)
			breaker.Observe(info)
		}),
	}

	var tokens *sharedtoken.Source
	var tokensErr error
	if cfg.TokenCache == TokenCacheRedis {
		tokenMetrics := sharedtoken.NewMetrics(reg)
		opts = append(opts, arena.WithTokenSourceFunc(func(fetcher arena.TokenFetcher) arena.TokenSource {
			tokens, tokensErr = sharedtoken.New(cfg.Token, rdb, fetcher, logger, tokenMetrics)
			return tokens
		}))
	}

	client, err = arena.New(arenaCfg, httpClient, logger, opts...)
	if err != nil {
		return nil, err
	}
	if tokensErr != nil {
		return nil, tokensErr
	}

	a := &Access{
		Client:  client,
		Gate:    newGate(breaker, limiter, cfg.MaxInPlaceWait, cfg.GatePoll, logger),
		Breaker: breaker,
		Limiter: limiter,
		Tokens:  tokens,
	}
	logger.Info("arena access configured", zap.String(logKeyTokenCache, string(cfg.TokenCache)))
	return a, nil
}

// Run probes Arena while the circuit is open, until ctx ends.
func (a *Access) Run(ctx context.Context) {
	a.Breaker.Run(ctx)
}
