package access_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/arena/sharedtoken"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// privateRedis is a redis-server of this test alone, so the test can stop
// it without disturbing other tests.
type privateRedis struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
}

func startPrivateRedis(t *testing.T, addr string) *privateRedis {
	t.Helper()

	_, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r := &privateRedis{t: t, addr: addr, cmd: cmd}
	t.Cleanup(r.stop)

	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for client.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

func (r *privateRedis) stop() {
	if r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

// inProcessWorker is one worker with its own Arena client, token source,
// rate limit, circuit breaker and metrics registry.
type inProcessWorker struct {
	access   *access.Access
	registry *prometheus.Registry
	stop     func()
}

func startInProcessWorker(t *testing.T, cfg consumer.Config, simURL string, accessRedis, storeRedis *redis.Client, accessPrefix, storePrefix string) *inProcessWorker {
	t.Helper()

	logger := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	registry := prometheus.NewRegistry()
	accessCfg := access.Config{
		Prefix:    accessPrefix,
		Token:     sharedtoken.Config{RedisRetryInterval: time.Second, LockTTL: 5 * time.Second},
		RateLimit: ratelimitConfig(),
	}
	arenaCfg := arena.Config{BaseURL: simURL, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret, TokenRefreshMargin: 250 * time.Millisecond}
	parts, err := access.New(accessCfg, arenaCfg, nil, accessRedis, logger, registry)
	if err != nil {
		t.Fatalf("access.New: %v", err)
	}

	h := handler.New(handler.Config{}, parts.Client, store.NewEnrollments(storeRedis, storePrefix), logger)
	worker, err := consumer.NewWorker(cfg, h, logger, registry, consumer.WithGate(parts.Gate))
	if err != nil {
		t.Fatalf("consumer.NewWorker: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); parts.Run(ctx) }()
	go func() { defer wg.Done(); _ = worker.Run(ctx) }()

	w := &inProcessWorker{access: parts, registry: registry, stop: func() { cancel(); wg.Wait() }}
	t.Cleanup(w.stop)
	return w
}

// metricValue returns the value of an unlabelled counter or gauge.
func metricValue(t *testing.T, registry *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		metric := family.GetMetric()[0]
		if metric.GetCounter() != nil {
			return metric.GetCounter().GetValue()
		}
		return metric.GetGauge().GetValue()
	}
	t.Fatalf("metric %s is not registered", name)
	return 0
}

// TestWorkersSurviveRedisStop runs three workers whose shared token and
// rate limit live in a Redis of their own. While that Redis is stopped the
// workers go on with per-process tokens; when it is back they share one
// token again. The enrollment map stays on the test Redis, so events can
// complete throughout.
func TestWorkersSurviveRedisStop(t *testing.T) {
	t.Parallel()
	const lifetime = 3 * time.Second

	brokers := testenv.KafkaBrokers(t)
	cfg := consumer.Config{Brokers: brokers, Topic: testenv.UniqueName(t, "redisdown"), GroupID: testenv.UniqueName(t, "group"),
		RetryDelays: []time.Duration{2 * time.Second, 3 * time.Second, 4 * time.Second}, Concurrency: 4, CommitInterval: 200 * time.Millisecond, ShutdownGrace: 5 * time.Second}
	cfg.DeadLetterTopic = cfg.Topic + ".dlt"
	for _, topic := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, topic, 4)
	}

	// Logins do not end earlier tokens here, so the per-process tokens of
	// the Redis outage do not fight and every event can complete.
	sim := arenasim.NewServer(arenasim.Config{TokenLifetime: lifetime}, zap.NewNop())
	simURL, stopSim, err := sim.StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopSim)

	accessAddr := testenv.FreeAddr(t)
	accessServer := startPrivateRedis(t, accessAddr)
	accessRedis := redis.NewClient(&redis.Options{Addr: accessAddr, DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = accessRedis.Close() })
	storeRedis := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = storeRedis.Close() })
	accessPrefix, storePrefix := testenv.RedisPrefix(t), testenv.RedisPrefix(t)

	var workers []*inProcessWorker
	for range 3 {
		workers = append(workers, startInProcessWorker(t, cfg, simURL, accessRedis, storeRedis, accessPrefix, storePrefix))
	}

	events := &eventSender{t: t, sim: sim, topic: cfg.Topic, writer: &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}}
	t.Cleanup(func() { _ = events.writer.Close() })
	ctx, stopSending := context.WithCancel(context.Background())
	sending := make(chan struct{})
	go func() { defer close(sending); events.sendSteadily(ctx, 100*time.Millisecond) }()
	defer func() { stopSending(); <-sending }()

	// Phase 1: Redis responds, and the workers share one token.
	events.waitCompleted(30 * time.Second)
	time.Sleep(2 * time.Second)

	// Phase 2: Redis is stopped.
	accessServer.stop()
	loginsAtStop := sim.Stats().Logins
	completedAtStop := sim.Stats().Completions
	time.Sleep(5 * time.Second)
	for i, w := range workers {
		if w.access.Tokens.Shared() {
			t.Errorf("worker %d still reports the shared token while Redis is stopped", i)
		}
		if got := metricValue(t, w.registry, "arenasync_arena_token_fallbacks_total"); got != 1 {
			t.Errorf("worker %d: arenasync_arena_token_fallbacks_total = %g, want 1", i, got)
		}
		if got := metricValue(t, w.registry, "arenasync_arena_token_shared"); got != 0 {
			t.Errorf("worker %d: arenasync_arena_token_shared = %g, want 0", i, got)
		}
	}
	outageLogins := sim.Stats().Logins - loginsAtStop
	outageCompletions := sim.Stats().Completions - completedAtStop
	if outageLogins < len(workers) {
		t.Errorf("logins while Redis was stopped = %d, want at least %d (one per worker)", outageLogins, len(workers))
	}
	if outageCompletions < 20 {
		t.Errorf("completions while Redis was stopped = %d, want at least 20: the workers should go on", outageCompletions)
	}

	// Phase 3: Redis is back, empty, and the workers share a token again.
	startPrivateRedis(t, accessAddr)
	time.Sleep(3 * time.Second)
	loginsAtRecovery := sim.Stats().Logins
	time.Sleep(3 * lifetime)
	recoveredLogins := sim.Stats().Logins - loginsAtRecovery

	for i, w := range workers {
		if !w.access.Tokens.Shared() {
			t.Errorf("worker %d did not return to the shared token after Redis came back", i)
		}
		if got := metricValue(t, w.registry, "arenasync_arena_token_shared"); got != 1 {
			t.Errorf("worker %d: arenasync_arena_token_shared = %g, want 1", i, got)
		}
	}
	if recoveredLogins > 4 {
		t.Errorf("logins in %s after recovery = %d, want at most 4 (one per lifetime, ± 1)", 3*lifetime, recoveredLogins)
	}
	if n, err := accessRedis.Exists(context.Background(), accessPrefix+"arena:token").Result(); err != nil || n != 1 {
		t.Errorf("shared token key exists = %d, %v; want 1", n, err)
	}

	stopSending()
	<-sending
	events.waitCompleted(30 * time.Second)
	for _, w := range workers {
		w.stop()
	}
	if n := testenv.TopicEnd(t, brokers, cfg.DeadLetterTopic); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
	t.Logf("redis stopped: %d logins and %d completions in 5s without it; %d logins in %s after it came back; %d events",
		outageLogins, outageCompletions, recoveredLogins, 3*lifetime, events.sentCount())
}

