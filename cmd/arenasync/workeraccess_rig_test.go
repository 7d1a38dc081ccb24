package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

// accessRetryDelays are short, so an event that wrongly enters the retry
// tiers reaches the dead-letter topic within a test.
const accessRetryDelays = "2s,3s,4s"

// accessRig runs `arenasync worker` processes against a simulator, real
// Kafka and real Redis, and feeds them completion events of seeded records.
type accessRig struct {
	t       *testing.T
	brokers []string
	cfg     consumer.Config
	sim     *arenasim.Sim
	env     []string
	writer  *kafka.Writer

	mu      sync.Mutex
	records []string
	sent    int
}

// startAccessRig creates the topics and starts the simulator with
// simCfg. The workers' common settings go into their environment.
func startAccessRig(t *testing.T, simCfg arenasim.Config) *accessRig {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	delays, err := consumer.ParseDelays(accessRetryDelays)
	if err != nil {
		t.Fatal(err)
	}
	cfg := consumer.Config{Brokers: brokers, Topic: testenv.UniqueName(t, "access"), RetryDelays: delays}
	cfg.DeadLetterTopic = cfg.Topic + ".dlt"
	for _, topic := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, topic, 4)
	}

	sim := arenasim.NewServer(simCfg, zap.NewNop())
	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	writer := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	t.Cleanup(func() { _ = writer.Close() })

	env := []string{
		"ARENASYNC_KAFKA_BROKERS=" + strings.Join(brokers, ","),
		"ARENASYNC_TOPIC=" + cfg.Topic,
		"ARENASYNC_RETRY_DELAYS=" + accessRetryDelays,
		"ARENASYNC_GROUP=" + testenv.UniqueName(t, "group"),
		"ARENASYNC_REDIS_ADDR=" + testenv.RedisAddr(t),
		"ARENASYNC_REDIS_PREFIX=" + testenv.RedisPrefix(t),
		"ARENASYNC_ARENA_URL=" + url,
		"ARENASYNC_ARENA_CLIENT_ID=" + arenasim.DefaultClientID,
		"ARENASYNC_ARENA_CLIENT_SECRET=" + arenasim.DefaultClientSecret,
		"ARENASYNC_OPS_ADDR=",
		"ARENASYNC_LOG_LEVEL=warn",
		"ARENASYNC_CONCURRENCY=4",
		"ARENASYNC_COMMIT_INTERVAL=200ms",
		"ARENASYNC_ARENA_RATE_LIMIT=500",
		"ARENASYNC_ARENA_CIRCUIT_FAILURES=3",
		"ARENASYNC_ARENA_CIRCUIT_PROBE_INTERVAL=1s",
		"ARENASYNC_ARENA_PAUSE_INITIAL=500ms",
		"ARENASYNC_ARENA_PAUSE_MAX=2s",
	}

	return &accessRig{t: t, brokers: brokers, cfg: cfg, sim: sim, env: env, writer: writer}
}

// startWorkers starts n worker processes with extra flags.
func (r *accessRig) startWorkers(n int, args ...string) []*workerProcess {
	workers := make([]*workerProcess, 0, n)
	for range n {
		workers = append(workers, startWorkerProcess(r.t, r.env, args...))
	}
	return workers
}

// send seeds n IN_PROGRESS records and produces one completion event for
// each. Every event has its own key, so the events spread over partitions.
func (r *accessRig) send(n int) {
	r.t.Helper()

	msgs := make([]kafka.Message, 0, n)
	r.mu.Lock()
	for range n {
		r.sent++
		record := r.sim.AddRecord(arenasim.Record{EmployeeID: fmt.Sprintf("EMP%05d", r.sent), CourseID: "LMS-LOAD", Status: "IN_PROGRESS"})
		r.records = append(r.records, record.ID)

		event := pipeline.Event{ID: fmt.Sprintf("cmp-%05d", r.sent), Type: pipeline.CourseCompleted, Source: "lms",
			EmployeeID: record.EmployeeID, CourseID: record.CourseID, TrainingRecordID: record.ID,
			CompletionDate: "2025-05-01T10:00:00Z", Status: pipeline.StatusCompleted}
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: pipeline.Meta{AcceptedAt: time.Now()}})
		if err != nil {
			r.mu.Unlock()
			r.t.Fatal(err)
		}
		msg.Topic = r.cfg.Topic
		msgs = append(msgs, msg)
	}
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		r.t.Fatalf("produce %d events: %v", n, err)
	}
}

// sendSteadily sends perTick events every tick until ctx ends, and returns
// when it has stopped.
func (r *accessRig) sendSteadily(ctx context.Context, perTick int, tick time.Duration) {
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			r.send(perTick)
		}
	}
}

// sentCount returns the number of events produced so far.
func (r *accessRig) sentCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent
}

// completed returns how many seeded records Arena holds as COMPLETED.
func (r *accessRig) completed() int {
	r.mu.Lock()
	ids := append([]string(nil), r.records...)
	r.mu.Unlock()

	done := 0
	for _, id := range ids {
		if record, ok := r.sim.Record(id); ok && record.Status == "COMPLETED" {
			done++
		}
	}
	return done
}

// waitAllCompleted waits until every event sent so far is completed in Arena.
func (r *accessRig) waitAllCompleted(timeout time.Duration) {
	r.t.Helper()
	waitUntil(r.t, timeout, "arena completes every event", func() bool { return r.completed() == r.sentCount() })
}

// tierRecords returns the number of records written to each retry tier.
func (r *accessRig) tierRecords() []int64 {
	counts := make([]int64, 0, len(r.cfg.Tiers()))
	for _, tier := range r.cfg.Tiers() {
		counts = append(counts, testenv.TopicEnd(r.t, r.brokers, tier.Topic))
	}
	return counts
}

// deadLetters returns the number of records written to the dead-letter topic.
func (r *accessRig) deadLetters() int64 {
	return testenv.TopicEnd(r.t, r.brokers, r.cfg.DeadLetterTopic)
}

// requestsBetween returns the simulator's requests that arrived in
// [from, to).
func (r *accessRig) requestsBetween(from, to time.Time) []arenasim.RequestLogEntry {
	var found []arenasim.RequestLogEntry
	for _, entry := range r.sim.Requests() {
		if !entry.At.Before(from) && entry.At.Before(to) {
			found = append(found, entry)
		}
	}
	return found
}

// throughput returns completions per second over d, counted by the simulator.
func (r *accessRig) throughput(d time.Duration) float64 {
	before := r.sim.Stats().Completions
	time.Sleep(d)
	return float64(r.sim.Stats().Completions-before) / d.Seconds()
}

// stopWorkers sends SIGTERM to every worker and waits for it to exit.
func stopWorkers(t *testing.T, workers []*workerProcess) {
	t.Helper()
	for _, w := range workers {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, w := range workers {
		_ = w.cmd.Wait()
	}
}
