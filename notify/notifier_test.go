package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// receiver is a webhook on 127.0.0.1 that responds with a scripted list of
// statuses (the last one repeats) and records every request body's text.
type receiver struct {
	server *httptest.Server

	mu       sync.Mutex
	statuses []int
	texts    []string
	requests int
	arrived  chan struct{}
}

func startReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()

	r := &receiver{statuses: statuses, arrived: make(chan struct{}, 1000)}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)

	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var payload struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(body, &payload)

	r.mu.Lock()
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status = r.statuses[min(r.requests, len(r.statuses)-1)]
	}
	r.requests++
	if status < 300 && req.Header.Get("Content-Type") == "application/json" {
		r.texts = append(r.texts, payload.Text)
	}
	r.mu.Unlock()

	w.WriteHeader(status)
	r.arrived <- struct{}{}
}

// url returns the webhook URL with a path token like Slack's.
func (r *receiver) url() string {
	return r.server.URL + "/services/T000/B000/SECRETTOKEN"
}

func (r *receiver) delivered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()

	return append([]string(nil), r.texts...)
}

func (r *receiver) requestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()

	return r.requests
}

// waitRequests waits until n requests arrived or fails the test.
func (r *receiver) waitRequests(t *testing.T, n int, timeout time.Duration) {
	t.Helper()

	deadline := time.After(timeout)
	for r.requestCount() < n {
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("webhook received %d requests within %s, want %d", r.requestCount(), timeout, n)
		}
	}
}

// running is a notifier whose Run goroutine the test stops.
type running struct {
	*Notifier
	registry *prometheus.Registry
	logs     *observer.ObservedLogs
	stop     func()
}

func startNotifier(t *testing.T, cfg Config) *running {
	t.Helper()

	core, logs := observer.New(zap.DebugLevel)
	registry := prometheus.NewRegistry()
	n, err := New(cfg, nil, zap.New(core), registry)
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = n.Run(ctx)
	}()

	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)

	return &running{Notifier: n, registry: registry, logs: logs, stop: stop}
}

func (r *running) sent(channel string) float64 {
	return testutil.ToFloat64(r.metrics.sent.WithLabelValues(channel))
}

func deadLetter(i int, reason string) DeadLetter {
	return DeadLetter{
		EntryID:    "dlt-0-" + strconv.Itoa(i),
		Reason:     reason,
		EventID:    "evt-" + strconv.Itoa(i),
		EmployeeID: "EMP" + strconv.Itoa(10000+i),
		CourseID:   "LMS-SAFETY-101",
	}
}

func TestFloodOfOneReasonSendsOneMessage(t *testing.T) {
	hook := startReceiver(t)
	n := startNotifier(t, Config{WebhookURL: hook.url(), Interval: 400 * time.Millisecond})

	for i := range 500 {
		n.Notify(deadLetter(i, "employee_not_found"))
	}
	hook.waitRequests(t, 1, 5*time.Second)
	// Two more intervals: nothing else may arrive.
	time.Sleep(800 * time.Millisecond)

	texts := hook.delivered()
	if len(texts) != 1 {
		t.Fatalf("webhook messages = %d, want 1: %q", len(texts), texts)
	}
	wantStart := "500 training events dead-lettered with reason employee_not_found in the last 400ms: EMP10000 (LMS-SAFETY-101), EMP10001 (LMS-SAFETY-101)"
	if !strings.HasPrefix(texts[0], wantStart) {
		t.Errorf("message = %q, want it to start with %q", texts[0], wantStart)
	}
	wantEnd := "EMP10009 (LMS-SAFETY-101) and 490 more. Run `arenasync dlt list --reason employee_not_found` to review them."
	if !strings.HasSuffix(texts[0], wantEnd) {
		t.Errorf("message = %q, want it to end with %q", texts[0], wantEnd)
	}
	if got := n.sent(channelWebhook); got != 1 {
		t.Errorf("sent{webhook} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(n.metrics.failed); got != 0 {
		t.Errorf("failed = %v, want 0", got)
	}
}

func TestTwoReasonsSendTwoMessages(t *testing.T) {
	hook := startReceiver(t)
	n := startNotifier(t, Config{WebhookURL: hook.url(), Interval: 300 * time.Millisecond})

	for i := range 3 {
		n.Notify(deadLetter(i, "record_expired"))
	}
	for i := range 2 {
		n.Notify(deadLetter(100+i, "employee_not_found"))
	}
	hook.waitRequests(t, 2, 5*time.Second)
	time.Sleep(600 * time.Millisecond)

	texts := hook.delivered()
	if len(texts) != 2 {
		t.Fatalf("webhook messages = %d, want 2: %q", len(texts), texts)
	}
	// Windows that close together are sent in reason order.
	want := []string{
		"2 training events dead-lettered with reason employee_not_found in the last 300ms: EMP10100 (LMS-SAFETY-101), EMP10101 (LMS-SAFETY-101). Run `arenasync dlt list --reason employee_not_found` to review them.",
		"3 training events dead-lettered with reason record_expired in the last 300ms: EMP10000 (LMS-SAFETY-101), EMP10001 (LMS-SAFETY-101), EMP10002 (LMS-SAFETY-101). Run `arenasync dlt list --reason record_expired` to review them.",
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("message %d = %q, want %q", i, texts[i], want[i])
		}
	}
}

