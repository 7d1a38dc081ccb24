package consumer

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config configures the worker's consumer groups.
type Config struct {
	// Brokers lists Kafka bootstrap servers as host:port. Required.
	Brokers []string
	// Topic is the main topic. Default "lms.training.events".
	Topic string
	// GroupID is the consumer group of the main topic; each retry tier uses
	// GroupID plus the tier suffix. Default "arenasync-worker".
	GroupID string
	// RetryDelays lists the delay of each retry tier, in order. Default
	// 1m, 5m, 15m. An empty list after defaults is impossible; three tiers
	// are the design's ladder, and tests use short delays.
	RetryDelays []time.Duration
	// DeadLetterTopic receives what cannot succeed. Default Topic + ".dlt".
	DeadLetterTopic string
	// Concurrency is the number of events handled at once on each topic.
	// Default 16.
	Concurrency int
	// CommitInterval is how often handled offsets are committed. Default 1s.
	CommitInterval time.Duration
	// HandleTimeout bounds one handler run. Default 60s.
	HandleTimeout time.Duration
	// ShutdownGrace is how long in-flight events may finish after a stop
	// request before they are abandoned uncommitted. Default 20s.
	ShutdownGrace time.Duration
}

// Defaults of Config.
const (
	DefaultTopic          = "lms.training.events"
	DefaultGroupID        = "arenasync-worker"
	DefaultConcurrency    = 16
	DefaultCommitInterval = time.Second
)

// DefaultRetryDelays are the delays of the three retry tiers.
var DefaultRetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.GroupID == "" {
		c.GroupID = DefaultGroupID
	}
	if len(c.RetryDelays) == 0 {
		c.RetryDelays = append([]time.Duration(nil), DefaultRetryDelays...)
	}
	if c.DeadLetterTopic == "" {
		c.DeadLetterTopic = c.Topic + ".dlt"
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.CommitInterval == 0 {
		c.CommitInterval = DefaultCommitInterval
	}
	if c.HandleTimeout == 0 {
		c.HandleTimeout = 60 * time.Second
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = 20 * time.Second
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka brokers are missing: set --kafka-brokers or ARENASYNC_KAFKA_BROKERS to host:port[,host:port]")
	}
	for i, d := range c.RetryDelays {
		if d <= 0 {
			return fmt.Errorf("retry delay %d is %s: every delay must be positive", i+1, d)
		}
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("concurrency %d is below 1", c.Concurrency)
	}

	return nil
}

// Tier is one step of the retry ladder.
type Tier struct {
	// Topic is the tier's topic, such as lms.training.events.retry.1m.
	Topic string
	// Delay is how long a record waits in the tier before it is handled again.
	Delay time.Duration
	// GroupID is the tier's own consumer group.
	GroupID string
}

// Tiers returns the retry ladder of the configuration, first tier first.
func (c Config) Tiers() []Tier {
	c.setDefaults()
	tiers := make([]Tier, 0, len(c.RetryDelays))
	for _, d := range c.RetryDelays {
		suffix := ".retry." + FormatDelay(d)
		tiers = append(tiers, Tier{Topic: c.Topic + suffix, Delay: d, GroupID: c.GroupID + suffix})
	}

	return tiers
}

// Topics returns every topic the worker reads or writes.
func (c Config) Topics() []string {
	c.setDefaults()
	topics := []string{c.Topic}
	for _, t := range c.Tiers() {
		topics = append(topics, t.Topic)
	}

	return append(topics, c.DeadLetterTopic)
}

// FormatDelay writes a delay the short way used in topic names: 1m, 5m,
// 15m, 30s, 1h, 1500ms.
func FormatDelay(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
}

// ParseDelays reads a comma-separated list of delays such as "1m,5m,15m".
func ParseDelays(list string) ([]time.Duration, error) {
	var delays []time.Duration
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil {
			return nil, fmt.Errorf("retry delay %q is not a duration such as 30s or 5m: %w", part, err)
		}
		delays = append(delays, d)
	}
	if len(delays) == 0 {
		return nil, fmt.Errorf("retry delays %q list no delay: give at least one, such as 1m,5m,15m", list)
	}

	return delays, nil
}
