package access

import (
	"errors"
	"fmt"
	"time"

	"github.com/arenasync/arenasync/arena/sharedtoken"
	"github.com/arenasync/arenasync/circuit"
	"github.com/arenasync/arenasync/ratelimit"
)

// ErrInvalidConfig is wrapped by Config.Validate for every invalid field.
var ErrInvalidConfig = errors.New("invalid arena access config")

// TokenCache selects where the Arena token or session is kept.
type TokenCache string

// Token caches.
const (
	// TokenCacheRedis shares one token through Redis by every instance.
	TokenCacheRedis TokenCache = "redis"

	// TokenCacheProcess keeps one token per process. Instances then log in
	// on their own, and with Arena sessions each login ends the others'.
	TokenCacheProcess TokenCache = "process"
)

// Defaults applied to zero Config fields.
const (
	DefaultProbeEmployeeID = "arenasync-probe"
	DefaultGatePoll        = 200 * time.Millisecond
)

// Config configures the parts that govern Arena calls.
type Config struct {
	// Prefix starts every Redis key. Required.
	Prefix string

	// TokenCache is TokenCacheRedis or TokenCacheProcess. Default
	// TokenCacheRedis. Empty means the default.
	TokenCache TokenCache

	// Token configures the shared token. Its Prefix and RefreshMargin are
	// set from Prefix and the arena.Config.
	Token sharedtoken.Config

	// RateLimit configures the shared rate limit. Its Prefix is set from
	// Prefix, and its MaxWait from MaxInPlaceWait.
	RateLimit ratelimit.Config

	// Circuit configures the circuit breaker.
	Circuit circuit.Config

	// ProbeEmployeeID is the employee whose GET /users call probes Arena
	// while the circuit is open. Any response below 500, 404 included, closes
	// the circuit. Default "arenasync-probe". Empty means the default.
	ProbeEmployeeID string

	// MaxInPlaceWait is the longest pause after a 429 that events wait for
	// in place. Events facing a longer one move to a retry tier. Default 25s.
	// Zero means the default.
	MaxInPlaceWait time.Duration

	// GatePoll is how long the gate trusts its last reading of the shared
	// pause before it queries Redis again. Default 200ms. Zero means the
	// default.
	GatePoll time.Duration
}

func (c Config) withDefaults() Config {
	if c.TokenCache == "" {
		c.TokenCache = TokenCacheRedis
	}
	if c.ProbeEmployeeID == "" {
		c.ProbeEmployeeID = DefaultProbeEmployeeID
	}
	if c.MaxInPlaceWait == 0 {
		c.MaxInPlaceWait = ratelimit.DefaultMaxWait
	}
	if c.GatePoll == 0 {
		c.GatePoll = DefaultGatePoll
	}
	c.Token.Prefix = c.Prefix
	c.RateLimit.Prefix = c.Prefix
	c.RateLimit.MaxWait = c.MaxInPlaceWait
	return c
}

// Validate reports every invalid field, after defaults, as one error that
// wraps ErrInvalidConfig and the part's own sentinel.
func (c Config) Validate() error {
	c = c.withDefaults()

	var errs []error
	if c.Prefix == "" {
		errs = append(errs, invalidConfig("Prefix is missing; use the Redis key prefix such as arenasync:"))
	}
	if c.TokenCache != TokenCacheRedis && c.TokenCache != TokenCacheProcess {
		errs = append(errs, invalidConfig("TokenCache %q is unknown; use %q or %q", c.TokenCache, TokenCacheRedis, TokenCacheProcess))
	}
	if c.MaxInPlaceWait < 0 {
		errs = append(errs, invalidConfig("MaxInPlaceWait %s is negative; use a positive duration such as 25s", c.MaxInPlaceWait))
	}
	if c.GatePoll < 0 {
		errs = append(errs, invalidConfig("GatePoll %s is negative", c.GatePoll))
	}

	for _, err := range []error{c.Token.Validate(), c.RateLimit.Validate(), c.Circuit.Validate()} {
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidConfig, err))
		}
	}
	return errors.Join(errs...)
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
