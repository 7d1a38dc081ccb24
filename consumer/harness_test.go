package consumer_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// testPartitions is the partition count of every test topic.
const testPartitions = 3

// pipelineRig is a running worker on real Kafka and Redis, calling a
// simulator over HTTP.
type pipelineRig struct {
	t           *testing.T
	brokers     []string
	cfg         consumer.Config
	sim         *arenasim.Sim
	redis       *redis.Client
	mappings    *store.Enrollments
	arenaClient *arena.Client
	prefix      string
	wrap        func(consumer.Handler) consumer.Handler
	writer      *kafka.Writer
	outcomes    *outcomeLog
	registry    *prometheus.Registry
	stop        func()
}

// rigOptions change the rig's defaults.
type rigOptions struct {
	retryDelays []time.Duration
	simConfig   arenasim.Config
	// partitions of every topic; default testPartitions.
	partitions int
	// wrap decorates the handler, for fault injection.
	wrap func(consumer.Handler) consumer.Handler
}

// startRig creates fresh topics, a simulator and a worker.
func startRig(t *testing.T, opts rigOptions) *pipelineRig {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	redisAddr := testenv.RedisAddr(t)
	if len(opts.retryDelays) == 0 {
		opts.retryDelays = []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 900 * time.Millisecond}
	}

	cfg := consumer.Config{
		Brokers:        brokers,
		Topic:          testenv.UniqueName(t, "events"),
		GroupID:        testenv.UniqueName(t, "worker"),
		RetryDelays:    opts.retryDelays,
		CommitInterval: 100 * time.Millisecond,
		ShutdownGrace:  5 * time.Second,
	}
	cfg.DeadLetterTopic = cfg.Topic + ".dlt"
	if opts.partitions == 0 {
		opts.partitions = testPartitions
	}
	for _, topic := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, topic, opts.partitions)
	}

	rig := &pipelineRig{t: t, brokers: brokers, cfg: cfg, outcomes: newOutcomeLog(), registry: prometheus.NewRegistry(), wrap: opts.wrap}
	rig.startSim(opts.simConfig)
	rig.redis = redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rig.redis.Close() })
	rig.prefix = testenv.RedisPrefix(t)
	rig.mappings = store.NewEnrollments(rig.redis, rig.prefix)

	rig.writer = &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	t.Cleanup(func() { _ = rig.writer.Close() })

	rig.startWorker()

	return rig
}

// startSim starts the simulator with two known employees and a course.
func (r *pipelineRig) startSim(cfg arenasim.Config) {
	cfg.Employees = append(cfg.Employees,
		arenasim.Employee{ID: "EMP12345", Name: "Ada Example", Active: true},
		arenasim.Employee{ID: "EMP22222", Name: "Ben Example", Active: true})
	r.sim = arenasim.NewServer(cfg, zap.NewNop())

	url, stop, err := r.sim.StartLocal()
	if err != nil {
		r.t.Fatalf("start simulator: %v", err)
	}
	r.t.Cleanup(stop)

	client, err := arena.New(arena.Config{BaseURL: url, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}, nil, zap.NewNop())
	if err != nil {
		r.t.Fatalf("arena client: %v", err)
	}
	r.arenaClient = client
}

// startWorker runs a worker until the test ends.
func (r *pipelineRig) startWorker() {
	var h consumer.Handler = handler.New(handler.Config{LockWait: time.Second}, r.arenaClient, r.mappings, zap.NewNop())
	if r.wrap != nil {
		h = r.wrap(h)
	}
	worker, err := consumer.NewWorker(r.cfg, h, zaptest.NewLogger(r.t, zaptest.Level(zap.WarnLevel)), r.registry, consumer.WithObserver(r.outcomes.observe), consumer.WithHolds(store.NewHolds(r.redis, r.prefix)))
	if err != nil {
		r.t.Fatalf("new worker: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx) }()

	r.stop = func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			r.t.Errorf("worker stopped with an error: %v", err)
		}
	}
	r.t.Cleanup(func() {
		if r.stop != nil {
			r.stop()
		}
	})
}

