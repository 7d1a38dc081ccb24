package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Sentinel errors.
var (
	// ErrInvalidConfig is wrapped by Config.Validate for every invalid field.
	ErrInvalidConfig = errors.New("invalid rate limit config")

	// ErrWaitTooLong is returned by Limiter.Admit when the pause or the
	// call's rate slot is further away than Config.MaxWait or the context's
	// deadline.
	ErrWaitTooLong = errors.New("the rate limit wait exceeds the call's deadline")
)

// Defaults applied to zero Config fields.
const (
	// DefaultRequestsPerSecond and DefaultMaxConcurrent are conservative
	// starting points, not Arena's published limits: set them from the
	// workspace's quota.
	DefaultRequestsPerSecond  = 20
	DefaultMaxConcurrent      = 8
	DefaultPauseInitial       = time.Second
	DefaultPauseMax           = 20 * time.Second
	DefaultMaxWait            = 25 * time.Second
	DefaultProbeTimeout       = 30 * time.Second
	DefaultPollInterval       = 100 * time.Millisecond
	DefaultRedisRetryInterval = 5 * time.Second
	DefaultFallbackInstances  = 1
)

// Config configures a Limiter.
type Config struct {
	// Prefix starts the Redis keys Prefix+"ratelimit:rate" and
	// Prefix+"ratelimit:pause". Required.
	Prefix string

	// RequestsPerSecond is the rate of Arena calls of all instances
	// together, token and login requests included. Default 20. Zero means
	// the default.
	RequestsPerSecond float64

	// Burst is how many calls may be sent at once after a quiet period.
	// Default RequestsPerSecond rounded up, so one second's worth. Zero
	// means the default.
	Burst int

	// MaxConcurrent is the number of calls this instance has in flight at
	// most. Default 8. Zero means the default.
	MaxConcurrent int

	// PauseInitial is the pause after a 429 without Retry-After or
	// X-RateLimit-Reset. Default 1s. Zero means the default.
	PauseInitial time.Duration

	// PauseMax caps the backoff of repeated 429s without a wait hint.
	// Default 20s. Zero means the default.
	PauseMax time.Duration

	// MaxWait is the longest wait for a pause or a rate slot that a call
	// accepts. A call facing a longer one fails at once with ErrWaitTooLong,
	// so its event can move to a retry tier instead of blocking a worker
	// handler. Default 25s. Zero means the default.
	MaxWait time.Duration

	// ProbeTimeout is how long the other calls wait for a probe's response
	// before another call may probe, in case the probing instance stopped.
	// It should exceed one Arena call. Default 30s. Zero means the default.
	ProbeTimeout time.Duration

	// PollInterval is how often a call that waits for a probe's response
	// checks again. Default 100ms. Zero means the default.
	PollInterval time.Duration

	// RedisRetryInterval is how often Redis is tried again while it is
	// unreachable. Default 5s. Zero means the default.
	RedisRetryInterval time.Duration

	// FallbackInstances divides RequestsPerSecond while Redis is
	// unreachable and each instance limits itself. Set it to the number of
	// instances. Default 1. Zero means the default.
	FallbackInstances int
}

func (c Config) withDefaults() Config {
	if c.RequestsPerSecond == 0 {
		c.RequestsPerSecond = DefaultRequestsPerSecond
	}
	if c.Burst == 0 {
		c.Burst = max(1, int(math.Ceil(c.RequestsPerSecond)))
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.PauseInitial == 0 {
		c.PauseInitial = DefaultPauseInitial
	}
	if c.PauseMax == 0 {
		c.PauseMax = DefaultPauseMax
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.RedisRetryInterval == 0 {
		c.RedisRetryInterval = DefaultRedisRetryInterval
	}
	if c.FallbackInstances == 0 {
		c.FallbackInstances = DefaultFallbackInstances
	}
	return c
}

// Validate reports every invalid field, after defaults, as one error that
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	c = c.withDefaults()

	var errs []error
	if c.Prefix == "" {
		errs = append(errs, invalidConfig("Prefix is missing; use the Redis key prefix such as arenasync:"))
	}
	if c.RequestsPerSecond < 0 || math.IsNaN(c.RequestsPerSecond) || math.IsInf(c.RequestsPerSecond, 0) {
		errs = append(errs, invalidConfig("RequestsPerSecond %g is not a positive number", c.RequestsPerSecond))
	}
	if c.Burst < 0 {
		errs = append(errs, invalidConfig("Burst %d is negative", c.Burst))
	}
	if c.MaxConcurrent < 0 {
		errs = append(errs, invalidConfig("MaxConcurrent %d is negative", c.MaxConcurrent))
	}
	if c.FallbackInstances < 0 {
		errs = append(errs, invalidConfig("FallbackInstances %d is negative", c.FallbackInstances))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"PauseInitial", c.PauseInitial},
		{"PauseMax", c.PauseMax},
		{"MaxWait", c.MaxWait},
		{"ProbeTimeout", c.ProbeTimeout},
		{"PollInterval", c.PollInterval},
		{"RedisRetryInterval", c.RedisRetryInterval},
	} {
		if d.value < 0 {
			errs = append(errs, invalidConfig("%s %s is negative; use a positive duration", d.name, d.value))
		}
	}
	if c.PauseMax > 0 && c.PauseInitial > c.PauseMax {
		errs = append(errs, invalidConfig("PauseInitial %s exceeds PauseMax %s", c.PauseInitial, c.PauseMax))
	}

	return errors.Join(errs...)
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
