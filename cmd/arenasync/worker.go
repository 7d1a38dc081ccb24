package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/ops"
	"github.com/arenasync/arenasync/store"
)

// workerOptions are the flags of `arenasync worker`.
type workerOptions struct {
	kafka          kafkaOptions
	redis          redisOptions
	arena          arenaOptions
	log            logOptions
	opsAddr        string
	concurrency    int
	group          string
	commitInterval time.Duration
	enroll         enrollOptions
	access         accessOptions
}

func newWorkerCommand() *cobra.Command {
	var o workerOptions
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Consume the main topic and the retry tiers and call Arena",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWorker(cmd.Context(), o)
		},
	}

	flags := cmd.Flags()
	o.kafka.register(flags)
	o.redis.register(flags)
	o.arena.register(flags)
	o.log.register(flags, "json")
	o.enroll.register(flags)
	o.access.register(flags)
	flags.StringVar(&o.opsAddr, "ops-addr", ":9090", "listen address of /healthz, /readyz and /metrics (empty: none)")
	flags.IntVar(&o.concurrency, "concurrency", consumer.DefaultConcurrency, "events handled at once per topic; events of one enrollment are always handled in order")
	flags.StringVar(&o.group, "group", consumer.DefaultGroupID, "consumer group of the main topic; each retry tier adds its suffix")
	flags.DurationVar(&o.commitInterval, "commit-interval", consumer.DefaultCommitInterval, "how often handled offsets are committed; a crash repeats at most this much work")

	return withEnv(cmd)
}

// runWorker wires and runs the worker until ctx ends.
func runWorker(ctx context.Context, o workerOptions) error {
	logger, err := o.log.build()
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	parts, err := buildWorker(ctx, o, logger, reg)
	if err != nil {
		return err
	}
	defer parts.close()

	ready := func(ctx context.Context) error {
		return errors.Join(parts.worker.Ready(), parts.redis.Ping(ctx).Err())
	}

	group, ctx := errgroup.WithContext(ctx)
	group.Go(func() error { return parts.worker.Run(ctx) })
	group.Go(func() error { return ops.Serve(ctx, o.opsAddr, ops.Handler(reg, ready), logger) })

	return group.Wait()
}

// builtWorker holds the parts of a worker role.
type builtWorker struct {
	worker *consumer.Worker
	redis  *redis.Client
	close  func()
}

// buildWorker checks the environment (Arena scopes, Kafka topics) and builds
// the worker.
func buildWorker(ctx context.Context, o workerOptions, logger *zap.Logger, reg prometheus.Registerer) (*builtWorker, error) {
	cfg, err := o.kafka.consumerConfig()
	if err != nil {
		return nil, err
	}
	cfg.Concurrency = o.concurrency
	cfg.GroupID = o.group
	cfg.CommitInterval = o.commitInterval

	arenaAccess, err := buildWorkerAccess(ctx, o, logger, reg)
	if err != nil {
		return nil, err
	}
	client := arenaAccess.client

	checkCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.CheckScopes(checkCtx); err != nil {
		return nil, fmt.Errorf("arena start-up check failed: %w", err)
	}
	if err := consumer.CheckTopics(checkCtx, cfg.Brokers, cfg.Topics()); err != nil {
		return nil, err
	}

	rdb, prefix, err := store.Open(o.redis.config())
	if err != nil {
		return nil, err
	}

	enrollOpts, err := o.enroll.handlerOptions(client, rdb, prefix, reg, logger)
	if err != nil {
		_ = rdb.Close()

		return nil, err
	}
	h := handler.New(o.enroll.handlerConfig(), client, store.NewEnrollments(rdb, prefix), logger, enrollOpts...)
	ledgerOpt, err := workerLedgerOption(rdb, prefix, logger, reg)
	if err != nil {
		_ = rdb.Close()

		return nil, err
	}
	workerOpts := append(arenaAccess.options, consumer.WithHolds(store.NewHolds(rdb, prefix)), ledgerOpt, consumer.WithUnrecorded(consumer.NewRedisUnrecorded(rdb, prefix)))
	worker, err := consumer.NewWorker(cfg, h, logger, reg, workerOpts...)
	if err != nil {
		_ = rdb.Close()

		return nil, err
	}

	logger.Info("worker configured", zap.Strings("topics", cfg.Topics()), zap.String("arena_url", o.arena.url), zap.String("redis_addr", o.redis.addr))

	return &builtWorker{worker: worker, redis: rdb, close: func() { _ = rdb.Close(); arenaAccess.close() }}, nil
}
