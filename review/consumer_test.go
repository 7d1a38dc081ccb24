package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/pipeline"
)

// dltPartitions is the partition count of the test dead-letter topics.
const dltPartitions = 3

// dltRig is a fresh dead-letter topic, a store and a writer.
type dltRig struct {
	t       *testing.T
	brokers []string
	topic   string
	store   *Store
	writer  *kafka.Writer
}

func startDLTRig(t *testing.T) *dltRig {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	topic := testenv.UniqueName(t, "events.dlt")
	testenv.CreateTopic(t, brokers, topic, dltPartitions)

	writer := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	t.Cleanup(func() { _ = writer.Close() })

	return &dltRig{t: t, brokers: brokers, topic: topic, store: newTestStore(t), writer: writer}
}

// writeEvents dead-letters n events of reason, employees EMP<first>...,
// encoded as the worker encodes them.
func (r *dltRig) writeEvents(reason pipeline.Reason, first, n int) {
	r.t.Helper()

	msgs := make([]kafka.Message, 0, n)
	for i := first; i < first+n; i++ {
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: completion(fmt.Sprintf("evt-%d", i), fmt.Sprintf("EMP%05d", i)), Meta: deadLetterMeta(reason)})
		if err != nil {
			r.t.Fatalf("encode: %v", err)
		}
		msg.Topic = r.topic
		msgs = append(msgs, msg)
	}
	r.write(msgs...)
}

// writeRaw dead-letters an invalid webhook body as ingest does.
func (r *dltRig) writeRaw() {
	r.t.Helper()

	msg := rawRecord(0, 0, time.Time{})
	msg.Topic, msg.Partition, msg.Offset = r.topic, 0, 0
	r.write(msg)
}

func (r *dltRig) write(msgs ...kafka.Message) {
	r.t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		r.t.Fatalf("write %d dead letters: %v", len(msgs), err)
	}
}

