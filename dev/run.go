package dev

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/review"
)

// pollInterval is how often Run checks the outcomes and updates the progress.
const pollInterval = 100 * time.Millisecond

// environment holds what the running parts expose to the generator.
type environment struct {
	brokers []string
	arena   arenaSide
	ingest  ingest
	token   string
	// tokenGenerated is true when the run generated the token, which may
	// then be printed.
	tokenGenerated bool
	redisAddr      string
	// review is the review queue that the in-process reconciler fills.
	review *review.Store
}

// Run starts every part, posts opts.Events webhooks, waits for their final
// outcomes and for the review queue to take every dead letter, and stops
// every part. When Events is zero it serves an outside client until ctx
// ends instead. The summary is valid once the parts have started, even with
// a non-nil error. The error then reports webhooks whose response status
// differed from the plan, an interruption, a failed read of the review
// queue, or a part that did not stop cleanly. Lost events, duplicate
// completions and an incomplete review queue are in the summary, not in the
// error (see Summary.Check).
func Run(ctx context.Context, opts Options) (Summary, error) {
	if err := opts.Validate(); err != nil {
		return Summary{}, err
	}
	opts = opts.withDefaults()
	logger := opts.Logger

	runID := newRunID()
	p := buildPlan(opts.Events, opts.FaultRate, opts.Seed, runID, time.Now())
	t := newTracker(time.Now, tierNames(opts.consumerConfig(nil)))
	stops := &stopper{logger: logger}

	s := &starter{opts: opts, runID: runID, tracker: t, registry: prometheus.NewRegistry(), stops: stops, logger: logger}
	env, err := s.start(ctx, p)
	if err != nil {
		return Summary{}, errors.Join(err, stops.stopAll())
	}

	var runErr error
	if opts.Events == 0 {
		runErr = serve(ctx, opts, env, t)
	} else {
		runErr = generate(ctx, opts, env, p, t)
	}

	summary := t.summary()
	summary.DuplicateCompletions = env.arena.duplicateCompletions()
	if env.arena.sim != nil {
		summary.simulator = env.arena.sim.Stats()
	}
	size, countErr := countReviewQueue(ctx, env.review)
	summary.ReviewQueueSize = size

	return summary, errors.Join(runErr, countErr, stops.stopAll())
}

// start starts the parts in dependency order. Each registers its stop step,
// so stopper.stopAll stops them in the reverse order.
func (s *starter) start(ctx context.Context, p plan) (environment, error) {
	opts := s.opts
	env := environment{token: opts.IngestToken}
	if env.token == "" {
		env.token, env.tokenGenerated = "dev-"+randomHex(16), true
	}

	brokers, err := s.startKafka()
	if err != nil {
		return env, err
	}
	env.brokers = brokers

	workerCfg := opts.consumerConfig(brokers)
	topicNames := workerCfg.Topics()
	setupCtx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if err := s.createTopics(setupCtx, brokers, topicNames); err != nil {
		return env, err
	}

	redisCfg, err := s.startRedis()
	if err != nil {
		return env, err
	}
	env.redisAddr = redisCfg.Addr
	rdb, prefix, err := s.openRedis(ctx, redisCfg)
	if err != nil {
		return env, err
	}

	env.arena, err = s.startArena(p)
	if err != nil {
		return env, err
	}

	// The dead-letter topic is the last of the worker's topics.
	deadLetterTopic := topicNames[len(topicNames)-1]
	s.startDeadLetterReader(brokers, deadLetterTopic)
	env.review, err = s.startReconciler(brokers, deadLetterTopic, rdb, prefix)
	if err != nil {
		return env, err
	}

	if err := s.startWorker(ctx, workerCfg, env.arena, rdb, prefix); err != nil {
		return env, err
	}

	env.ingest, err = s.startIngest(brokers, env.token, rdb, prefix)

	return env, err
}

// consumerConfig returns the worker's configuration of the options, which
// must have their defaults set.
func (o Options) consumerConfig(brokers []string) consumer.Config {
	return consumer.Config{
		Brokers:       brokers,
		Topic:         o.Topic,
		GroupID:       o.GroupID,
		RetryDelays:   o.RetryDelays,
		Concurrency:   consumer.DefaultConcurrency,
		ShutdownGrace: workerShutdownGrace,
	}
}

// generate posts the plan's webhooks and waits until every event with an
// ingest response has a final outcome and every dead-lettered one is in the
// review queue, the timeout after the last response runs out, or ctx ends.
func generate(ctx context.Context, opts Options, env environment, p plan, t *tracker) error {
	logger := opts.Logger
	progress := opts.Progress
	if progress == nil {
		progress = noProgress{}
	}
	progress.Start(p.expect.events)
	defer progress.Finish()

	gen := newGenerator(env.ingest.url, env.token, opts.Senders, opts.Rate, logger.Named("generator"))
	genDone := make(chan error, 1)
	go func() { genDone <- gen.run(ctx, p.units) }()
	logger.Info("generator started", zap.Int(keyEvents, p.expect.events), zap.Int(keySenders, opts.Senders), zap.Float64(keyRate, opts.Rate))

	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()

	var genErr error
	generating := true
	var deadline <-chan time.Time
	for {
		select {
		case genErr = <-genDone:
			generating = false
			logger.Info("generator stopped", zap.Int64(keyCount, gen.responded.Load()))
			timer := time.NewTimer(opts.Timeout)
			defer timer.Stop()
			deadline = timer.C
		case <-ticker.C:
		case <-deadline:
			logTimeout(logger, t, opts.Timeout)

			return genErr
		case <-ctx.Done():
			if generating {
				<-genDone
				logger.Info("generator stopped")
			}

			return fmt.Errorf("run interrupted: %w", ctx.Err())
		}

		responded, final := t.counts()
		progress.Update(final)
		if !generating && int64(responded) >= gen.responded.Load() && t.settled() {
			return genErr
		}
	}
}

// serve prints how to reach the ingest, waits for ctx to end, stops the
// ingest and waits up to the timeout for the accepted events to finish and
// their dead letters to reach the review queue.
func serve(ctx context.Context, opts Options, env environment, t *tracker) error {
	if opts.Out != nil {
		printServing(opts.Out, env)
	}
	<-ctx.Done()

	logger := opts.Logger
	logger.Info("stop requested; stopping the ingest and waiting for the accepted events")
	err := env.ingest.stop()

	deadline := time.Now().Add(opts.Timeout)
	for {
		if t.settled() {
			return err
		}
		if time.Now().After(deadline) {
			logTimeout(logger, t, opts.Timeout)

			return err
		}
		time.Sleep(pollInterval)
	}
}

// logTimeout logs how many events had no final outcome and how many dead
// letters were missing from the review queue when the wait ran out.
func logTimeout(logger *zap.Logger, t *tracker, timeout time.Duration) {
	responded, final := t.counts()
	deadLettered, reviewed := t.reviewCounts()
	logger.Warn("timed out waiting for final outcomes and the review queue",
		zap.Int(keyPending, responded-final), zap.Int(keyPendingReview, deadLettered-reviewed), zap.Duration(keyTimeout, timeout))
}

// newRunID returns a short random id that keeps the event ids of runs apart.
func newRunID() string {
	return "dev-" + randomHex(4)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)

	return hex.EncodeToString(b)
}

// noProgress is the Progress of a run without one.
type noProgress struct{}

func (noProgress) Start(int)  {}
func (noProgress) Update(int) {}
func (noProgress) Finish()    {}
