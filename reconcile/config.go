package reconcile

import (
	"fmt"
	"time"
)

// Defaults of Config.
const (
	DefaultWorkers          = 8
	DefaultStaleApprovalAge = 7 * 24 * time.Hour
	DefaultInFlightGrace    = time.Hour
	DefaultResumeWindow     = 24 * time.Hour
	DefaultFetchAttempts    = 4
	DefaultFetchBackoff     = time.Second
	DefaultLockTTL          = time.Minute
	DefaultAt               = 2 * time.Hour
	DefaultRetryInterval    = 15 * time.Minute
)

// Config configures a Reconciler and its Scheduler.
type Config struct {
	// Prefix starts every Redis key, such as "arenasync:". Required.
	Prefix string

	// Workers is the number of Arena records read at once. The shared
	// rate limit and the per-instance limit on concurrent Arena calls
	// apply on top. Default 8. Zero means the default.
	Workers int

	// StaleApprovalAge is how long a completion may wait for approval in
	// Arena before it is reported as stale_pending_approval. The age
	// counts from the ledger's pending-approval outcome, or from the
	// completion date when the ledger has none. Default 168h (7 days).
	// Zero means the default.
	StaleApprovalAge time.Duration

	// InFlightGrace is how long after its last outcome a completion that
	// ingest accepted or that waits in a retry tier counts as in_flight
	// rather than missing_in_arena. The default retry ladder (1m, 5m, 15m)
	// ends within it. Default 1h. Zero means the default.
	InFlightGrace time.Duration

	// ResumeWindow is how long an interrupted run can be continued: a run
	// started less than this ago is resumed by the next run, and its saved
	// Arena records are reused. An older one is discarded. Default 24h.
	// Zero means the default.
	ResumeWindow time.Duration

	// FetchAttempts is how often one Arena read is tried when Arena
	// responds with 429 or 5xx, times out, or the rate limit holds the
	// call back. Default 4. Zero means the default.
	FetchAttempts int

	// FetchBackoff is the wait after the first failed attempt; it doubles
	// after each further one. Default 1s. Zero means the default.
	FetchBackoff time.Duration

	// LockTTL is how long the run lock outlives a process that stopped
	// without releasing it. A running reconciliation renews it every
	// third of it. Default 1m. Zero means the default.
	LockTTL time.Duration

	// At is the time of day of the scheduled run, as the time since
	// midnight in Location, such as DefaultAt (2h, 02:00), the reconciler
	// role's default. Zero is midnight. ParseTimeOfDay reads "HH:MM".
	At time.Duration

	// Location is the zone of At. Default UTC. Nil means the default.
	Location *time.Location

	// RetryInterval is the wait before a scheduled run that failed is
	// tried again by the same instance, until the next scheduled time.
	// Default 15m. Zero means the default.
	RetryInterval time.Duration
}

// setDefaults fills the zero fields with their defaults. At has none,
// because zero is midnight.
func (c *Config) setDefaults() {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.StaleApprovalAge == 0 {
		c.StaleApprovalAge = DefaultStaleApprovalAge
	}
	if c.InFlightGrace == 0 {
		c.InFlightGrace = DefaultInFlightGrace
	}
	if c.ResumeWindow == 0 {
		c.ResumeWindow = DefaultResumeWindow
	}
	if c.FetchAttempts == 0 {
		c.FetchAttempts = DefaultFetchAttempts
	}
	if c.FetchBackoff == 0 {
		c.FetchBackoff = DefaultFetchBackoff
	}
	if c.LockTTL == 0 {
		c.LockTTL = DefaultLockTTL
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = DefaultRetryInterval
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Prefix == "":
		return fmt.Errorf("%w: Prefix is empty: use the Redis key prefix, such as arenasync:", ErrInvalidConfig)
	case c.Workers < 1:
		return fmt.Errorf("%w: workers %d is below 1", ErrInvalidConfig, c.Workers)
	case c.FetchAttempts < 1:
		return fmt.Errorf("%w: fetch attempts %d is below 1", ErrInvalidConfig, c.FetchAttempts)
	case c.At < 0 || c.At >= 24*time.Hour:
		return fmt.Errorf("%w: time of day %s lies outside 00:00..23:59", ErrInvalidConfig, c.At)
	}

	durations := []struct {
		name  string
		value time.Duration
	}{
		{"stale approval age", c.StaleApprovalAge},
		{"in-flight grace", c.InFlightGrace},
		{"resume window", c.ResumeWindow},
		{"fetch backoff", c.FetchBackoff},
		{"lock TTL", c.LockTTL},
		{"retry interval", c.RetryInterval},
	}
	for _, d := range durations {
		if d.value < 0 {
			return fmt.Errorf("%w: %s %s is negative: use a positive duration, or 0 for the default", ErrInvalidConfig, d.name, d.value)
		}
	}

	return nil
}
