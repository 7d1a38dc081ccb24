package dev

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/topics"
)

// startKafka returns the brokers of the run: the outside ones of the
// options, or those of an embedded single-broker cluster on 127.0.0.1.
func (s *starter) startKafka() ([]string, error) {
	if len(s.opts.KafkaBrokers) > 0 {
		s.logger.Info("using outside Kafka", zap.Strings(keyBrokers, s.opts.KafkaBrokers))

		return s.opts.KafkaBrokers, nil
	}

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return nil, fmt.Errorf("start the embedded Kafka broker: %w", err)
	}
	s.stops.push("embedded Kafka broker", func(context.Context) error {
		cluster.Close()

		return nil
	})

	brokers := cluster.ListenAddrs()
	s.logger.Info("embedded Kafka broker started", zap.Strings(keyBrokers, brokers))

	return brokers, nil
}

// createTopics creates the main, retry-tier and dead-letter topics that do
// not exist yet, with replication factor 1, which a single-broker cluster
// needs.
func (s *starter) createTopics(ctx context.Context, brokers []string, names []string) error {
	specs := make([]topics.Spec, 0, len(names))
	for _, name := range names {
		specs = append(specs, topics.Spec{Name: name, Partitions: s.opts.Partitions, ReplicationFactor: 1})
	}

	result, err := topics.Ensure(ctx, brokers, specs)
	if err != nil {
		return fmt.Errorf("create the topics: %w", err)
	}
	s.logger.Info("topics ready", zap.Strings(keyCreated, result.Created), zap.Strings(keyExisting, result.Existing))

	return nil
}