func TestNextWindowSendsSecondMessage(t *testing.T) {
	hook := startReceiver(t)
	n := startNotifier(t, Config{WebhookURL: hook.url(), Interval: 200 * time.Millisecond})

	n.Notify(deadLetter(1, "record_expired"))
	hook.waitRequests(t, 1, 5*time.Second)
	n.Notify(deadLetter(2, "record_expired"))
	n.Notify(deadLetter(3, "record_expired"))
	hook.waitRequests(t, 2, 5*time.Second)

	texts := hook.delivered()
	if len(texts) != 2 {
		t.Fatalf("webhook messages = %d, want 2: %q", len(texts), texts)
	}
	if !strings.HasPrefix(texts[0], "1 training event dead-lettered with reason record_expired") {
		t.Errorf("first message = %q, want a count of 1", texts[0])
	}
	if !strings.HasPrefix(texts[1], "2 training events dead-lettered with reason record_expired") {
		t.Errorf("second message = %q, want a count of 2", texts[1])
	}
}

func TestServerErrorIsRetried(t *testing.T) {
	hook := startReceiver(t, http.StatusInternalServerError, http.StatusOK)
	n := startNotifier(t, Config{WebhookURL: hook.url(), Interval: 100 * time.Millisecond, RetryBackoff: 20 * time.Millisecond})

	n.Notify(deadLetter(1, "forbidden"))
	hook.waitRequests(t, 2, 5*time.Second)
	n.stop()

	if got := len(hook.delivered()); got != 1 {
		t.Errorf("delivered messages = %d, want 1", got)
	}
	if got := n.sent(channelWebhook); got != 1 {
		t.Errorf("sent{webhook} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(n.metrics.attemptsFailed); got != 1 {
		t.Errorf("attempts failed = %v, want 1", got)
	}
	if got := testutil.ToFloat64(n.metrics.failed); got != 0 {
		t.Errorf("failed = %v, want 0", got)
	}
	if got := n.logs.FilterMessage("posting dead-letter notification failed; retrying").Len(); got != 1 {
		t.Errorf("retry log lines = %d, want 1", got)
	}
}

func TestDeliveryOutcomes(t *testing.T) {
	tests := []struct {
		name               string
		statuses           []int
		maxAttempts        int
		wantRequests       int
		wantSent           float64
		wantAttemptsFailed float64
		wantFailed         float64
	}{
		{name: "accepted at once", statuses: []int{200}, maxAttempts: 3, wantRequests: 1, wantSent: 1},
		{name: "rate limited then accepted", statuses: []int{429, 204}, maxAttempts: 3, wantRequests: 2, wantSent: 1, wantAttemptsFailed: 1},
		{name: "unavailable every time", statuses: []int{503}, maxAttempts: 3, wantRequests: 3, wantAttemptsFailed: 3, wantFailed: 1},
		{name: "rejected without retry", statuses: []int{404}, maxAttempts: 3, wantRequests: 1, wantAttemptsFailed: 1, wantFailed: 1},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hook := startReceiver(t, tc.statuses...)
			n := startNotifier(t, Config{WebhookURL: hook.url(), Interval: 50 * time.Millisecond, MaxAttempts: tc.maxAttempts, RetryBackoff: 10 * time.Millisecond})

			n.Notify(deadLetter(1, "arena_rejected"))
			hook.waitRequests(t, tc.wantRequests, 5*time.Second)
			// The last outcome is counted after the last request; stopping
			// waits for the sender.
			n.stop()

			if got := hook.requestCount(); got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			if got := n.sent(channelWebhook); got != tc.wantSent {
				t.Errorf("sent{webhook} = %v, want %v", got, tc.wantSent)
			}
			if got := testutil.ToFloat64(n.metrics.attemptsFailed); got != tc.wantAttemptsFailed {
				t.Errorf("attempts failed = %v, want %v", got, tc.wantAttemptsFailed)
			}
			if got := testutil.ToFloat64(n.metrics.failed); got != tc.wantFailed {
				t.Errorf("failed = %v, want %v", got, tc.wantFailed)
			}
		})
	}
}

