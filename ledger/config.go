package ledger

import (
	"fmt"
	"time"
)

// DefaultWriteTimeout is the default of Config.WriteTimeout.
const DefaultWriteTimeout = 2 * time.Second

// Config tunes a Recorder.
type Config struct {
	// WriteTimeout bounds one ledger write: one Observe call, which runs
	// inside the consumer's observer call and so delays the worker handler
	// while Redis is slow, or one Accepted call with all its completions.
	// Default 2s. Zero means the default.
	WriteTimeout time.Duration
	// WarnInterval is the shortest time between two warnings about failed
	// writes; the failures in between are only counted. Default 10s. Zero
	// means the default.
	WarnInterval time.Duration
}

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.WarnInterval == 0 {
		c.WarnInterval = 10 * time.Second
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.WriteTimeout < 0:
		return fmt.Errorf("ledger write timeout %s is negative: use a positive duration such as 2s, or 0 for the default", c.WriteTimeout)
	case c.WarnInterval < 0:
		return fmt.Errorf("ledger warn interval %s is negative: use a positive duration such as 10s, or 0 for the default", c.WarnInterval)
	}

	return nil
}