// waitForEntries waits until the store contains n entries.
func (r *dltRig) waitForEntries(n int64, timeout time.Duration) {
	r.t.Helper()

	deadline := time.Now().Add(timeout)
	for {
		got, err := r.store.Count(testContext(r.t), "")
		if err != nil {
			r.t.Fatalf("Count: %v", err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("store contains %d entries after %s, want %d", got, timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alerts records the entries a consumer alerted about.
type alerts struct {
	mu      sync.Mutex
	entries []Entry
}

func (a *alerts) alert(e Entry) {
	a.mu.Lock()
	a.entries = append(a.entries, e)
	a.mu.Unlock()
}

func (a *alerts) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()

	return len(a.entries)
}

// runningConsumer is a consumer whose Run goroutine the test stops.
type runningConsumer struct {
	*Consumer
	logs *observer.ObservedLogs
	stop func()
}

// startConsumer runs a consumer of the rig's topic in group.
func (r *dltRig) startConsumer(group string, alert Alerter) *runningConsumer {
	r.t.Helper()

	core, logs := observer.New(zap.DebugLevel)
	cfg := Config{Brokers: r.brokers, Topic: r.topic, GroupID: group, CommitInterval: 50 * time.Millisecond, GaugeInterval: 50 * time.Millisecond}
	c, err := NewConsumer(cfg, r.store, alert, zap.New(core), prometheus.NewRegistry())
	if err != nil {
		r.t.Fatalf("NewConsumer: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				r.t.Errorf("consumer stopped with an error: %v", err)
			}
		})
	}
	r.t.Cleanup(stop)

	return &runningConsumer{Consumer: c, logs: logs, stop: stop}
}

func TestConsumerStoresDeadLetters(t *testing.T) {
	rig := startDLTRig(t)
	rig.writeEvents(pipeline.ReasonEmployeeNotFound, 1, 4)
	rig.writeEvents(pipeline.ReasonRecordExpired, 5, 2)
	rig.writeRaw()

	var seen alerts
	c := rig.startConsumer(testenv.UniqueName(t, "reconciler"), seen.alert)
	rig.waitForEntries(7, 30*time.Second)

	ctx := testContext(t)
	tests := []struct {
		name   string
		filter Filter
		want   int
	}{
		{name: "employee_not_found", filter: Filter{Reason: "employee_not_found", Status: StatusOpen}, want: 4},
		{name: "record_expired", filter: Filter{Reason: "record_expired", Status: StatusOpen}, want: 2},
		{name: "invalid_payload", filter: Filter{Reason: "invalid_payload", Status: StatusOpen}, want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rig.store.List(ctx, tc.filter)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(got) != tc.want {
				t.Errorf("entries = %d, want %d", len(got), tc.want)
			}
			if received := testutil.ToFloat64(c.metrics.received.WithLabelValues(tc.name)); received != float64(tc.want) {
				t.Errorf("received_total{reason=%s} = %v, want %d", tc.name, received, tc.want)
			}
		})
	}

	event, err := rig.store.List(ctx, Filter{EmployeeID: "EMP00003"})
	if err != nil || len(event) != 1 {
		t.Fatalf("entries of EMP00003 = %v, %v; want one", ids(event), err)
	}
	e := event[0]
	wantID := EntryID(rig.topic, e.Partition, e.Offset)
	if e.ID != wantID || e.EventID != "evt-3" || e.CourseID != "LMS-SAFETY-101" || e.Reason != "employee_not_found" ||
		e.ErrorMessage != "Arena answered 404: employee not found" || e.ArenaStatus != 404 || e.Attempt != 3 ||
		e.OriginalTopic != "lms.training.events" || e.OriginalOffset != 41 || !e.Replayable || e.Status != StatusOpen {
		t.Errorf("entry of EMP00003 = %+v, want id %s with the worker's event and headers", e, wantID)
	}
	if e.DeadLetteredAt.IsZero() || time.Since(e.DeadLetteredAt) > time.Minute {
		t.Errorf("dead-lettered at = %s, want the record's recent Kafka timestamp", e.DeadLetteredAt)
	}

	raw, err := rig.store.List(ctx, Filter{EmployeeID: "EMP77777"})
	if err != nil || len(raw) != 1 {
		t.Fatalf("entries of EMP77777 = %v, %v; want the raw one", ids(raw), err)
	}
	if raw[0].Replayable || raw[0].EventID != "evt-raw" || !strings.Contains(string(raw[0].Value), `"score":"high"`) {
		t.Errorf("raw entry = %+v, want not replayable, event evt-raw and the body as sent", raw[0])
	}

	if got := seen.count(); got != 7 {
		t.Errorf("alerts = %d, want 7", got)
	}
	if got := c.logs.FilterMessage("dead letter waiting for review").FilterField(zap.String(keyEmployeeID, "EMP00003")).Len(); got != 1 {
		t.Errorf("warn lines for EMP00003 = %d, want 1", got)
	}
	waitForGauge(t, c.Consumer, 7)
}

// waitForGauge waits until the open-entry gauge reads want.
func waitForGauge(t *testing.T, c *Consumer, want float64) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(c.metrics.open) != want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := testutil.ToFloat64(c.metrics.open); got != want {
		t.Errorf("review_queue_open = %v, want %v", got, want)
	}
}

func TestConsumerCommitsAndSkipsStoredRecords(t *testing.T) {
	rig := startDLTRig(t)
	group := testenv.UniqueName(t, "reconciler")
	rig.writeEvents(pipeline.ReasonRecordExpired, 1, 5)

	var first alerts
	c := rig.startConsumer(group, first.alert)
	rig.waitForEntries(5, 30*time.Second)
	c.stop()

	// The same group resumes after the committed offsets: only the new
	// record arrives.
	rig.writeEvents(pipeline.ReasonRecordExpired, 6, 1)
	var second alerts
	resumed := rig.startConsumer(group, second.alert)
	rig.waitForEntries(6, 30*time.Second)

	if got := first.count(); got != 5 {
		t.Errorf("alerts of the first consumer = %d, want 5", got)
	}
	if got := second.count(); got != 1 {
		t.Errorf("alerts of the resumed consumer = %d, want 1", got)
	}
	if got := testutil.ToFloat64(resumed.metrics.redelivered); got != 0 {
		t.Errorf("redelivered of the resumed consumer = %v, want 0", got)
	}
	resumed.stop()

	// Another group reads everything again: no entry, alert or trail line
	// is added.
	var replay alerts
	rereader := rig.startConsumer(testenv.UniqueName(t, "reread"), replay.alert)
	deadline := time.Now().Add(30 * time.Second)
	for testutil.ToFloat64(rereader.metrics.redelivered) < 6 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}

	if got := testutil.ToFloat64(rereader.metrics.redelivered); got != 6 {
		t.Errorf("redelivered = %v, want 6", got)
	}
	if got := replay.count(); got != 0 {
		t.Errorf("alerts on re-reading = %d, want 0", got)
	}
	if n, _ := rig.store.Count(testContext(t), ""); n != 6 {
		t.Errorf("entries = %d, want 6", n)
	}
	log, err := rig.store.AuditLog(testContext(t), "", 0)
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	if len(log) != 6 {
		t.Errorf("audit records = %d, want 6 received", len(log))
	}
}