// produce writes events to the main topic as ingest does.
func (r *pipelineRig) produce(events ...pipeline.Event) {
	r.t.Helper()

	msgs := make([]kafka.Message, 0, len(events))
	for _, e := range events {
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: e, Meta: pipeline.Meta{AcceptedAt: time.Now()}})
		if err != nil {
			r.t.Fatalf("encode %s: %v", e.ID, err)
		}
		msg.Topic = r.cfg.Topic
		msgs = append(msgs, msg)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		r.t.Fatalf("produce: %v", err)
	}
}

// produceRaw writes raw bytes to the main topic.
func (r *pipelineRig) produceRaw(key, value []byte) {
	r.t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.writer.WriteMessages(ctx, kafka.Message{Topic: r.cfg.Topic, Key: key, Value: value}); err != nil {
		r.t.Fatalf("produce raw: %v", err)
	}
}

// readDeadLetters reads n records from the dead-letter topic.
func (r *pipelineRig) readDeadLetters(n int) []kafka.Message {
	r.t.Helper()
	return readTopic(r.t, r.brokers, r.cfg.DeadLetterTopic, n)
}

// readTopic reads n records of topic from the start, over all partitions.
func readTopic(t *testing.T, brokers []string, topic string, n int) []kafka.Message {
	t.Helper()

	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, GroupID: testenv.UniqueName(t, "reader"), Topic: topic, StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer reader.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var msgs []kafka.Message
	for len(msgs) < n {
		msg, err := reader.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %d of %d records from %s: %v", len(msgs), n, topic, err)
		}
		msgs = append(msgs, msg)
	}

	return msgs
}

// outcomeLog collects the worker's durable outcomes by event id.
type outcomeLog struct {
	mu      sync.Mutex
	byEvent map[string][]observed
	changed chan struct{}
}

// observed is one durable outcome.
type observed struct {
	topic   string
	outcome pipeline.Outcome
	meta    pipeline.Meta
}

func newOutcomeLog() *outcomeLog {
	return &outcomeLog{byEvent: make(map[string][]observed), changed: make(chan struct{}, 1)}
}

func (l *outcomeLog) observe(topic string, env pipeline.Envelope, out pipeline.Outcome) {
	l.mu.Lock()
	l.byEvent[env.Event.ID] = append(l.byEvent[env.Event.ID], observed{topic: topic, outcome: out, meta: env.Meta})
	l.mu.Unlock()

	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// isFinal reports whether an outcome ends an event's handling.
func isFinal(kind pipeline.Kind) bool {
	return kind == pipeline.Done || kind == pipeline.PendingApproval || kind == pipeline.Permanent
}

// final waits until the event has a final outcome (done, pending approval or permanent)
// and returns every outcome it had.
func (l *outcomeLog) final(t *testing.T, eventID string, timeout time.Duration) []observed {
	t.Helper()

	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		seen := append([]observed(nil), l.byEvent[eventID]...)
		l.mu.Unlock()
		if len(seen) > 0 && isFinal(seen[len(seen)-1].outcome.Kind) {
			return seen
		}

		select {
		case <-l.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("event %s has no final outcome after %s; outcomes so far: %+v", eventID, timeout, seen)
		}
	}
}

// all returns every outcome of an event so far.
func (l *outcomeLog) all(eventID string) []observed {
	l.mu.Lock()
	defer l.mu.Unlock()

	return append([]observed(nil), l.byEvent[eventID]...)
}

// waitFor waits until cond holds for the event's outcomes.
func (l *outcomeLog) waitFor(t *testing.T, eventID string, timeout time.Duration, cond func([]observed) bool) []observed {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if seen := l.all(eventID); cond(seen) {
			return seen
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("event %s: condition not met after %s; outcomes: %+v", eventID, timeout, l.all(eventID))

	return nil
}

// committedOffset returns the offset group committed on partition 0 of
// topic, or -1 when it committed none.
func committedOffset(t *testing.T, rig *pipelineRig, topic, group string) int64 {
	t.Helper()

	client := &kafka.Client{Addr: kafka.TCP(rig.brokers...), Timeout: 10 * time.Second}
	resp, err := client.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{
		GroupID: group,
		Topics:  map[string][]int{topic: {0}},
	})
	if err != nil {
		t.Fatalf("fetch committed offsets of %s: %v", group, err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Partition == 0 {
			return p.CommittedOffset
		}
	}

	return -1
}
