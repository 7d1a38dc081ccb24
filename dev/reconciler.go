package dev

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/review"
)

// reconcilerGroupSuffix names the consumer group of the in-process
// reconciler after the worker's group, which keeps a run against an outside
// Kafka out of the real reconciler's group.
const reconcilerGroupSuffix = ".reconciler"

// countTimeout bounds the read of the review queue's size at the end of a
// run.
const countTimeout = 5 * time.Second

// startReconciler starts the reconciler part of the reconciler role: a
// consumer of the dead-letter topic that stores every record in the review
// queue, and a notifier that logs the administrators' notifications, or
// posts them when Options.NotifyWebhookURL is set. Every new review-queue
// entry is reported to the tracker. It returns the review queue.
func (s *starter) startReconciler(brokers []string, topic string, rdb *redis.Client, prefix string) (*review.Store, error) {
	logger := s.logger.Named("reconciler")

	notifyCfg := notify.Config{WebhookURL: s.opts.NotifyWebhookURL, Interval: s.opts.NotifyInterval}
	notifier, err := notify.New(notifyCfg, nil, logger.Named("notify"), s.registry)
	if err != nil {
		return nil, fmt.Errorf("configure the notifier: %w", err)
	}

	queue := review.NewStore(rdb, prefix)
	cfg := review.Config{Brokers: brokers, Topic: topic, GroupID: s.opts.GroupID + reconcilerGroupSuffix}
	deadLetters, err := review.NewConsumer(cfg, queue, s.alertTo(notifier), logger, s.registry)
	if err != nil {
		return nil, fmt.Errorf("configure the reconciler: %w", err)
	}

	// The stopper stops the newest part first, so the consumer stops before
	// the notifier, whose final flush then has every stored entry.
	s.runPart("notifier", notifier.Run)
	s.runPart("reconciler", deadLetters.Run)
	logger.Info("reconciler started", zap.String(keyTopic, topic), zap.String(keyGroup, cfg.GroupID),
		zap.Bool(keyWebhookConfigured, s.opts.NotifyWebhookURL != ""), zap.Duration(keyNotifyInterval, s.opts.NotifyInterval))

	return queue, nil
}

// alertTo returns the reconciler's alert hook: it hands every new
// review-queue entry to the notifier and reports it to the tracker.
func (s *starter) alertTo(n *notify.Notifier) review.Alerter {
	return func(e review.Entry) {
		n.Notify(notify.DeadLetter{EntryID: e.ID, Reason: e.Reason, EventID: e.EventID, EmployeeID: e.EmployeeID, CourseID: e.CourseID})
		s.tracker.reviewed(e.EventID)
	}
}

// runPart runs run on its own goroutine until the part's stop step cancels
// its context, and returns run's error from that step.
func (s *starter) runPart(name string, run func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()

	s.stops.push(name, func(context.Context) error {
		cancel()

		return <-done
	})
}

// countReviewQueue returns the number of open review-queue entries. It
// uses a context of its own, because ctx has ended when a served run stops.
func countReviewQueue(ctx context.Context, queue *review.Store) (int, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), countTimeout)
	defer cancel()

	n, err := queue.CountOpen(ctx)
	if err != nil {
		return 0, fmt.Errorf("count the review queue: %w", err)
	}

	return int(n), nil
}