// webhook is a notification receiver on 127.0.0.1 that records texts.
type webhook struct {
	mu    sync.Mutex
	texts []string
}

func startWebhook(t *testing.T) (*webhook, string) {
	t.Helper()

	w := &webhook{}
	server := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var payload struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(body, &payload)
		w.mu.Lock()
		w.texts = append(w.texts, payload.Text)
		w.mu.Unlock()
	}))
	t.Cleanup(server.Close)

	return w, server.URL + "/hook"
}

func (w *webhook) received() []string {
	w.mu.Lock()
	defer w.mu.Unlock()

	return append([]string(nil), w.texts...)
}

// startNotifier runs a notifier until the test ends.
func startNotifier(t *testing.T, cfg notify.Config) *notify.Notifier {
	t.Helper()

	n, err := notify.New(cfg, nil, zap.NewNop(), prometheus.NewRegistry())
	if err != nil {
		t.Fatalf("notify.New: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = n.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	return n
}

// notifyAlerter hands entries to a notifier as the reconciler role does.
func notifyAlerter(n *notify.Notifier) Alerter {
	return func(e Entry) {
		n.Notify(notify.DeadLetter{EntryID: e.ID, Reason: e.Reason, EventID: e.EventID, EmployeeID: e.EmployeeID, CourseID: e.CourseID})
	}
}

func TestFloodThroughConsumerNotifiesOnce(t *testing.T) {
	rig := startDLTRig(t)
	hook, url := startWebhook(t)
	const interval = 4 * time.Second
	n := startNotifier(t, notify.Config{WebhookURL: url, Interval: interval})

	rig.writeEvents(pipeline.ReasonEmployeeNotFound, 1, 500)
	rig.startConsumer(testenv.UniqueName(t, "reconciler"), notifyAlerter(n))
	rig.waitForEntries(500, 30*time.Second)

	deadline := time.Now().Add(interval + 5*time.Second)
	for len(hook.received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// One more interval: a second message would arrive by now.
	time.Sleep(interval)

	texts := hook.received()
	if len(texts) != 1 {
		t.Fatalf("webhook messages = %d, want 1: %q", len(texts), texts)
	}
	want := "500 training events dead-lettered with reason employee_not_found in the last 4s: "
	if !strings.HasPrefix(texts[0], want) {
		t.Errorf("message = %q, want it to start with %q", texts[0], want)
	}
}

func TestWebhookDownDoesNotBlockConsumer(t *testing.T) {
	rig := startDLTRig(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	down := "http://" + listener.Addr().String() + "/hook"
	_ = listener.Close()
	n := startNotifier(t, notify.Config{WebhookURL: down, Interval: 10 * time.Millisecond, RetryBackoff: time.Second, MaxBackoff: time.Second, MaxAttempts: 100, FlushTimeout: 200 * time.Millisecond})

	rig.writeEvents(pipeline.ReasonRecordExpired, 1, 100)
	rig.writeEvents(pipeline.ReasonEmployeeNotFound, 101, 100)
	rig.startConsumer(testenv.UniqueName(t, "reconciler"), notifyAlerter(n))

	// The sender retries for 100 s; the entries must be stored long before.
	rig.waitForEntries(200, 20*time.Second)
}