// closedURL returns a webhook URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := listener.Addr().String()
	_ = listener.Close()

	return "http://" + addr + "/services/T000/B000/SECRETTOKEN"
}

func TestReceiverDownDoesNotBlockNotify(t *testing.T) {
	n := startNotifier(t, Config{WebhookURL: closedURL(t), Interval: 20 * time.Millisecond, MaxAttempts: 3, RetryBackoff: 50 * time.Millisecond})

	// Several windows close while the sender is still retrying the first.
	started := time.Now()
	for i := range 2000 {
		n.Notify(deadLetter(i, "reason_"+strconv.Itoa(i%5)))
		if i%400 == 0 {
			time.Sleep(30 * time.Millisecond)
		}
	}
	elapsed := time.Since(started)

	if limit := time.Second; elapsed > limit {
		t.Errorf("2000 Notify calls took %s with the webhook down, want under %s", elapsed, limit)
	}

	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(n.metrics.failed) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := testutil.ToFloat64(n.metrics.failed); got < 1 {
		t.Errorf("failed = %v, want at least 1", got)
	}
	if got := n.sent(channelWebhook); got != 0 {
		t.Errorf("sent{webhook} = %v, want 0", got)
	}
}

func TestLogsNeverShowWebhookToken(t *testing.T) {
	n := startNotifier(t, Config{WebhookURL: closedURL(t), Interval: 10 * time.Millisecond, MaxAttempts: 2, RetryBackoff: 10 * time.Millisecond})

	n.Notify(deadLetter(1, "forbidden"))
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(n.metrics.failed) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	n.stop()

	entries := n.logs.All()
	if got := n.logs.FilterMessage("dead-letter notification not sent; check the webhook URL and the channel").Len(); got != 1 {
		t.Fatalf("give-up log lines = %d, want 1", got)
	}
	for _, entry := range entries {
		encoded, _ := json.Marshal(entry.ContextMap())
		if strings.Contains(string(encoded), "SECRETTOKEN") || strings.Contains(entry.Message, "SECRETTOKEN") {
			t.Errorf("log line %q shows the webhook token: %s", entry.Message, encoded)
		}
	}
}

func TestWithoutURLMessagesAreLogged(t *testing.T) {
	n := startNotifier(t, Config{Interval: 50 * time.Millisecond})

	n.Notify(deadLetter(1, "record_cancelled"))
	deadline := time.Now().Add(5 * time.Second)
	for n.sent(channelLog) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	if got := n.sent(channelLog); got != 1 {
		t.Errorf("sent{log} = %v, want 1", got)
	}
	logged := n.logs.FilterMessage("dead-letter notification (no webhook URL configured, so only logged)").All()
	if len(logged) != 1 {
		t.Fatalf("notification log lines = %d, want 1", len(logged))
	}
	want := "1 training event dead-lettered with reason record_cancelled in the last 50ms: EMP10001 (LMS-SAFETY-101). Run `arenasync dlt list --reason record_cancelled` to review them."
	if got := logged[0].ContextMap()[keyText]; got != want {
		t.Errorf("logged text = %q, want %q", got, want)
	}
}

