package consumer

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// fetcher is the part of kafka.Reader a runner uses.
type fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// runner consumes one topic: the main topic or one retry tier.
type runner struct {
	topic     string
	group     string
	tierIndex int // -1 for the main topic
	reader    fetcher
	handler   Handler
	router    *router
	tracker   *tracker
	cfg       Config
	gate      Gate
	observer  Observer
	order     *ordering
	metrics   *metrics
	logger    *zap.Logger
	now       func() time.Time

	fetchErr sync.Mutex
	lastErr  error
}

// run consumes until ctx ends, then finishes or abandons in-flight records
// within the shutdown grace, commits what is done and closes the reader.
func (r *runner) run(ctx context.Context) error {
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()

	// slots bound the records held, so a key with many records waiting
	// cannot fill memory. The dispatcher keeps one key's records in order
	// while the handlers take any other key that has work.
	slots := make(chan struct{}, r.cfg.Concurrency*recordsPerHandler)
	queue := newDispatcher()
	var handlersDone sync.WaitGroup
	for range r.cfg.Concurrency {
		handlersDone.Add(1)
		go func() {
			defer handlersDone.Done()
			for {
				msg, key, ok := queue.take()
				if !ok {
					return
				}
				r.process(work, msg)
				queue.finish(key)
				<-slots
			}
		}()
	}

	commitDone := make(chan struct{})
	go r.commitLoop(commitDone)

	r.logger.Info("consumer started", zap.String(keyTopic, r.topic), zap.String(keyGroup, r.group))
	r.fetchLoop(ctx, queue, slots)

	// Shutdown: no more fetches; handlers finish what is held unless the grace runs out.
	queue.close()
	grace := time.AfterFunc(r.cfg.ShutdownGrace, func() {
		r.logger.Warn("shutdown grace ran out; abandoning in-flight events uncommitted", zap.String(keyTopic, r.topic))
		stopWork()
	})
	handlersDone.Wait()
	grace.Stop()

	close(commitDone)
	r.commit()
	r.logger.Info("consumer stopped", zap.String(keyTopic, r.topic), zap.Int("in_flight_abandoned", r.tracker.pending()))

	return r.reader.Close()
}

// fetchLoop reads records and queues each behind the earlier records of its
// key until ctx ends. It takes a slot before each fetch, and the handler of
// the record frees it.
func (r *runner) fetchLoop(ctx context.Context, queue *dispatcher, slots chan struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if r.gate != nil {
			if err := r.gate.Wait(ctx); err != nil {
				return
			}
		}

		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}

		msg, err := r.reader.FetchMessage(ctx)
		if err != nil {
			<-slots
			if ctx.Err() != nil {
				return
			}
			r.setFetchErr(err)
			r.logger.Warn("fetching from kafka failed; retrying", zap.String(keyTopic, r.topic), zap.Error(err))
			sleep(ctx, backoff)
			backoff = min(backoff*2, 10*time.Second)

			continue
		}
		r.setFetchErr(nil)
		backoff = 100 * time.Millisecond

		r.tracker.add(msg.Partition, msg.Offset)
		r.metrics.inFlight.WithLabelValues(r.topic).Inc()
		queue.push(msg)
	}
}

// recordsPerHandler is how many records per handler the runner holds at
// most. More than one keeps every handler busy while a few keys have
// several records waiting.
const recordsPerHandler = 4

// process handles one record and makes its outcome durable. A record whose
// outcome could not be made durable (only on shutdown) stays uncommitted.
func (r *runner) process(ctx context.Context, msg kafka.Message) {
	defer r.metrics.inFlight.WithLabelValues(r.topic).Dec()

	env, err := pipeline.DecodeRecord(msg)
	if err != nil {
		if r.deadLetterRaw(ctx, msg.Value, msg, pipeline.ReasonUndecodableRecord, err.Error()) {
			r.tracker.done(msg.Partition, msg.Offset)
		}

		return
	}

	if r.tierIndex >= 0 && !r.waitUntilDue(ctx, env) {
		return
	}
	r.fillOrigin(&env, msg)

	// A tier record holds its key; a main-topic record waits behind a holder.
	holder := r.tierIndex >= 0
	if r.order != nil && !holder {
		result, err := r.order.park(ctx, env)
		if err != nil {
			return
		}
		if result == store.ParkedBehind {
			// The event is durable in Redis now, so its offset may be committed.
			r.count(env, pipeline.Outcome{Kind: pipeline.Parked, Detail: "an earlier event of this enrollment waits in a retry tier"})
			r.tracker.done(msg.Partition, msg.Offset)

			return
		}
		holder = result == store.HeldBySelf
	}

	if r.complete(ctx, msg, env, holder, 0) {
		r.tracker.done(msg.Partition, msg.Offset)
	}
}

