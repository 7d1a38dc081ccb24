package adapters_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/store"
)

// TestEndToEndEverySource sends one realistic delivery per source through
// ingest on real Kafka and Redis and waits until a worker has completed
// the matching Arena record in the simulator.
func TestEndToEndEverySource(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	cfg := consumer.Config{
		Brokers:        brokers,
		Topic:          testenv.UniqueName(t, "e2e"),
		GroupID:        testenv.UniqueName(t, "worker"),
		RetryDelays:    []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 900 * time.Millisecond},
		CommitInterval: 100 * time.Millisecond,
		ShutdownGrace:  5 * time.Second,
	}
	cfg.DeadLetterTopic = cfg.Topic + ".dlt"
	for _, topic := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, topic, 1)
	}

	rig := startIngest(t, cfg.Topic)
	sim, client := startSimulator(t)
	mappings := store.NewEnrollments(rig.redis, rig.prefix)
	startWorker(t, cfg, client, mappings, rig)

	cases := []struct {
		delivery       delivery
		employeeID     string
		courseID       string
		wantCompletion string
		wantScore      *float64
	}{
		{delivery: delivery{source: "lms", fixture: "completed.json"}, employeeID: "EMP20417", courseID: "LMS-GMP-201", wantCompletion: "2025-01-19T14:30:00Z", wantScore: scoreOf(95)},
		{delivery: delivery{source: "moodle", fixture: "course-completed.json"}, employeeID: "EMP20417", courseID: "57", wantCompletion: "2025-01-19T14:30:00Z"},
		{delivery: delivery{source: "docebo", fixture: "completed.json"}, employeeID: "EMP20417", courseID: "305", wantCompletion: "2025-01-19T13:30:00Z"},
		{delivery: delivery{source: "360learning", fixture: "attempt-closed.json"}, employeeID: "EMP20417", courseID: "6790a1b2c3d4e5f6a7b8c902", wantCompletion: "2025-01-19T14:30:00Z"},
		{delivery: delivery{source: "xapi", fixture: "passed-scaled-disagrees.json"}, employeeID: "EMP20988", courseID: "https://lms.example.test/course/LMS-SOP-014", wantCompletion: "2025-01-19T16:45:10Z", wantScore: scoreOf(90)},
	}

	recordIDs := make([]string, len(cases))
	for i, tc := range cases {
		record := sim.AddRecord(arenasim.Record{EmployeeID: tc.employeeID, CourseID: tc.courseID})
		if err := mappings.Set(context.Background(), tc.employeeID, tc.courseID, record.ID); err != nil {
			t.Fatalf("seed mapping: %v", err)
		}
		recordIDs[i] = record.ID
	}

	for _, tc := range cases {
		if rec := rig.send(t, tc.delivery); rec.Code != http.StatusAccepted {
			t.Fatalf("%s: status %d, want 202 (body %s)", tc.delivery.source, rec.Code, rec.Body)
		}
	}

	for i, tc := range cases {
		t.Run(tc.delivery.source, func(t *testing.T) {
			record := waitForCompletion(t, sim, recordIDs[i], 30*time.Second)

			if record.CompletionDate != tc.wantCompletion {
				t.Errorf("completionDate = %q, want %q", record.CompletionDate, tc.wantCompletion)
			}
			switch {
			case tc.wantScore == nil && record.Score != nil:
				t.Errorf("score = %v, want none", *record.Score)
			case tc.wantScore != nil && (record.Score == nil || *record.Score != *tc.wantScore):
				t.Errorf("score = %v, want %v", record.Score, *tc.wantScore)
			}
		})
	}
}

// startSimulator starts the Arena simulator with the employees of the
// fixtures and returns it with a client.
func startSimulator(t *testing.T) (*arenasim.Sim, *arena.Client) {
	t.Helper()

	sim := arenasim.NewServer(arenasim.Config{Employees: []arenasim.Employee{
		{ID: "EMP20417", Name: "Ada Example", Active: true},
		{ID: "EMP20988", Name: "Ben Example", Active: true},
	}}, zap.NewNop())
	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(stop)

	client, err := arena.New(arena.Config{BaseURL: url, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}, nil, zap.NewNop())
	if err != nil {
		t.Fatalf("arena client: %v", err)
	}

	return sim, client
}

// startWorker runs a worker on cfg until the test ends.
func startWorker(t *testing.T, cfg consumer.Config, client *arena.Client, mappings *store.Enrollments, rig *ingestRig) {
	t.Helper()

	h := handler.New(handler.Config{LockWait: time.Second}, client, mappings, zap.NewNop())
	worker, err := consumer.NewWorker(cfg, h, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), prometheus.NewRegistry(), consumer.WithHolds(store.NewHolds(rig.redis, rig.prefix)))
	if err != nil {
		t.Fatalf("new worker: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("worker stopped with an error: %v", err)
		}
	})
}

// waitForCompletion polls the simulator until the record is COMPLETED.
func waitForCompletion(t *testing.T, sim *arenasim.Sim, recordID string, timeout time.Duration) arenasim.Record {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for {
		record, ok := sim.Record(recordID)
		if ok && record.Status == "COMPLETED" {
			return record
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s is %+v after %s, want COMPLETED", recordID, record, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scoreOf returns a pointer to v.
func scoreOf(v float64) *float64 {
	return &v
}