func TestStopSendsOpenWindows(t *testing.T) {
	hook := startReceiver(t)
	n := startNotifier(t, Config{WebhookURL: hook.url(), Interval: time.Hour})

	n.Notify(deadLetter(1, "record_expired"))
	n.Notify(deadLetter(2, "record_expired"))
	n.stop()

	texts := hook.delivered()
	if len(texts) != 1 {
		t.Fatalf("webhook messages after stop = %d, want 1", len(texts))
	}
	if !strings.HasPrefix(texts[0], "2 training events dead-lettered with reason record_expired in the last ") {
		t.Errorf("message = %q, want a count of 2", texts[0])
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "defaults without URL", cfg: Config{}},
		{name: "https URL", cfg: Config{WebhookURL: "https://hooks.example.com/services/T/B/SECRETTOKEN"}},
		{name: "no scheme", cfg: Config{WebhookURL: "hooks.example.com/services/SECRETTOKEN"}, wantErr: "webhook URL is not an absolute http or https URL: copy it again from the Slack or Teams channel settings"},
		{name: "other scheme", cfg: Config{WebhookURL: "ftp://hooks.example.com/SECRETTOKEN"}, wantErr: "webhook URL is not an absolute http or https URL: copy it again from the Slack or Teams channel settings"},
		{name: "bad escape", cfg: Config{WebhookURL: "https://hooks.example.com/%zzSECRETTOKEN"}, wantErr: "webhook URL does not parse: copy it again from the Slack or Teams channel settings"},
		{name: "negative interval", cfg: Config{Interval: -time.Second}, wantErr: "notification interval -1s must be positive, such as 5m"},
		{name: "backoff above max", cfg: Config{RetryBackoff: time.Minute, MaxBackoff: time.Second}, wantErr: "notification backoff 1m0s to 1s is invalid: both must be positive and the first not above the second"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, nil, zap.NewNop(), prometheus.NewRegistry())

			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Errorf("New() error = %q, want %q", got, tc.wantErr)
			}
			if strings.Contains(got, "SECRETTOKEN") {
				t.Errorf("error %q shows the webhook token", got)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	var cfg Config
	cfg.setDefaults()

	want := Config{
		Interval:       5 * time.Minute,
		MaxAttempts:    5,
		RetryBackoff:   2 * time.Second,
		MaxBackoff:     time.Minute,
		RequestTimeout: 10 * time.Second,
		MaxSamples:     10,
		QueueSize:      100,
		FlushTimeout:   10 * time.Second,
	}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{name: "seconds", value: "7", want: 7 * time.Second},
		{name: "empty", value: "", want: 0},
		{name: "http date", value: "Wed, 21 Oct 2015 07:28:00 GMT", want: 0},
		{name: "negative", value: "-3", want: 0},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseRetryAfter(tc.value); got != tc.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.value, got, tc.want)
			}
		})
	}
}

func TestPostErrorHidesURL(t *testing.T) {
	n, err := New(Config{WebhookURL: closedURL(t)}, nil, zap.NewNop(), prometheus.NewRegistry())
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	err = n.post(context.Background(), "hello")

	if err == nil {
		t.Fatal("post to a closed port succeeded, want an error")
	}
	if strings.Contains(err.Error(), "SECRETTOKEN") || strings.Contains(err.Error(), "/services/") {
		t.Errorf("post error %q shows the webhook path", err)
	}
	if !strings.HasPrefix(err.Error(), "post to webhook: dial tcp 127.0.0.1:") {
		t.Errorf("post error = %q, want it to start with %q", err, "post to webhook: dial tcp 127.0.0.1:")
	}
	if errors.Is(err, ErrRejected) {
		t.Errorf("a connection error wraps ErrRejected, want it retryable")
	}
}
