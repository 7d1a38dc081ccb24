package circuit

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by Config.Validate for every invalid field.
var ErrInvalidConfig = errors.New("invalid circuit breaker config")

// Defaults applied to zero Config fields.
const (
	DefaultFailureThreshold = 5
	DefaultProbeInterval    = 5 * time.Second
	DefaultProbeTimeout     = 10 * time.Second
)

// Config configures a Breaker.
type Config struct {
	// FailureThreshold is the number of transport failures or 5xx responses
	// in a row, across all calls, that opens the circuit. Default 5. Zero
	// means the default.
	FailureThreshold int

	// ProbeInterval is the time between probes while the circuit is open.
	// Default 5s. Zero means the default.
	ProbeInterval time.Duration

	// ProbeTimeout bounds one probe, its token request included. Default
	// 10s. Zero means the default.
	ProbeTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.FailureThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = DefaultProbeInterval
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	return c
}

// Validate reports every invalid field, after defaults, as one error that
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	c = c.withDefaults()

	var errs []error
	if c.FailureThreshold < 1 {
		errs = append(errs, invalidConfig("FailureThreshold %d is below 1", c.FailureThreshold))
	}
	if c.ProbeInterval < 0 {
		errs = append(errs, invalidConfig("ProbeInterval %s is negative; use a positive duration such as 5s", c.ProbeInterval))
	}
	if c.ProbeTimeout < 0 {
		errs = append(errs, invalidConfig("ProbeTimeout %s is negative; use a positive duration such as 10s", c.ProbeTimeout))
	}
	return errors.Join(errs...)
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
