package producer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/arenasync/arenasync/internal/testenv"
)

// testToken is the ingest token of the test servers.
const testToken = "test-ingest-token-5f1c"

// testNow is the clock of the test servers.
var testNow = time.Date(2025, 1, 20, 10, 0, 0, 0, time.UTC)

// completedBody is a valid course.completed webhook.
const completedBody = `{"eventId": "d2c1a7e0-0001", "eventType": "course.completed",
 "employeeId": "EMP12345", "courseId": "LMS-SAFETY-101",
 "completionDate": "2025-01-19T14:30:00Z", "status": "COMPLETED", "score": 95}`

// testServer is a Server on fresh topics with its observed logs.
type testServer struct {
	*Server
	brokers []string
	reg     *prometheus.Registry
	logs    *observer.ObservedLogs
}

// newTestServer creates a main topic with the given partitions and its
// dead-letter topic, then a Server on them. edit changes the config first.
func newTestServer(t *testing.T, partitions int, edit func(*Config), opts ...Option) *testServer {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	cfg := Config{
		Brokers:     brokers,
		Topic:       testenv.UniqueName(t, "ingest"),
		IngestToken: testToken,
	}
	if edit != nil {
		edit(&cfg)
	}
	testenv.CreateTopic(t, brokers, cfg.Topic, partitions)
	testenv.CreateTopic(t, brokers, cfg.Topic+DeadLetterSuffix, 1)

	return startServer(t, cfg, opts...)
}

// startServer builds a Server from cfg without creating topics and closes
// it when the test ends.
func startServer(t *testing.T, cfg Config, opts ...Option) *testServer {
	t.Helper()

	logger, logs := observedLogger(t)
	reg := prometheus.NewRegistry()
	opts = append([]Option{WithClock(func() time.Time { return testNow })}, opts...)

	s, err := New(cfg, logger, reg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})

	return &testServer{Server: s, brokers: cfg.Brokers, reg: reg, logs: logs}
}

// observedLogger returns a logger that writes to the test log and records
// every entry for assertions.
func observedLogger(t *testing.T) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	logger := zaptest.NewLogger(t, zaptest.WrapOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewTee(c, core)
	})))

	return logger, logs
}

// webhookRequest builds a webhook POST with the test token and a JSON body.
func webhookRequest(source, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/webhooks/"+source, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set("Content-Type", "application/json")

	return r
}

// serve runs r through the server's handler.
func (s *testServer) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)

	return rec
}

// decodeProblem decodes a problem+json response and fails the test on
// another media type.
func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()

	if got := rec.Header().Get("Content-Type"); got != contentTypeProblem {
		t.Fatalf("Content-Type = %q, want %q (body %s)", got, contentTypeProblem, rec.Body)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem %q: %v", rec.Body, err)
	}

	return p
}

// readRecords returns every record of topic, partition by partition, by
// reading each partition from its first to its last offset.
func readRecords(t *testing.T, brokers []string, topic string) []kafka.Message {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		t.Fatalf("dial %s: %v", brokers[0], err)
	}
	defer conn.Close()

	partitions, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatalf("read partitions of %s: %v", topic, err)
	}

	var records []kafka.Message
	for _, p := range partitions {
		records = append(records, readPartition(ctx, t, brokers[0], topic, p.ID)...)
	}

	return records
}

// readPartition returns every record of one partition.
func readPartition(ctx context.Context, t *testing.T, broker, topic string, partition int) []kafka.Message {
	t.Helper()

	conn, err := kafka.DialLeader(ctx, "tcp", broker, topic, partition)
	if err != nil {
		t.Fatalf("dial leader of %s/%d: %v", topic, partition, err)
	}
	defer conn.Close()

	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	first, last, err := conn.ReadOffsets()
	if err != nil {
		t.Fatalf("read offsets of %s/%d: %v", topic, partition, err)
	}
	if _, err := conn.Seek(first, kafka.SeekAbsolute); err != nil {
		t.Fatalf("seek %s/%d to %d: %v", topic, partition, first, err)
	}

	var records []kafka.Message
	for next := first; next < last; {
		start := next
		batch := conn.ReadBatch(1, 10<<20)
		for {
			msg, err := batch.ReadMessage()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("read %s/%d at offset %d: %v", topic, partition, next, err)
				}

				break
			}
			msg.Topic, msg.Partition = topic, partition
			records = append(records, msg)
			next = msg.Offset + 1
		}
		_ = batch.Close()
		if next == start {
			t.Fatalf("read %s/%d: no record at offset %d although the last offset is %d", topic, partition, next, last)
		}
	}

	return records
}

// headerMap returns the record headers by key.
func headerMap(headers []kafka.Header) map[string]string {
	m := make(map[string]string, len(headers))
	for _, h := range headers {
		m[h.Key] = string(h.Value)
	}

	return m
}
