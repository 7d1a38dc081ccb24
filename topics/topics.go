// Package topics creates the Kafka topics of arenasync: the main topic, one
// topic per retry tier and the dead-letter topic.
package topics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Spec describes one topic to create.
type Spec struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	// Retention is how long Kafka keeps records; zero keeps the broker default.
	Retention time.Duration
}

// Result lists what Ensure did.
type Result struct {
	Created []string
	// Existing lists topics that were there already; they are left unchanged.
	Existing []string
}

// Ensure creates every topic of specs that does not exist yet. Running it
// again changes nothing, so it is safe in start-up scripts.
func Ensure(ctx context.Context, brokers []string, specs []Spec) (Result, error) {
	conn, err := dialController(ctx, brokers)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()

	var result Result
	for _, spec := range specs {
		err := conn.CreateTopics(topicConfig(spec))
		switch {
		case err == nil:
			result.Created = append(result.Created, spec.Name)
		case errors.Is(err, kafka.TopicAlreadyExists):
			result.Existing = append(result.Existing, spec.Name)
		default:
			return result, fmt.Errorf("create topic %s (%d partitions, replication %d): %w", spec.Name, spec.Partitions, spec.ReplicationFactor, err)
		}
	}

	return result, waitForLeaders(ctx, conn, specs)
}

// topicConfig returns kafka-go's request for spec.
func topicConfig(spec Spec) kafka.TopicConfig {
	cfg := kafka.TopicConfig{Topic: spec.Name, NumPartitions: spec.Partitions, ReplicationFactor: spec.ReplicationFactor}
	if spec.Retention > 0 {
		cfg.ConfigEntries = append(cfg.ConfigEntries, kafka.ConfigEntry{ConfigName: "retention.ms", ConfigValue: strconv.FormatInt(spec.Retention.Milliseconds(), 10)})
	}

	return cfg
}

// dialController connects to the cluster's controller, which creates topics.
func dialController(ctx context.Context, brokers []string) (*kafka.Conn, error) {
	var errs []error
	for _, broker := range brokers {
		dialer := &kafka.Dialer{Timeout: 5 * time.Second}
		conn, err := dialer.DialContext(ctx, "tcp", broker)
		if err != nil {
			errs = append(errs, err)

			continue
		}

		controller, err := conn.Controller()
		conn.Close()
		if err != nil {
			errs = append(errs, err)

			continue
		}

		addr := net.JoinHostPort(controller.Host, strconv.Itoa(controller.Port))
		return dialer.DialContext(ctx, "tcp", addr)
	}

	return nil, fmt.Errorf("no kafka broker of %v answered: %w", brokers, errors.Join(errs...))
}

// waitForLeaders waits until every partition of every topic has a leader,
// so producers started right after Ensure do not fail.
func waitForLeaders(ctx context.Context, conn *kafka.Conn, specs []Spec) error {
	deadline := time.Now().Add(30 * time.Second)
	for _, spec := range specs {
		for {
			partitions, err := conn.ReadPartitions(spec.Name)
			if err == nil && len(partitions) >= spec.Partitions && allLed(partitions) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("topic %s has no leader for every partition after 30s: check the brokers' logs", spec.Name)
			}

			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	return nil
}

// allLed reports whether every partition has a leader.
func allLed(partitions []kafka.Partition) bool {
	for _, p := range partitions {
		if p.Leader.Host == "" {
			return false
		}
	}

	return true
}
