package notify

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Config configures a Notifier.
type Config struct {
	// WebhookURL is the incoming-webhook URL that receives the messages.
	// Optional: empty logs and counts the messages without sending them.
	// It contains a credential, so it is never logged.
	WebhookURL string
	// Interval is the length of a reason's aggregation window. Default 5m.
	Interval time.Duration
	// MaxAttempts bounds the posts of one message. Default 5.
	MaxAttempts int
	// RetryBackoff is the wait after the first failed post; it doubles after
	// each further failure up to MaxBackoff. Default 2s.
	RetryBackoff time.Duration
	// MaxBackoff caps the wait between two posts, including a wait that a
	// Retry-After header requests. Default 1m.
	MaxBackoff time.Duration
	// RequestTimeout bounds one post. Default 10s.
	RequestTimeout time.Duration
	// MaxSamples is how many dead letters a message lists by employee and
	// course; the rest are counted. Default 10.
	MaxSamples int
	// QueueSize is how many messages may wait for the sender. A message
	// beyond it is dropped and counted as failed. Default 100.
	QueueSize int
	// FlushTimeout bounds the sending of the remaining messages after Run's
	// context ends. Default 10s.
	FlushTimeout time.Duration
}

// Defaults of Config.
const (
	DefaultInterval       = 5 * time.Minute
	DefaultMaxAttempts    = 5
	DefaultRetryBackoff   = 2 * time.Second
	DefaultMaxBackoff     = time.Minute
	DefaultRequestTimeout = 10 * time.Second
	DefaultMaxSamples     = 10
	DefaultQueueSize      = 100
	DefaultFlushTimeout   = 10 * time.Second
)

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxSamples == 0 {
		c.MaxSamples = DefaultMaxSamples
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.FlushTimeout == 0 {
		c.FlushTimeout = DefaultFlushTimeout
	}
}

// Validate reports the first invalid field. Messages never contain the
// webhook URL, because it contains a credential.
func (c Config) Validate() error {
	if c.WebhookURL != "" {
		if err := checkWebhookURL(c.WebhookURL); err != nil {
			return err
		}
	}

	switch {
	case c.Interval <= 0:
		return fmt.Errorf("notification interval %s must be positive, such as 5m", c.Interval)
	case c.MaxAttempts < 1:
		return fmt.Errorf("notification max attempts %d must be at least 1", c.MaxAttempts)
	case c.RetryBackoff <= 0 || c.MaxBackoff < c.RetryBackoff:
		return fmt.Errorf("notification backoff %s to %s is invalid: both must be positive and the first not above the second", c.RetryBackoff, c.MaxBackoff)
	case c.RequestTimeout <= 0:
		return fmt.Errorf("notification request timeout %s must be positive", c.RequestTimeout)
	case c.MaxSamples < 1:
		return fmt.Errorf("notification max samples %d must be at least 1", c.MaxSamples)
	case c.QueueSize < 1:
		return fmt.Errorf("notification queue size %d must be at least 1", c.QueueSize)
	case c.FlushTimeout <= 0:
		return fmt.Errorf("notification flush timeout %s must be positive", c.FlushTimeout)
	}

	return nil
}

// checkWebhookURL verifies that raw is an absolute http or https URL.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("webhook URL does not parse: copy it again from the Slack or Teams channel settings")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("webhook URL is not an absolute http or https URL: copy it again from the Slack or Teams channel settings")
	}

	return nil
}

// webhookHost returns the host of a valid webhook URL, the only part of it
// that logs may show.
func webhookHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}

	return u.Host
}
