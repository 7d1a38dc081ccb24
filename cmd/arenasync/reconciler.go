package main

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/internal/ops"
	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// reconcilerOptions are the flags of `arenasync reconciler`.
type reconcilerOptions struct {
	kafka          kafkaOptions
	redis          redisOptions
	log            logOptions
	opsAddr        string
	group          string
	notifyURL      string
	notifyInterval time.Duration
	schedule       scheduleOptions
}

func newReconcilerCommand() *cobra.Command {
	var o reconcilerOptions
	cmd := &cobra.Command{
		Use:   "reconciler",
		Short: "Consume the dead-letter topic into the manual-review queue and notify administrators",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReconciler(cmd.Context(), o)
		},
	}

	flags := cmd.Flags()
	o.kafka.register(flags)
	o.redis.register(flags)
	o.log.register(flags, "json")
	flags.StringVar(&o.opsAddr, "ops-addr", ":9091", "listen address of /healthz, /readyz and /metrics (empty: none)")
	flags.StringVar(&o.group, "group", review.DefaultGroupID, "consumer group of the dead-letter topic")
	flags.StringVar(&o.notifyURL, "notify-webhook-url", "", "Slack or Teams incoming-webhook URL for dead-letter notifications (empty: notifications are only logged)")
	flags.DurationVar(&o.notifyInterval, "notify-interval", notify.DefaultInterval, "aggregation window: one notification per dead-letter reason per window, sent when the window closes")
	markSecret(flags, "notify-webhook-url")
	o.schedule.register(flags)
	// The reconciler reads the dead-letter topic only; the retry tiers do not matter.
	_ = flags.MarkHidden("retry-delays")

	return withEnv(cmd)
}

// runReconciler wires and runs the reconciler until ctx ends.
func runReconciler(ctx context.Context, o reconcilerOptions) error {
	logger, err := o.log.build()
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	deadLetterTopic := deadLetterTopicOf(o.kafka.topic)
	checkCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := consumer.CheckTopics(checkCtx, o.kafka.brokers, []string{deadLetterTopic}); err != nil {
		return err
	}

	rdb, prefix, err := store.Open(o.redis.config())
	if err != nil {
		return err
	}
	defer func() { _ = rdb.Close() }()
	queue := review.NewStore(rdb, prefix)

	notifier, err := notify.New(notify.Config{WebhookURL: o.notifyURL, Interval: o.notifyInterval}, nil, logger, reg)
	if err != nil {
		return err
	}

	schedule, err := o.schedule.buildSchedule(rdb, prefix, notifier, logger, reg)
	if err != nil {
		return err
	}

	dlt, err := review.NewConsumer(review.Config{Brokers: o.kafka.brokers, Topic: deadLetterTopic, GroupID: o.group}, queue, alertTo(notifier), logger, reg)
	if err != nil {
		return err
	}

	logger.Info("reconciler configured", zap.String("topic", deadLetterTopic), zap.String("group", o.group),
		zap.String("redis_addr", o.redis.addr), zap.Bool("webhook_configured", o.notifyURL != ""), zap.Duration("notify_interval", o.notifyInterval))

	ready := func(ctx context.Context) error {
		return errors.Join(dlt.Ready(), queue.Ping(ctx))
	}

	group, ctx := errgroup.WithContext(ctx)

	// The notifier stops after the consumer and the scheduled
	// reconciliation, so the entries stored and the differences found
	// during shutdown are still in its final flush.
	notifyCtx, stopNotifier := context.WithCancel(context.WithoutCancel(ctx))
	group.Go(func() error {
		defer stopNotifier()
		return runBeside(ctx, dlt.Run, schedule)
	})
	group.Go(func() error { return notifier.Run(notifyCtx) })
	group.Go(func() error { return ops.Serve(ctx, o.opsAddr, ops.Handler(reg, ready), logger) })

	return group.Wait()
}

// alertTo hands every new review entry to the notifier.
func alertTo(n *notify.Notifier) review.Alerter {
	return func(e review.Entry) {
		n.Notify(notify.DeadLetter{EntryID: e.ID, Reason: e.Reason, EventID: e.EventID, EmployeeID: e.EmployeeID, CourseID: e.CourseID})
	}
}

// deadLetterTopicOf returns the dead-letter topic of a main topic, as the
// worker names it: the last topic of the worker's configuration.
func deadLetterTopicOf(topic string) string {
	names := consumer.Config{Topic: topic}.Topics()

	return names[len(names)-1]
}
