package review

import (
	"errors"
	"time"
)

// Config configures the reconciler's consumer of the dead-letter topic.
type Config struct {
	// Brokers lists Kafka bootstrap servers as host:port. Required.
	Brokers []string
	// Topic is the dead-letter topic. Default "lms.training.events.dlt".
	Topic string
	// GroupID is the consumer group. Default "arenasync-reconciler".
	GroupID string
	// CommitInterval is how often stored records' offsets are committed;
	// uncommitted offsets are also committed on shutdown. Default 1s.
	CommitInterval time.Duration
	// GaugeInterval is how often the open-entry gauge is read from Redis,
	// which also catches replays and resolves by other processes. Default 15s.
	GaugeInterval time.Duration
	// StoreRetryMax caps the wait between two attempts to store an entry
	// while Redis fails. Default 10s.
	StoreRetryMax time.Duration
}

// Defaults of Config.
const (
	DefaultTopic          = "lms.training.events.dlt"
	DefaultGroupID        = "arenasync-reconciler"
	DefaultCommitInterval = time.Second
	DefaultGaugeInterval  = 15 * time.Second
	DefaultStoreRetryMax  = 10 * time.Second
)

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.GroupID == "" {
		c.GroupID = DefaultGroupID
	}
	if c.CommitInterval == 0 {
		c.CommitInterval = DefaultCommitInterval
	}
	if c.GaugeInterval == 0 {
		c.GaugeInterval = DefaultGaugeInterval
	}
	if c.StoreRetryMax == 0 {
		c.StoreRetryMax = DefaultStoreRetryMax
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("kafka brokers are missing: set --kafka-brokers or ARENASYNC_KAFKA_BROKERS to host:port[,host:port]")
	case c.CommitInterval < 0 || c.GaugeInterval <= 0 || c.StoreRetryMax <= 0:
		return errors.New("reconciler intervals must be positive")
	}

	return nil
}
