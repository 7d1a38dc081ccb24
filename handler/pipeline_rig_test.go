package handler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// finalWait bounds the wait for an event's final outcome.
const finalWait = 45 * time.Second

// topicRig is a rig plus fresh topics of one worker configuration.
type topicRig struct {
	*rig
	brokers  []string
	cfg      consumer.Config
	writer   *kafka.Writer
	outcomes *outcomeLog
}

// newTopicRig creates the topics of a fresh main topic with short retry
// delays on top of a rig.
func newTopicRig(t *testing.T, delays ...time.Duration) *topicRig {
	t.Helper()

	if len(delays) == 0 {
		delays = []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
	}
	brokers := testenv.KafkaBrokers(t)
	cfg := consumer.Config{
		Brokers:        brokers,
		Topic:          testenv.UniqueName(t, "enroll"),
		RetryDelays:    delays,
		CommitInterval: 100 * time.Millisecond,
		ShutdownGrace:  5 * time.Second,
	}
	cfg.DeadLetterTopic = cfg.Topic + ".dlt"
	for _, topic := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, topic, 3)
	}

	writer := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	t.Cleanup(func() { _ = writer.Close() })

	return &topicRig{rig: newRig(t), brokers: brokers, cfg: cfg, writer: writer, outcomes: newOutcomeLog()}
}

// startWorker runs a worker of group on the rig's topics with the
// handler h until the test ends or the returned stop is called.
func (r *topicRig) startWorker(group string, h *handler.Handler) (stop func()) {
	r.t.Helper()

	cfg := r.cfg
	cfg.GroupID = group
	worker, err := consumer.NewWorker(cfg, h, zaptest.NewLogger(r.t, zaptest.Level(zap.WarnLevel)), prometheus.NewRegistry(),
		consumer.WithObserver(r.outcomes.observe), consumer.WithHolds(store.NewHolds(r.redis, r.prefix)))
	if err != nil {
		r.t.Fatalf("new worker: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx) }()

	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				r.t.Errorf("worker stopped with an error: %v", err)
			}
		})
	}
	r.t.Cleanup(stop)

	return stop
}

// produce writes events to topic as ingest does.
func (r *topicRig) produce(topic string, events ...pipeline.Event) {
	r.t.Helper()

	msgs := make([]kafka.Message, 0, len(events))
	for _, e := range events {
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: e, Meta: pipeline.Meta{AcceptedAt: time.Now()}})
		if err != nil {
			r.t.Fatalf("encode %s: %v", e.ID, err)
		}
		msg.Topic = topic
		msgs = append(msgs, msg)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		r.t.Fatalf("produce: %v", err)
	}
}

// readDeadLetters reads n records of the dead-letter topic.
func (r *topicRig) readDeadLetters(n int) []kafka.Message {
	r.t.Helper()

	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: r.brokers, GroupID: testenv.UniqueName(r.t, "reader"), Topic: r.cfg.DeadLetterTopic,
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer reader.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var msgs []kafka.Message
	for len(msgs) < n {
		msg, err := reader.ReadMessage(ctx)
		if err != nil {
			r.t.Fatalf("read %d of %d dead letters: %v", len(msgs), n, err)
		}
		msgs = append(msgs, msg)
	}

	return msgs
}

// outcomeLog collects durable outcomes by event id.
type outcomeLog struct {
	mu      sync.Mutex
	byEvent map[string][]pipeline.Outcome
}

func newOutcomeLog() *outcomeLog {
	return &outcomeLog{byEvent: map[string][]pipeline.Outcome{}}
}

func (l *outcomeLog) observe(_ string, env pipeline.Envelope, out pipeline.Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byEvent[env.Event.ID] = append(l.byEvent[env.Event.ID], out)
}

// all returns the outcomes of an event so far.
func (l *outcomeLog) all(eventID string) []pipeline.Outcome {
	l.mu.Lock()
	defer l.mu.Unlock()

	return append([]pipeline.Outcome(nil), l.byEvent[eventID]...)
}

// waitFor waits until the event has n outcomes of which the last is final,
// and returns them.
func (l *outcomeLog) waitFor(t *testing.T, eventID string, n int) []pipeline.Outcome {
	t.Helper()

	deadline := time.Now().Add(finalWait)
	for time.Now().Before(deadline) {
		seen := l.all(eventID)
		if len(seen) >= n && isFinal(seen[len(seen)-1].Kind) {
			return seen
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("event %s has no %d outcomes ending final after %s: %+v", eventID, n, finalWait, l.all(eventID))

	return nil
}

// final waits for the event's first final outcome and returns every outcome.
func (l *outcomeLog) final(t *testing.T, eventID string) []pipeline.Outcome {
	t.Helper()

	return l.waitFor(t, eventID, 1)
}

// waitUntil polls cond until it holds or finalWait passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(finalWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", finalWait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isFinal(kind pipeline.Kind) bool {
	return kind == pipeline.Done || kind == pipeline.PendingApproval || kind == pipeline.Permanent
}
