package producer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/singleflight"
)

// readiness checks that the brokers respond and that every partition of the
// ingest topics has a leader. A result is reused for the configured
// interval, so frequent probes do not load the brokers.
type readiness struct {
	brokers  []string
	topics   []string
	timeout  time.Duration
	interval time.Duration
	now      func() time.Time

	// flight runs one check at a time. Callers that arrive during a check
	// share its result.
	flight singleflight.Group

	mu        sync.Mutex
	checkedAt time.Time
	lastErr   error
}

// newReadiness builds the readiness check of cfg.
func newReadiness(cfg Config, now func() time.Time) *readiness {
	return &readiness{
		brokers:  cfg.Brokers,
		topics:   []string{cfg.Topic, cfg.DeadLetterTopic},
		timeout:  cfg.ReadinessTimeout,
		interval: cfg.ReadinessInterval,
		now:      now,
	}
}

// check returns nil when Kafka can take writes for the ingest topics, and
// the reason otherwise.
func (r *readiness) check() error {
	if err, fresh := r.cached(); fresh {
		return err
	}

	_, err, _ := r.flight.Do("check", func() (any, error) {
		err := r.probe()
		r.store(err)

		return nil, err
	})

	return err
}

// cached returns the last result while it is younger than the interval.
func (r *readiness) cached() (err error, fresh bool) {
	r.mu.Lock()
	defer r.mu.Unlock()

	if r.checkedAt.IsZero() || r.now().Sub(r.checkedAt) >= r.interval {
		return nil, false
	}

	return r.lastErr, true
}

// store keeps the result of a check.
func (r *readiness) store(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.checkedAt = r.now()
	r.lastErr = err
}

// probe requests the metadata of the ingest topics from the brokers. It uses
// a new transport each time because a transport keeps serving its last good
// metadata after the brokers stop responding. The metadata request never
// creates a missing topic.
func (r *readiness) probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()

	transport := &kafka.Transport{DialTimeout: r.timeout, MetadataTopics: r.topics, ClientID: clientID}
	defer transport.CloseIdleConnections()

	client := &kafka.Client{Addr: kafka.TCP(r.brokers...), Transport: transport, Timeout: r.timeout}
	resp, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: r.topics})
	if err != nil {
		return fmt.Errorf("kafka brokers %s did not respond within %s: %w", strings.Join(r.brokers, ","), r.timeout, err)
	}

	var errs []error
	for _, name := range r.topics {
		errs = append(errs, checkTopic(resp.Topics, name))
	}

	return errors.Join(errs...)
}

// checkTopic verifies that topic exists and every partition has a leader.
func checkTopic(topics []kafka.Topic, name string) error {
	for _, topic := range topics {
		if topic.Name != name {
			continue
		}
		if topic.Error != nil {
			return fmt.Errorf("topic %s: %w (create it with the topics create command)", name, topic.Error)
		}
		if len(topic.Partitions) == 0 {
			return fmt.Errorf("topic %s has no partitions", name)
		}
		for _, p := range topic.Partitions {
			if p.Error != nil {
				return fmt.Errorf("partition %d of topic %s: %w", p.ID, name, p.Error)
			}
			if p.Leader.Host == "" {
				return fmt.Errorf("partition %d of topic %s has no leader", p.ID, name)
			}
		}

		return nil
	}

	return fmt.Errorf("topic %s is missing from the broker's metadata (create it with the topics create command)", name)
}