// complete handles env, routes its outcome and, when env held its key and
// its outcome is final, releases the events parked behind it. skip is the
// number of parked entries that are env itself. It returns false when the
// outcome is not durable; only shutdown causes that.
func (r *runner) complete(ctx context.Context, msg kafka.Message, env pipeline.Envelope, holder bool, skip int) bool {
	started := r.now()
	out, panicked := r.handleOrSupersede(ctx, env, holder, skip)
	r.metrics.handleSeconds.WithLabelValues(r.topic).Observe(r.now().Sub(started).Seconds())
	for !panicked && r.holdRetry(ctx, out) {
		out, panicked = r.handleOrSupersede(ctx, env, holder, skip)
	}

	if panicked {
		raw, _ := json.Marshal(env)
		if msg.Value != nil {
			raw = msg.Value
		}
		if !r.deadLetterRaw(ctx, raw, msg, pipeline.ReasonHandlerPanic, out.Detail) {
			return false
		}
	} else {
		routed, err := r.router.route(ctx, env, out, r.tierIndex)
		if err != nil {
			r.logger.Warn("outcome not durable; the event stays uncommitted and will be read again",
				zap.String(keyEventID, env.Event.ID), zap.String(keyTopic, r.topic), zap.Error(err))

			return false
		}
		out = routed
	}

	if holder && r.order != nil && out.Kind != pipeline.Retryable {
		if err := r.releaseParked(ctx, msg, env); err != nil {
			return false
		}
	}

	if !panicked {
		r.count(env, out)
	}

	return true
}

// handleOrSupersede runs the handler, unless env is a completion that a
// later parked completion of its enrollment makes stale.
func (r *runner) handleOrSupersede(ctx context.Context, env pipeline.Envelope, holder bool, skip int) (pipeline.Outcome, bool) {
	if holder && r.order != nil {
		stale, err := r.order.superseded(ctx, env, skip)
		if err == nil && stale {
			return pipeline.Outcome{Kind: pipeline.Done, Reason: pipeline.ReasonSuperseded, Detail: "a later completion of this enrollment arrived while this one waited"}, false
		}
	}

	return r.safeHandle(ctx, env)
}

// releaseParked handles the events parked behind holder's key in arrival
// order. A parked event with a retryable outcome becomes the key's holder
// in the first tier, and the rest stay parked behind it.
func (r *runner) releaseParked(ctx context.Context, msg kafka.Message, holder pipeline.Envelope) error {
	key := holder.Event.Key()
	for {
		var released bool
		err := retryStore(ctx, r.logger, "release", func() error {
			var releaseErr error
			released, releaseErr = r.order.holds.ReleaseIfEmpty(ctx, key, holder.Event.ID)

			return releaseErr
		})
		if err != nil || released {
			return err
		}

		var data []byte
		var ok bool
		err = retryStore(ctx, r.logger, "read parked", func() error {
			var headErr error
			data, ok, headErr = r.order.holds.Head(ctx, key)

			return headErr
		})
		if err != nil {
			return err
		}
		if !ok {
			continue
		}

		if err := r.releaseOne(ctx, msg, key, data); err != nil {
			return err
		}
		if err := retryStore(ctx, r.logger, "pop parked", func() error { return r.order.holds.PopHead(ctx, key) }); err != nil {
			return err
		}

		if holderID, _ := r.order.holds.Holder(ctx, key); holderID != holder.Event.ID {
			// The released event went to a retry tier and holds the key now.
			return nil
		}
	}
}

// releaseOne handles one parked event and makes its outcome durable.
func (r *runner) releaseOne(ctx context.Context, msg kafka.Message, key string, data []byte) error {
	var env pipeline.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		if !r.deadLetterRaw(ctx, data, kafka.Message{Topic: msg.Topic, Partition: msg.Partition, Offset: msg.Offset, Key: []byte(key)}, pipeline.ReasonUndecodableRecord, "parked event is not valid JSON: "+err.Error()) {
			return ctx.Err()
		}

		return nil
	}

	r.logger.Debug("releasing parked event", zap.String(keyEventID, env.Event.ID), zap.String(keyTopic, r.topic))
	out, panicked := r.handleOrSupersede(ctx, env, true, 1)
	for !panicked && r.holdRetry(ctx, out) {
		out, panicked = r.handleOrSupersede(ctx, env, true, 1)
	}
	if panicked {
		if !r.deadLetterRaw(ctx, data, msg, pipeline.ReasonHandlerPanic, out.Detail) {
			return ctx.Err()
		}

		return nil
	}

	routed, err := r.router.route(ctx, env, out, -1)
	if err != nil {
		return err
	}
	r.count(env, routed)

	return nil
}

