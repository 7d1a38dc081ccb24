package dev

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/store"
)

// Settings of the parts that Options does not expose.
const (
	// startupTimeout bounds the checks before the run: topics, Redis, scopes.
	startupTimeout = 30 * time.Second

	// workerShutdownGrace is how long in-flight events may finish on stop.
	workerShutdownGrace = 10 * time.Second

	// dedupeTTL is how long ingest remembers accepted event ids.
	dedupeTTL = 24 * time.Hour

	// deadLetterGroupSuffix names the consumer group of the dead-letter
	// reader after the worker's group.
	deadLetterGroupSuffix = ".dlt-tracker"

	// arenaMaxConcurrent bounds the Arena calls in flight. The worker role's
	// default of 8 made calls queue behind the rate limiter's Redis round
	// trips: a 2000-event run had a median latency of about 500ms, against
	// 80ms with 32 (one measurement on a development machine).
	arenaMaxConcurrent = 32
)

// starter starts the parts of one run and registers their stop steps.
type starter struct {
	opts    Options
	runID   string
	tracker *tracker
	// registry collects the metrics of the worker and the ingest, which
	// the ingest serves on /metrics.
	registry *prometheus.Registry
	stops    *stopper
	logger   *zap.Logger
}

// openRedis connects to the run's Redis and checks that it responds.
func (s *starter) openRedis(ctx context.Context, cfg store.Config) (*redis.Client, string, error) {
	client, prefix, err := store.Open(cfg)
	if err != nil {
		return nil, "", err
	}
	s.stops.push("Redis client", func(context.Context) error { return client.Close() })

	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		return nil, "", fmt.Errorf("redis at %s did not respond to PING: %w", cfg.Addr, err)
	}

	return client, prefix, nil
}

// startDeadLetterReader starts the reader that reports the dead letters of
// topic to the tracker.
func (s *starter) startDeadLetterReader(brokers []string, topic string) {
	group := s.opts.GroupID + deadLetterGroupSuffix
	reader := newDeadLetterReader(brokers, topic, group, s.tracker, s.logger.Named("dlt-tracker"))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		reader.run(ctx)
	}()

	s.stops.push("dead-letter reader", func(context.Context) error {
		cancel()
		<-done

		return reader.close()
	})
}
