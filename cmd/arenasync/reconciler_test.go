package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

func TestReconcilerRoleEndToEnd(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	redisAddr := testenv.RedisAddr(t)
	prefix := testenv.RedisPrefix(t)
	topic := testenv.UniqueName(t, "events")
	testenv.CreateTopic(t, brokers, topic+".dlt", 3)
	opsAddr := testenv.FreeAddr(t)

	var mu sync.Mutex
	var texts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var payload struct {
			Text string `json:"text"`
		}
		_ = json.NewDecoder(r.Body).Decode(&payload)
		mu.Lock()
		texts = append(texts, payload.Text)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)

	root := newRootCommand()
	root.SetArgs([]string{"reconciler", "--kafka-brokers", strings.Join(brokers, ","), "--topic", topic,
		"--redis-addr", redisAddr, "--redis-prefix", prefix, "--ops-addr", opsAddr, "--group", testenv.UniqueName(t, "reconciler"),
		"--notify-webhook-url", hook.URL + "/services/SECRET", "--notify-interval", "300ms", "--log-level", "error"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	writeDeadLetter(t, brokers, topic+".dlt")

	pollUntil(t, 30*time.Second, "the open gauge reads 1", func() bool {
		return strings.Contains(get(t, "http://"+opsAddr+"/metrics"), "arenasync_review_queue_open 1\n")
	})
	pollUntil(t, 10*time.Second, "the webhook receives a message", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(texts) == 1
	})

	// The notifier counts a message once the webhook's response arrives,
	// which is after the hook above recorded it.
	sent := `arenasync_notifications_sent_total{channel="webhook"} 1`
	pollUntil(t, 10*time.Second, "the sent counter reads 1", func() bool {
		return strings.Contains(get(t, "http://"+opsAddr+"/metrics"), sent+"\n")
	})

	metrics := get(t, "http://"+opsAddr+"/metrics")
	for _, want := range []string{
		`arenasync_reconciler_dead_letters_received_total{reason="record_expired"} 1`,
		sent,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if body := get(t, "http://"+opsAddr+"/readyz"); body != "ready\n" {
		t.Errorf("/readyz = %q, want %q", body, "ready\n")
	}
	mu.Lock()
	wantText := "1 training event dead-lettered with reason record_expired in the last 300ms: EMP00042 (LMS-SAFETY-101). Run `arenasync dlt list --reason record_expired` to review them."
	if texts[0] != wantText {
		t.Errorf("webhook text = %q, want %q", texts[0], wantText)
	}
	mu.Unlock()

	listed := runArenasync(t, "dlt", "list", "--json", "--redis-addr", redisAddr, "--redis-prefix", prefix)
	if !strings.Contains(listed.stdout, `"employeeId": "EMP00042"`) {
		t.Errorf("dlt list output lacks the stored dead letter: %s", listed.stdout)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("reconciler stopped with %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reconciler did not stop within 30s of cancellation")
	}
}

// writeDeadLetter writes one dead-lettered completion of EMP00042 to topic.
func writeDeadLetter(t *testing.T, brokers []string, topic string) {
	t.Helper()

	event := pipeline.Event{ID: "evt-42", Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: "EMP00042", CourseID: "LMS-SAFETY-101",
		CompletionDate: "2025-01-19T14:30:00Z", Status: pipeline.StatusCompleted}
	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: pipeline.Meta{Reason: string(pipeline.ReasonRecordExpired), ArenaStatus: 409}})
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	msg.Topic = topic

	writer := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer writer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := writer.WriteMessages(ctx, msg); err != nil {
		t.Fatalf("write dead letter: %v", err)
	}
}

// get returns the body of a GET request, or "" when the request fails.
func get(t *testing.T, url string) string {
	t.Helper()

	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)

	return string(body)
}

// pollUntil checks cond every 50 ms and fails the test when it is still
// false after timeout.
func pollUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