// count records a durable outcome in the metrics and calls the observer.
func (r *runner) count(env pipeline.Envelope, out pipeline.Outcome) {
	r.metrics.processed.WithLabelValues(r.topic, string(env.Event.Type), out.Kind.String()).Inc()
	// Replays keep the original acceptance time, which would put days-old
	// samples into the latency of live traffic, so they are left out.
	if (out.Kind == pipeline.Done || out.Kind == pipeline.PendingApproval) && !env.Meta.AcceptedAt.IsZero() && env.Meta.Replay == "" {
		r.metrics.endToEnd.Observe(r.now().Sub(env.Meta.AcceptedAt).Seconds())
	}
	if r.observer != nil {
		r.observer(r.topic, env, out)
	}
}

// waitUntilDue blocks until a tier record's not-before time. It returns
// false when ctx ended first; the record then stays uncommitted.
func (r *runner) waitUntilDue(ctx context.Context, env pipeline.Envelope) bool {
	wait := env.Meta.NotBefore.Sub(r.now())
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return false
		}
	}

	r.metrics.tierWait.WithLabelValues(r.topic).Observe(max(wait, 0).Seconds())

	return true
}

// fillOrigin records where the event was first consumed and when.
func (r *runner) fillOrigin(env *pipeline.Envelope, msg kafka.Message) {
	if env.Meta.FirstSeen.IsZero() {
		env.Meta.FirstSeen = r.now()
	}
	if env.Meta.OriginalTopic == "" {
		env.Meta.OriginalTopic = msg.Topic
		env.Meta.OriginalPartition = msg.Partition
		env.Meta.OriginalOffset = msg.Offset
	}
}

// safeHandle runs the handler with a timeout and turns a panic into a
// permanent outcome, so one bad record cannot crash-loop the worker.
func (r *runner) safeHandle(ctx context.Context, env pipeline.Envelope) (out pipeline.Outcome, panicked bool) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.HandleTimeout)
	defer cancel()

	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("handler panicked", zap.String(keyEventID, env.Event.ID), zap.Any("panic", p), zap.Stack("stack"))
			out = pipeline.Reject(pipeline.ReasonHandlerPanic, fmt.Sprintf("the handler panicked: %v", p))
			panicked = true
		}
	}()

	return r.handler.Handle(ctx, env), false
}

// deadLetterRaw moves raw bytes of a record to the dead-letter topic. It
// returns false when Kafka did not acknowledge them before shutdown.
func (r *runner) deadLetterRaw(ctx context.Context, raw []byte, msg kafka.Message, reason pipeline.Reason, detail string) bool {
	dl := pipeline.RawDeadLetter{
		Raw: raw, Key: msg.Key, Source: pipeline.HeaderValue(msg.Headers, pipeline.HeaderSource),
		EventID: pipeline.HeaderValue(msg.Headers, pipeline.HeaderEventID), Reason: reason, Message: detail,
		At: r.now(), OriginalTopic: msg.Topic, OriginalPartition: msg.Partition, OriginalOffset: msg.Offset,
	}
	if err := r.router.deadLetterRaw(ctx, dl); err != nil {
		r.logger.Warn("raw dead letter not durable; the record stays uncommitted",
			zap.String(keyTopic, msg.Topic), zap.Int64(keyOffset, msg.Offset), zap.Error(err))

		return false
	}

	r.metrics.processed.WithLabelValues(r.topic, "unknown", pipeline.Permanent.String()).Inc()
	if r.observer != nil {
		r.observer(r.topic, pipeline.Envelope{Event: pipeline.Event{ID: dl.EventID}}, pipeline.Reject(reason, detail))
	}

	return true
}

// commitLoop commits handled offsets every CommitInterval until done closes.
func (r *runner) commitLoop(done <-chan struct{}) {
	ticker := time.NewTicker(r.cfg.CommitInterval)
	defer ticker.Stop()

	for {
		select {
		case <-done:
			return
		case <-ticker.C:
			r.commit()
		}
	}
}

// commit commits every partition whose committable offset moved.
func (r *runner) commit() {
	offsets := r.tracker.committable()
	if len(offsets) == 0 {
		return
	}

	msgs := make([]kafka.Message, 0, len(offsets))
	for partition, next := range offsets {
		// kafka-go commits a message's offset plus one.
		msgs = append(msgs, kafka.Message{Topic: r.topic, Partition: partition, Offset: next - 1})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.reader.CommitMessages(ctx, msgs...); err != nil {
		r.metrics.commitErrors.WithLabelValues(r.topic).Inc()
		r.logger.Warn("committing offsets failed; retrying at the next interval", zap.String(keyTopic, r.topic), zap.Error(err))
		r.tracker.redirty(offsets)
	}
}

// setFetchErr records the last fetch result for readiness.
func (r *runner) setFetchErr(err error) {
	r.fetchErr.Lock()
	defer r.fetchErr.Unlock()
	r.lastErr = err
}

// ready returns the last fetch error, nil when the last fetch succeeded.
func (r *runner) ready() error {
	r.fetchErr.Lock()
	defer r.fetchErr.Unlock()
	if r.lastErr != nil {
		return fmt.Errorf("topic %s: %w", r.topic, r.lastErr)
	}

	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
