package sharedtoken

import (
	"errors"
	"fmt"
	"time"

	"github.com/arenasync/arenasync/arena"
)

// ErrInvalidConfig is wrapped by Config.Validate for every invalid field.
var ErrInvalidConfig = errors.New("invalid shared token config")

// ErrWaitTimedOut is returned by Source.Token when another instance held the
// refresh lock for longer than Config.WaitTimeout and stored no new token.
var ErrWaitTimedOut = errors.New("timed out waiting for another instance to refresh the arena token")

// Defaults applied to zero Config fields.
const (
	DefaultLockTTL            = 30 * time.Second
	DefaultPollInterval       = 50 * time.Millisecond
	DefaultRedisRetryInterval = 5 * time.Second
)

// Config configures a Source.
type Config struct {
	// Prefix starts the Redis keys: Prefix+"arena:token" holds the token and
	// Prefix+"arena:token:lock" the refresh lock. Required.
	Prefix string

	// RefreshMargin is how long before expiry the token is refreshed, but
	// never earlier than half its lifetime (see arena.Token.RefreshAt).
	// Default 5m. Zero means the default.
	RefreshMargin time.Duration

	// LockTTL is how long the refresh lock lasts when its holder does not
	// release it, for example because it crashed. It must exceed one login,
	// waits for the rate limit included. Default 30s. Zero means the default.
	LockTTL time.Duration

	// WaitTimeout is how long an instance waits for another instance's
	// refresh when it has no valid token. Default LockTTL. Zero means the
	// default.
	WaitTimeout time.Duration

	// PollInterval is how often a waiting instance reads the token again.
	// Default 50ms. Zero means the default.
	PollInterval time.Duration

	// RedisRetryInterval is how often Redis is tried again while the source
	// uses the per-process token. Default 5s. Zero means the default.
	RedisRetryInterval time.Duration
}

func (c Config) withDefaults() Config {
	if c.RefreshMargin == 0 {
		c.RefreshMargin = arena.DefaultTokenRefreshMargin
	}
	if c.LockTTL == 0 {
		c.LockTTL = DefaultLockTTL
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = c.LockTTL
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.RedisRetryInterval == 0 {
		c.RedisRetryInterval = DefaultRedisRetryInterval
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
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"RefreshMargin", c.RefreshMargin},
		{"LockTTL", c.LockTTL},
		{"WaitTimeout", c.WaitTimeout},
		{"PollInterval", c.PollInterval},
		{"RedisRetryInterval", c.RedisRetryInterval},
	} {
		if d.value < 0 {
			errs = append(errs, invalidConfig("%s %s is negative; use a positive duration", d.name, d.value))
		}
	}
	if c.LockTTL > 0 && c.LockTTL < time.Millisecond {
		errs = append(errs, invalidConfig("LockTTL %s is below 1ms, the resolution of Redis expiry", c.LockTTL))
	}

	return errors.Join(errs...)
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
