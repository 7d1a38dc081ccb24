package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

// workerProcess is an `arenasync worker` child process.
type workerProcess struct {
	cmd    *exec.Cmd
	output *strings.Builder
}

// startWorkerProcess runs the test binary as `arenasync worker args...`.
func startWorkerProcess(t *testing.T, env []string, args ...string) *workerProcess {
	t.Helper()

	cmd := exec.Command(os.Args[0], append([]string{"worker"}, args...)...)
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	output := &strings.Builder{}
	cmd.Stdout = output
	cmd.Stderr = output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}

	p := &workerProcess{cmd: cmd, output: output}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("worker output:\n%s", p.output.String())
		}
	})

	return p
}

// TestWorkerKilledBeforeCommit kills a worker after it moved a record to the
// first retry tier and before it committed the source offset. The restarted
// worker reads the record again: nothing is lost, and Arena holds exactly
// one completion.
func TestWorkerKilledBeforeCommit(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	redisAddr := testenv.RedisAddr(t)
	topic := testenv.UniqueName(t, "crash")
	cfg := consumer.Config{Topic: topic, RetryDelays: []time.Duration{2 * time.Second, 3 * time.Second, 4 * time.Second}}
	for _, name := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, name, 2)
	}

	sim := arenasim.NewServer(arenasim.Config{Employees: []arenasim.Employee{{ID: "EMP12345", Name: "Ada Example", Active: true}}}, zap.NewNop())
	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	record := sim.AddRecord(arenasim.Record{EmployeeID: "EMP12345", CourseID: "LMS-CRASH", Status: "IN_PROGRESS"})
	sim.FailRecord(record.ID, http.StatusServiceUnavailable)

	env := []string{
		"ARENASYNC_KAFKA_BROKERS=" + strings.Join(brokers, ","),
		"ARENASYNC_TOPIC=" + topic,
		"ARENASYNC_RETRY_DELAYS=2s,3s,4s",
		"ARENASYNC_GROUP=" + testenv.UniqueName(t, "group"),
		"ARENASYNC_REDIS_ADDR=" + redisAddr,
		"ARENASYNC_REDIS_PREFIX=" + testenv.RedisPrefix(t),
		"ARENASYNC_ARENA_URL=" + url,
		"ARENASYNC_ARENA_CLIENT_ID=" + arenasim.DefaultClientID,
		"ARENASYNC_ARENA_CLIENT_SECRET=" + arenasim.DefaultClientSecret,
		"ARENASYNC_OPS_ADDR=",
		"ARENASYNC_LOG_LEVEL=warn",
	}
	first := startWorkerProcess(t, env, "--commit-interval", "1h")

	event := pipeline.Event{ID: "cmp-crash", Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: "EMP12345", CourseID: "LMS-CRASH",
		TrainingRecordID: record.ID, CompletionDate: "2025-05-01T10:00:00Z", Status: pipeline.StatusCompleted}
	produceEvent(t, brokers, topic, event)

	tier := cfg.Tiers()[0].Topic
	waitUntil(t, 60*time.Second, "the record reaches the first tier", func() bool { return testenv.TopicEnd(t, brokers, tier) == 1 })
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill worker: %v", err)
	}
	_ = first.cmd.Wait()

	sim.ClearFailures()
	startWorkerProcess(t, env, "--commit-interval", "100ms")

	waitUntil(t, 60*time.Second, "arena completes the record", func() bool {
		rec, _ := sim.Record(record.ID)
		return rec.Status == "COMPLETED"
	})
	// The copy in the first tier is handled too and finds the same completion.
	waitUntil(t, 60*time.Second, "the tier copy is handled", func() bool { return sim.Stats().DuplicateCompletions == 1 })

	stats := sim.Stats()
	if stats.Completions != 1 {
		t.Errorf("arena completions = %d, want exactly 1", stats.Completions)
	}
	if n := testenv.TopicEnd(t, brokers, cfg.Topic+".dlt"); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
	rec, _ := sim.Record(record.ID)
	if rec.CompletionDate != "2025-05-01T10:00:00Z" {
		t.Errorf("completion date = %q, want 2025-05-01T10:00:00Z", rec.CompletionDate)
	}
}

// produceEvent writes one event to topic as ingest does.
func produceEvent(t *testing.T, brokers []string, topic string, event pipeline.Event) {
	t.Helper()

	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: pipeline.Meta{AcceptedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	msg.Topic = topic

	writer := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll}
	defer writer.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := writer.WriteMessages(ctx, msg); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// waitUntil polls cond every 50 ms until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