// eventSender produces completion events of seeded records.
type eventSender struct {
	t      *testing.T
	sim    *arenasim.Sim
	topic  string
	writer *kafka.Writer

	mu      sync.Mutex
	records []string
}

func (s *eventSender) sendSteadily(ctx context.Context, tick time.Duration) {
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.send(ctx)
		}
	}
}

func (s *eventSender) send(ctx context.Context) {
	s.mu.Lock()
	n := len(s.records) + 1
	record := s.sim.AddRecord(arenasim.Record{EmployeeID: fmt.Sprintf("EMP%05d", n), CourseID: "LMS-LOAD", Status: "IN_PROGRESS"})
	s.records = append(s.records, record.ID)
	s.mu.Unlock()

	event := pipeline.Event{ID: fmt.Sprintf("cmp-%05d", n), Type: pipeline.CourseCompleted, Source: "lms",
		EmployeeID: record.EmployeeID, CourseID: record.CourseID, TrainingRecordID: record.ID,
		CompletionDate: "2025-05-01T10:00:00Z", Status: pipeline.StatusCompleted}
	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: pipeline.Meta{AcceptedAt: time.Now()}})
	if err != nil {
		s.t.Error(err)
		return
	}
	msg.Topic = s.topic
	if err := s.writer.WriteMessages(ctx, msg); err != nil && ctx.Err() == nil {
		s.t.Errorf("produce: %v", err)
	}
}

func (s *eventSender) sentCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// waitCompleted waits until Arena holds every record sent so far as
// COMPLETED, and at least one was sent.
func (s *eventSender) waitCompleted(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		ids := append([]string(nil), s.records...)
		s.mu.Unlock()

		done := 0
		for _, id := range ids {
			if record, ok := s.sim.Record(id); ok && record.Status == "COMPLETED" {
				done++
			}
		}
		if len(ids) > 0 && done == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%d of %d events completed after %s", done, len(ids), timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
