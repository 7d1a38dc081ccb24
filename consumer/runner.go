package consumer

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
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

	lanes := make([]chan kafka.Message, r.cfg.Concurrency)
	var lanesDone sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan kafka.Message, 4)
		lanesDone.Add(1)
		go func(in <-chan kafka.Message) {
			defer lanesDone.Done()
			for msg := range in {
				r.process(work, msg)
			}
		}(lanes[i])
	}

	commitDone := make(chan struct{})
	go r.commitLoop(commitDone)

	r.logger.Info("consumer started", zap.String(keyTopic, r.topic), zap.String(keyGroup, r.group))
	r.fetchLoop(ctx, lanes)

	// Shutdown: no more fetches; lanes finish what they hold unless the grace runs out.
	for _, lane := range lanes {
		close(lane)
	}
	grace := time.AfterFunc(r.cfg.ShutdownGrace, func() {
		r.logger.Warn("shutdown grace ran out; abandoning in-flight events uncommitted", zap.String(keyTopic, r.topic))
		stopWork()
	})
	lanesDone.Wait()
	grace.Stop()

	close(commitDone)
	r.commit()
	r.logger.Info("consumer stopped", zap.String(keyTopic, r.topic), zap.Int("in_flight_abandoned", r.tracker.pending()))

	return r.reader.Close()
}

// fetchLoop reads records and hands each to the lane of its key until ctx ends.
func (r *runner) fetchLoop(ctx context.Context, lanes []chan kafka.Message) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if r.gate != nil {
			if err := r.gate.Wait(ctx); err != nil {
				return
			}
		}

		msg, err := r.reader.FetchMessage(ctx)
		if err != nil {
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
		select {
		case lanes[laneOf(msg, len(lanes))] <- msg:
		case <-ctx.Done():
			return
		}
	}
}

// laneOf picks the lane of a record: by key, so one enrollment's records
// are handled in order; by partition for records without a key.
func laneOf(msg kafka.Message, lanes int) int {
	if len(msg.Key) == 0 {
		return msg.Partition % lanes
	}

	h := fnv.New32a()
	h.Write(msg.Key)

	return int(h.Sum32() % uint32(lanes))
}

// process handles one record and makes its outcome durable. A record whose
// outcome could not be made durable (only on shutdown) stays uncommitted.
func (r *runner) process(ctx context.Context, msg kafka.Message) {
	defer r.metrics.inFlight.WithLabelValues(r.topic).Dec()

	env, err := pipeline.DecodeRecord(msg)
	if err != nil {
		r.deadLetterRaw(ctx, msg, pipeline.ReasonUndecodableRecord, err.Error())

		return
	}

	if r.tierIndex >= 0 && !r.waitUntilDue(ctx, env) {
		return
	}

	r.fillOrigin(&env, msg)
	started := r.now()
	out, panicked := r.safeHandle(ctx, env)
	r.metrics.handleSeconds.WithLabelValues(r.topic).Observe(r.now().Sub(started).Seconds())

	if panicked {
		r.deadLetterRaw(ctx, msg, pipeline.ReasonHandlerPanic, out.Detail)

		return
	}

	if err := r.router.route(ctx, env, out, r.tierIndex); err != nil {
		r.logger.Warn("outcome not durable; the event stays uncommitted and will be read again",
			zap.String(keyEventID, env.Event.ID), zap.String(keyTopic, r.topic), zap.Error(err))

		return
	}

	r.finish(msg, env, out)
}

// finish counts a durable outcome and releases the record's offset.
func (r *runner) finish(msg kafka.Message, env pipeline.Envelope, out pipeline.Outcome) {
	r.metrics.processed.WithLabelValues(r.topic, string(env.Event.Type), out.Kind.String()).Inc()
	if (out.Kind == pipeline.Done || out.Kind == pipeline.PendingApproval) && !env.Meta.AcceptedAt.IsZero() {
		r.metrics.endToEnd.Observe(r.now().Sub(env.Meta.AcceptedAt).Seconds())
	}
	if r.observer != nil {
		r.observer(r.topic, env, out)
	}

	r.tracker.done(msg.Partition, msg.Offset)
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

// deadLetterRaw moves a record's raw bytes to the dead-letter topic and
// releases its offset once Kafka acknowledged them.
func (r *runner) deadLetterRaw(ctx context.Context, msg kafka.Message, reason pipeline.Reason, detail string) {
	dl := pipeline.RawDeadLetter{
		Raw: msg.Value, Key: msg.Key, Source: pipeline.HeaderValue(msg.Headers, pipeline.HeaderSource),
		EventID: pipeline.HeaderValue(msg.Headers, pipeline.HeaderEventID), Reason: reason, Message: detail,
		At: r.now(), OriginalTopic: msg.Topic, OriginalPartition: msg.Partition, OriginalOffset: msg.Offset,
	}
	if err := r.router.deadLetterRaw(ctx, dl); err != nil {
		r.logger.Warn("raw dead letter not durable; the record stays uncommitted",
			zap.String(keyTopic, msg.Topic), zap.Int64(keyOffset, msg.Offset), zap.Error(err))

		return
	}

	r.metrics.processed.WithLabelValues(r.topic, "unknown", pipeline.Permanent.String()).Inc()
	if r.observer != nil {
		r.observer(r.topic, pipeline.Envelope{Event: pipeline.Event{ID: dl.EventID}}, pipeline.Reject(reason, detail))
	}
	r.tracker.done(msg.Partition, msg.Offset)
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
