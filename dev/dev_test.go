package dev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/pipeline"
)

// testRetryDelays keep the retry ladder of a test run under two seconds.
var testRetryDelays = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}

// testTiers are the tier names of testRetryDelays.
var testTiers = []string{"retry.200ms", "retry.400ms", "retry.800ms"}

func TestRunEmbedded(t *testing.T) {
	const events = 300
	const seed = 7

	cases := []struct {
		name           string
		arenaErrorRate float64
		// notify posts the notifications to a local webhook.
		notify bool
	}{
		// Without Arena errors only the orphan completions are retried.
		{name: "no arena errors", arenaErrorRate: 0, notify: true},
		// With errors, events also pass through the retry tiers and still
		// end as planned.
		{name: "arena errors", arenaErrorRate: 0.03},
	}

	// The seed must give a plan with every fault, or the run tests less.
	plan := buildPlan(events, DefaultFaultRate, seed, "test", time.Now())
	for _, reason := range []pipeline.Reason{
		pipeline.ReasonInvalidPayload, pipeline.ReasonEmployeeNotFound, pipeline.ReasonRecordNotFound,
		pipeline.ReasonAlreadyCompletedDifferently, pipeline.ReasonRetriesExhausted,
	} {
		if plan.expect.deadLettered[reason] == 0 {
			t.Fatalf("seed %d plans no %s fault; choose another seed", seed, reason)
		}
	}
	if plan.expect.pendingApproval == 0 {
		t.Fatalf("seed %d plans no completion of an approval course; choose another seed", seed)
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Events = events
			opts.Seed = seed
			opts.ArenaErrorRate = tc.arenaErrorRate
			opts.RetryDelays = testRetryDelays
			opts.IngestAddr = "127.0.0.1:0"
			opts.Timeout = 30 * time.Second
			opts.Logger = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
			var hook *notificationHook
			if tc.notify {
				hook = newNotificationHook(t)
				opts.NotifyWebhookURL = hook.url
				opts.NotifyInterval = 300 * time.Millisecond
			}

			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			defer cancel()

			started := time.Now()
			summary, err := Run(ctx, opts)
			if err != nil {
				t.Fatalf("Run returned %v", err)
			}
			t.Logf("run took %s: %+v", time.Since(started), summary)

			want := plan.expect
			checkSummary(t, summary, want)

			orphans := want.deadLettered[pipeline.ReasonRetriesExhausted]
			if tc.arenaErrorRate == 0 && summary.Retried != orphans {
				t.Errorf("retried = %d, want %d (the orphan completions)", summary.Retried, orphans)
			}
			checkRetriesByTier(t, summary, orphans, tc.arenaErrorRate == 0)
			if hook != nil {
				hook.check(t, summary)
			}

			// The simulator counts 409s on COMPLETED records, which only the
			// seeded conflicts cause, once each unless a 503 on the read that
			// follows the 409 makes the worker try again.
			conflicts := want.deadLettered[pipeline.ReasonAlreadyCompletedDifferently]
			if n := summary.simulator.DuplicateCompletions; tc.arenaErrorRate == 0 && n != conflicts {
				t.Errorf("simulator DuplicateCompletions = %d, want %d", n, conflicts)
			}
			if n := summary.simulator.DuplicateCompletions; n < conflicts {
				t.Errorf("simulator DuplicateCompletions = %d, want at least %d", n, conflicts)
			}
			if tc.arenaErrorRate > 0 && summary.simulator.InjectedFailures > 0 && summary.Retried <= orphans {
				t.Errorf("retried = %d with %d injected Arena failures, want more than the %d orphan completions", summary.Retried, summary.simulator.InjectedFailures, orphans)
			}
		})
	}
}

// checkSummary compares a run's summary with the plan's expectation.
func checkSummary(t *testing.T, got Summary, want expectation) {
	t.Helper()

	if got.EventsSent != want.events {
		t.Errorf("events_sent = %d, want %d", got.EventsSent, want.events)
	}
	if got.Lost != 0 {
		t.Errorf("lost = %d, want 0", got.Lost)
	}
	if got.DuplicateCompletions != 0 {
		t.Errorf("duplicate_completions = %d, want 0", got.DuplicateCompletions)
	}
	if sum := got.Completed + got.PendingApproval + got.DeadLetteredTotal(); sum != got.EventsSent {
		t.Errorf("completed %d + pending %d + dead-lettered %d = %d, want events_sent %d", got.Completed, got.PendingApproval, got.DeadLetteredTotal(), sum, got.EventsSent)
	}
	if got.Completed != want.completed {
		t.Errorf("completed = %d, want %d", got.Completed, want.completed)
	}
	if got.PendingApproval != want.pendingApproval {
		t.Errorf("pending_approval = %d, want %d", got.PendingApproval, want.pendingApproval)
	}

	wantReasons := make(map[string]int)
	for reason, n := range want.deadLettered {
		wantReasons[string(reason)] = n
	}
	if !maps.Equal(got.DeadLettered, wantReasons) {
		t.Errorf("dead_lettered = %v, want %v", got.DeadLettered, wantReasons)
	}
	if total := got.DeadLetteredTotal(); got.ReviewQueueSize != total {
		t.Errorf("review_queue_size = %d, want the dead-lettered total %d", got.ReviewQueueSize, total)
	}

	if err := got.Check(); err != nil {
		t.Errorf("Check() = %v, want nil", err)
	}
	if got.ThroughputPerSecond <= 0 {
		t.Errorf("throughput_per_second = %g, want > 0", got.ThroughputPerSecond)
	}
	if got.E2ELatencyMS.P50 <= 0 {
		t.Errorf("e2e latency p50 = %g ms, want > 0", got.E2ELatencyMS.P50)
	}
	if got.E2ELatencyMS.P99 < got.E2ELatencyMS.P50 {
		t.Errorf("e2e latency p99 = %g ms, want at least p50 %g ms", got.E2ELatencyMS.P99, got.E2ELatencyMS.P50)
	}

	checkJSONKeys(t, got)
}

// checkRetriesByTier compares the moves into the retry tiers with the
// plan. Every retries_exhausted event passed through every tier. When those
// are the only retried events, each tier took exactly them.
func checkRetriesByTier(t *testing.T, got Summary, exhausted int, onlyExhausted bool) {
	t.Helper()

	if keys := slices.Collect(maps.Keys(got.RetriesByTier)); !sameElements(keys, testTiers) {
		t.Errorf("retries_by_tier keys = %v, want %v", slices.Sorted(slices.Values(keys)), testTiers)
	}

	sum := 0
	for _, n := range got.RetriesByTier {
		sum += n
	}
	if minimum := exhausted * len(testTiers); sum < minimum {
		t.Errorf("retries_by_tier adds up to %d, want at least %d retries_exhausted events x %d tiers = %d", sum, exhausted, len(testTiers), minimum)
	}

	// Every retried event entered the first tier, and only an event that
	// left a tier can enter the next one.
	if first := got.RetriesByTier[testTiers[0]]; first != got.Retried {
		t.Errorf("retries_by_tier[%s] = %d, want retried %d", testTiers[0], first, got.Retried)
	}
	for i := 1; i < len(testTiers); i++ {
		if prev, cur := got.RetriesByTier[testTiers[i-1]], got.RetriesByTier[testTiers[i]]; cur > prev {
			t.Errorf("retries_by_tier[%s] = %d exceeds retries_by_tier[%s] = %d", testTiers[i], cur, testTiers[i-1], prev)
		}
	}

	if !onlyExhausted {
		return
	}
	for _, tier := range testTiers {
		if n := got.RetriesByTier[tier]; n != exhausted {
			t.Errorf("retries_by_tier[%s] = %d, want %d (the retries_exhausted events)", tier, n, exhausted)
		}
	}
}

// sameElements reports whether a and b hold the same strings in any order.
func sameElements(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// notificationHook is a local incoming webhook that keeps the notification
// texts it receives.
type notificationHook struct {
	url string

	mu    sync.Mutex
	texts []string
}

// newNotificationHook starts a webhook on 127.0.0.1 that the test closes.
func newNotificationHook(t *testing.T) *notificationHook {
	t.Helper()

	h := &notificationHook{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("notification body does not decode: %v", err)
		}

		h.mu.Lock()
		h.texts = append(h.texts, body.Text)
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(server.Close)
	h.url = server.URL

	return h
}

// check verifies that every dead-letter reason of s was notified. Run
// flushes the notifier before it returns, so every message has arrived.
func (h *notificationHook) check(t *testing.T, s Summary) {
	t.Helper()

	h.mu.Lock()
	all := strings.Join(h.texts, "\n")
	h.mu.Unlock()

	if all == "" {
		t.Fatal("the notification webhook received no message")
	}
	for reason := range s.DeadLettered {
		if !strings.Contains(all, "reason "+reason) {
			t.Errorf("no notification names reason %s; received:\n%s", reason, all)
		}
	}
}

// checkJSONKeys verifies that the summary's JSON has exactly the documented keys.
func checkJSONKeys(t *testing.T, s Summary) {
	t.Helper()

	var buf bytes.Buffer
	if err := s.WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}

	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		t.Fatalf("summary JSON does not decode: %v\n%s", err, buf.String())
	}
	wantTop := []string{"dead_lettered", "duplicate_completions", "e2e_latency_ms", "events_sent", "completed", "lost", "pending_approval", "retried", "retries_by_tier", "review_queue_size", "throughput_per_second"}
	if got := slices.Sorted(maps.Keys(top)); !slices.Equal(got, slices.Sorted(slices.Values(wantTop))) {
		t.Errorf("summary JSON keys = %v, want %v", got, slices.Sorted(slices.Values(wantTop)))
	}

	var latency map[string]float64
	if err := json.Unmarshal(top["e2e_latency_ms"], &latency); err != nil {
		t.Fatalf("e2e_latency_ms does not decode: %v", err)
	}
	if got := slices.Sorted(maps.Keys(latency)); !slices.Equal(got, []string{"p50", "p99"}) {
		t.Errorf("e2e_latency_ms keys = %v, want [p50 p99]", got)
	}

	var reasons map[string]int
	if err := json.Unmarshal(top["dead_lettered"], &reasons); err != nil {
		t.Errorf("dead_lettered is not an object of counts: %v", err)
	}

	var tiers map[string]int
	if err := json.Unmarshal(top["retries_by_tier"], &tiers); err != nil {
		t.Errorf("retries_by_tier is not an object of counts: %v", err)
	}
	if !maps.Equal(tiers, s.RetriesByTier) {
		t.Errorf("retries_by_tier = %v, want %v", tiers, s.RetriesByTier)
	}

	var size int
	if err := json.Unmarshal(top["review_queue_size"], &size); err != nil {
		t.Errorf("review_queue_size is not a number: %v", err)
	}
	if size != s.ReviewQueueSize {
		t.Errorf("review_queue_size = %d, want %d", size, s.ReviewQueueSize)
	}
}

func TestBuildPlan(t *testing.T) {
	cases := []struct {
		name      string
		events    int
		faultRate float64
	}{
		{name: "one event", events: 1, faultRate: DefaultFaultRate},
		{name: "odd count", events: 7, faultRate: 0.5},
		{name: "no faults", events: 300, faultRate: 0},
		{name: "default share", events: 1001, faultRate: DefaultFaultRate},
		{name: "only faults", events: 101, faultRate: 1},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)
			p := buildPlan(tc.events, tc.faultRate, 42, "run", now)

			if got := countWebhooks(p.units); got != tc.events {
				t.Errorf("plan holds %d webhooks, want %d", got, tc.events)
			}
			if p.expect.events != tc.events {
				t.Errorf("expect.events = %d, want %d", p.expect.events, tc.events)
			}

			outcomes := p.expect.completed + p.expect.pendingApproval
			for _, n := range p.expect.deadLettered {
				outcomes += n
			}
			if outcomes != tc.events {
				t.Errorf("expected outcomes add up to %d, want %d", outcomes, tc.events)
			}

			faults := 0
			for _, n := range p.expect.deadLettered {
				faults += n
			}
			if tc.faultRate == 0 && faults != 0 {
				t.Errorf("plan without faults dead-letters %d events", faults)
			}
			if tc.faultRate == 1 && faults != tc.events {
				t.Errorf("plan of only faults dead-letters %d of %d events", faults, tc.events)
			}

			again := buildPlan(tc.events, tc.faultRate, 42, "run", now)
			if !equalExpectations(p.expect, again.expect) {
				t.Errorf("same seed gave %+v, then %+v", p.expect, again.expect)
			}

			checkUniqueIDs(t, p)
		})
	}
}

// countWebhooks returns the webhooks of units.
func countWebhooks(units []unit) int {
	n := 0
	for _, u := range units {
		n++
		if u.next != nil {
			n++
		}
	}

	return n
}

// equalExpectations reports whether two expectations are the same.
func equalExpectations(a, b expectation) bool {
	return a.events == b.events && a.completed == b.completed && a.pendingApproval == b.pendingApproval && maps.Equal(a.deadLettered, b.deadLettered)
}

// checkUniqueIDs verifies that event ids and enrollment pairs are unique,
// because a repeated pair would make a second completion conflict.
func checkUniqueIDs(t *testing.T, p plan) {
	t.Helper()

	ids := make(map[string]bool)
	pairs := make(map[string]bool)
	for _, u := range p.units {
		for _, w := range []*planned{&u.first, u.next} {
			if w == nil {
				continue
			}
			if ids[w.body.EventID] {
				t.Errorf("event id %s is used twice", w.body.EventID)
			}
			ids[w.body.EventID] = true

			if w.body.EventType != string(pipeline.CourseEnrolled) {
				continue
			}
			pair := w.body.EmployeeID + "|" + w.body.CourseID
			if pairs[pair] {
				t.Errorf("enrollment %s is planned twice", pair)
			}
			pairs[pair] = true
		}
	}
}

func TestBuildPlanWebhooksParse(t *testing.T) {
	now := time.Now()
	p := buildPlan(400, 0.5, 3, "run", now)
	opts := pipeline.GenericOptions{Now: func() time.Time { return now }}

	for _, u := range p.units {
		for _, w := range []*planned{&u.first, u.next} {
			if w == nil {
				continue
			}

			body, err := json.Marshal(w.body)
			if err != nil {
				t.Fatalf("encode %s: %v", w.body.EventID, err)
			}
			_, parseErr := pipeline.ParseGeneric(body, opts)
			if w.status == http.StatusAccepted && parseErr != nil {
				t.Errorf("webhook %s is planned valid but fails parsing: %v", w.body.EventID, parseErr)
			}
			if w.status == http.StatusUnprocessableEntity && parseErr == nil {
				t.Errorf("webhook %s is planned invalid but parses", w.body.EventID)
			}
		}
	}
}

func TestLatencyPercentiles(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name      string
		latencies []time.Duration
		want      Latency
	}{
		{name: "none", latencies: nil, want: Latency{}},
		{name: "one", latencies: []time.Duration{12 * ms}, want: Latency{P50: 12, P99: 12}},
		{name: "unsorted four", latencies: []time.Duration{40 * ms, 10 * ms, 30 * ms, 20 * ms}, want: Latency{P50: 20, P99: 40}},
		{name: "rounded to a tenth", latencies: []time.Duration{1234567 * time.Nanosecond}, want: Latency{P50: 1.2, P99: 1.2}},
		{name: "tail of a hundred", latencies: hundredLatencies(), want: Latency{P50: 50, P99: 99}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := latencyPercentiles(tc.latencies); got != tc.want {
				t.Errorf("latencyPercentiles = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// hundredLatencies returns 1ms to 100ms.
func hundredLatencies() []time.Duration {
	out := make([]time.Duration, 0, 100)
	for i := 100; i >= 1; i-- {
		out = append(out, time.Duration(i)*time.Millisecond)
	}

	return out
}

func TestSummaryCheck(t *testing.T) {
	cases := []struct {
		name    string
		summary Summary
		wantErr []error
	}{
		{name: "clean", summary: Summary{EventsSent: 10, Completed: 10}},
		{name: "lost", summary: Summary{EventsSent: 10, Completed: 9, Lost: 1}, wantErr: []error{ErrLost}},
		{name: "duplicate", summary: Summary{EventsSent: 10, Completed: 10, DuplicateCompletions: 2}, wantErr: []error{ErrDuplicateCompletions}},
		{name: "both", summary: Summary{EventsSent: 10, Lost: 10, DuplicateCompletions: 1}, wantErr: []error{ErrLost, ErrDuplicateCompletions}},
		{name: "review queue complete", summary: Summary{EventsSent: 10, Completed: 8, DeadLettered: map[string]int{"employee_not_found": 2}, ReviewQueueSize: 2}},
		{name: "review queue with older entries", summary: Summary{EventsSent: 10, Completed: 8, DeadLettered: map[string]int{"employee_not_found": 2}, ReviewQueueSize: 5}},
		{name: "review queue short", summary: Summary{EventsSent: 10, Completed: 8, DeadLettered: map[string]int{"employee_not_found": 1, "invalid_payload": 1}, ReviewQueueSize: 1}, wantErr: []error{ErrReviewQueueIncomplete}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.summary.Check()
			if len(tc.wantErr) == 0 && err != nil {
				t.Fatalf("Check() = %v, want nil", err)
			}
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("Check() = %v, want it to wrap %v", err, want)
				}
			}
		})
	}
}

func TestSummaryWriteJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := (Summary{}).WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}

	var decoded map[string]any
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil {
		t.Fatalf("decode: %v", err)
	}
	for _, key := range []string{"dead_lettered", "retries_by_tier"} {
		if m, ok := decoded[key].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("%s = %v, want an empty object", key, decoded[key])
		}
	}
	checkJSONKeys(t, Summary{})
}

func TestSummaryWriteTableTierOrder(t *testing.T) {
	cases := []struct {
		name  string
		tiers map[string]int
		want  []string
	}{
		{name: "minutes", tiers: map[string]int{"retry.15m": 1, "retry.1m": 3, "retry.5m": 2}, want: []string{"retry.1m", "retry.5m", "retry.15m"}},
		{name: "mixed units", tiers: map[string]int{"retry.1h": 1, "retry.1500ms": 3, "retry.2s": 2}, want: []string{"retry.1500ms", "retry.2s", "retry.1h"}},
		{name: "unparsable last", tiers: map[string]int{"other": 1, "retry.1s": 2}, want: []string{"retry.1s", "other"}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tiersByDelay(tc.tiers); !slices.Equal(got, tc.want) {
				t.Errorf("tiersByDelay = %v, want %v", got, tc.want)
			}

			var buf bytes.Buffer
			if err := (Summary{RetriesByTier: tc.tiers}).WriteTable(&buf); err != nil {
				t.Fatalf("WriteTable: %v", err)
			}
			table := buf.String()
			last := -1
			for _, tier := range tc.want {
				at := strings.Index(table, "  "+tier+" ")
				if at < 0 {
					t.Fatalf("table lacks a row for %s:\n%s", tier, table)
				}
				if at < last {
					t.Errorf("row %s is out of ladder order:\n%s", tier, table)
				}
				last = at
			}
		})
	}
}

func TestTierNames(t *testing.T) {
	cases := []struct {
		name   string
		topic  string
		delays []time.Duration
		want   []string
	}{
		{name: "dev ladder", topic: "lms.training.events", delays: DefaultRetryDelays, want: []string{"retry.1s", "retry.2s", "retry.4s"}},
		{name: "role ladder", topic: "lms.training.events", delays: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}, want: []string{"retry.1m", "retry.5m", "retry.15m"}},
		{name: "other topic", topic: "t", delays: testRetryDelays, want: testTiers},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Topic = tc.topic
			opts.RetryDelays = tc.delays
			if got := tierNames(opts.withDefaults().consumerConfig(nil)); !slices.Equal(got, tc.want) {
				t.Errorf("tierNames = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestResponseEventIDs(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []string
	}{
		{name: "accepted one", body: `{"eventId":"e1","status":"accepted","accepted":1}`, want: []string{"e1"}},
		{name: "accepted several", body: `{"eventId":"e1","status":"accepted","accepted":2,"eventIds":["e1","e2"]}`, want: []string{"e1", "e2"}},
		{name: "invalid with id", body: `{"type":"urn:arenasync:problem:invalid_event","status":422,"eventId":"e3"}`, want: []string{"e3"}},
		{name: "invalid without id", body: `{"type":"urn:arenasync:problem:invalid_event","status":422}`, want: nil},
		{name: "not JSON", body: `<html>`, want: nil},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := responseEventIDs([]byte(tc.body)); !slices.Equal(got, tc.want) {
				t.Errorf("responseEventIDs = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTrackerOrder(t *testing.T) {
	accepted := time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)
	done := pipeline.Envelope{Event: pipeline.Event{ID: "e1"}, Meta: pipeline.Meta{AcceptedAt: accepted}}

	cases := []struct {
		name      string
		steps     func(tr *tracker)
		wantFinal int
		want      Summary
	}{
		{
			name: "response before outcome",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.observe("main", done, pipeline.Outcome{Kind: pipeline.Done})
			},
			wantFinal: 1,
			want:      Summary{EventsSent: 1, Completed: 1},
		},
		{
			name: "outcome before response",
			steps: func(tr *tracker) {
				tr.observe("main", done, pipeline.Outcome{Kind: pipeline.Done})
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
			},
			wantFinal: 1,
			want:      Summary{EventsSent: 1, Completed: 1},
		},
		{
			name: "retried then dead-lettered",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.observe("main", done, pipeline.Retry(pipeline.ReasonMappingNotFound, ""))
				tr.deadLettered("e1", pipeline.ReasonRetriesExhausted, accepted)
			},
			wantFinal: 1,
			want:      Summary{EventsSent: 1, Retried: 1, DeadLettered: map[string]int{"retries_exhausted": 1}},
		},
		{
			name: "invalid payload waits for its dead letter",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusUnprocessableEntity, []string{"e1"})
			},
			wantFinal: 0,
			want:      Summary{EventsSent: 1, Lost: 1},
		},
		{
			name: "first outcome wins",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.observe("main", done, pipeline.Reject(pipeline.ReasonEmployeeNotFound, ""))
				tr.deadLettered("e1", pipeline.ReasonRecordNotFound, accepted)
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
			},
			wantFinal: 1,
			want:      Summary{EventsSent: 1, DeadLettered: map[string]int{"employee_not_found": 1}},
		},
		{
			name: "outcome of an unsent event is ignored",
			steps: func(tr *tracker) {
				tr.observe("main", done, pipeline.Outcome{Kind: pipeline.Done})
			},
			wantFinal: 0,
			want:      Summary{},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(func() time.Time { return accepted.Add(time.Second) }, testTiers)
			tc.steps(tr)

			if _, final := tr.counts(); final != tc.wantFinal {
				t.Errorf("final = %d, want %d", final, tc.wantFinal)
			}

			got := tr.summary()
			if got.EventsSent != tc.want.EventsSent {
				t.Errorf("events_sent = %d, want %d", got.EventsSent, tc.want.EventsSent)
			}
			if got.Completed != tc.want.Completed {
				t.Errorf("completed = %d, want %d", got.Completed, tc.want.Completed)
			}
			if got.Retried != tc.want.Retried {
				t.Errorf("retried = %d, want %d", got.Retried, tc.want.Retried)
			}
			if got.Lost != tc.want.Lost {
				t.Errorf("lost = %d, want %d", got.Lost, tc.want.Lost)
			}
			if !maps.Equal(got.DeadLettered, tc.want.DeadLettered) {
				t.Errorf("dead_lettered = %v, want %v", got.DeadLettered, tc.want.DeadLettered)
			}
		})
	}
}

func TestTrackerRetriesByTier(t *testing.T) {
	// attempt returns an envelope of e1 as the worker reads it after n moves.
	attempt := func(n int) pipeline.Envelope {
		return pipeline.Envelope{Event: pipeline.Event{ID: "e1"}, Meta: pipeline.Meta{Attempt: n}}
	}
	retry := pipeline.Retry(pipeline.ReasonArenaUnavailable, "")

	cases := []struct {
		name  string
		steps func(tr *tracker)
		want  map[string]int
	}{
		{
			name:  "not retried",
			steps: func(tr *tracker) { tr.observe("t", attempt(0), pipeline.Outcome{Kind: pipeline.Done}) },
			want:  map[string]int{"retry.200ms": 0, "retry.400ms": 0, "retry.800ms": 0},
		},
		{
			name: "through every tier",
			steps: func(tr *tracker) {
				tr.observe("t", attempt(0), retry)
				tr.observe("t.retry.200ms", attempt(1), retry)
				tr.observe("t.retry.400ms", attempt(2), retry)
			},
			want: map[string]int{"retry.200ms": 1, "retry.400ms": 1, "retry.800ms": 1},
		},
		{
			name: "repeated delivery counts once",
			steps: func(tr *tracker) {
				tr.observe("t", attempt(0), retry)
				tr.observe("t", attempt(0), retry)
			},
			want: map[string]int{"retry.200ms": 1, "retry.400ms": 0, "retry.800ms": 0},
		},
		{
			// A tier's runner releases a main-topic event parked behind the
			// event it finished; a retry sends it to the first tier.
			name:  "parked event released by a tier",
			steps: func(tr *tracker) { tr.observe("t.retry.400ms", attempt(0), retry) },
			want:  map[string]int{"retry.200ms": 1, "retry.400ms": 0, "retry.800ms": 0},
		},
		{
			name:  "attempt beyond the ladder",
			steps: func(tr *tracker) { tr.observe("t.retry.800ms", attempt(7), retry) },
			want:  map[string]int{"retry.200ms": 0, "retry.400ms": 0, "retry.800ms": 1},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(time.Now, testTiers)
			tr.recordResponse(http.StatusAccepted, []string{"e1"})
			tc.steps(tr)

			if got := tr.summary().RetriesByTier; !maps.Equal(got, tc.want) {
				t.Errorf("retries_by_tier = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTrackerReviewQueue(t *testing.T) {
	accepted := time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)
	reason := pipeline.ReasonEmployeeNotFound

	cases := []struct {
		name             string
		steps            func(tr *tracker)
		wantDeadLettered int
		wantReviewed     int
		wantSettled      bool
	}{
		{
			name: "response, dead letter, review",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.deadLettered("e1", reason, accepted)
				tr.reviewed("e1")
			},
			wantDeadLettered: 1, wantReviewed: 1, wantSettled: true,
		},
		{
			name: "review before the response",
			steps: func(tr *tracker) {
				tr.reviewed("e1")
				tr.deadLettered("e1", reason, accepted)
				tr.recordResponse(http.StatusUnprocessableEntity, []string{"e1"})
			},
			wantDeadLettered: 1, wantReviewed: 1, wantSettled: true,
		},
		{
			name: "dead letter waits for review",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.deadLettered("e1", reason, accepted)
			},
			wantDeadLettered: 1, wantReviewed: 0, wantSettled: false,
		},
		{
			name: "review counted once",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.deadLettered("e1", reason, accepted)
				tr.reviewed("e1")
				tr.reviewed("e1")
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
			},
			wantDeadLettered: 1, wantReviewed: 1, wantSettled: true,
		},
		{
			name: "review of a completed event is not counted",
			steps: func(tr *tracker) {
				tr.recordResponse(http.StatusAccepted, []string{"e1"})
				tr.observe("t", pipeline.Envelope{Event: pipeline.Event{ID: "e1"}}, pipeline.Outcome{Kind: pipeline.Done})
				tr.reviewed("e1")
			},
			wantDeadLettered: 0, wantReviewed: 0, wantSettled: true,
		},
		{
			name: "review of an unsent event is not counted",
			steps: func(tr *tracker) {
				tr.deadLettered("e1", reason, accepted)
				tr.reviewed("e1")
			},
			wantDeadLettered: 0, wantReviewed: 0, wantSettled: true,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(time.Now, testTiers)
			tc.steps(tr)

			deadLettered, reviewed := tr.reviewCounts()
			if deadLettered != tc.wantDeadLettered {
				t.Errorf("dead-lettered = %d, want %d", deadLettered, tc.wantDeadLettered)
			}
			if reviewed != tc.wantReviewed {
				t.Errorf("reviewed = %d, want %d", reviewed, tc.wantReviewed)
			}
			if got := tr.settled(); got != tc.wantSettled {
				t.Errorf("settled() = %v, want %v", got, tc.wantSettled)
			}
		})
	}
}

func TestCompletedRecordID(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		wantID string
		wantOK bool
	}{
		{name: "completion", method: http.MethodPost, path: "/api/v1/training/records/TR-000001/complete", wantID: "TR-000001", wantOK: true},
		{name: "read", method: http.MethodGet, path: "/api/v1/training/records/TR-000001", wantOK: false},
		{name: "creation", method: http.MethodPost, path: "/api/v1/training/records", wantOK: false},
		{name: "nested path", method: http.MethodPost, path: "/api/v1/training/records/a/b/complete", wantOK: false},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			id, ok := completedRecordID(r)
			if ok != tc.wantOK {
				t.Errorf("completedRecordID(%s %s) ok = %v, want %v", tc.method, tc.path, ok, tc.wantOK)
			}
			if id != tc.wantID {
				t.Errorf("completedRecordID(%s %s) id = %q, want %q", tc.method, tc.path, id, tc.wantID)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(o *Options)
	}{
		{name: "negative events", change: func(o *Options) { o.Events = -1 }},
		{name: "fault rate above one", change: func(o *Options) { o.FaultRate = 1.5 }},
		{name: "negative arena error rate", change: func(o *Options) { o.ArenaErrorRate = -0.1 }},
		{name: "negative rate", change: func(o *Options) { o.Rate = -1 }},
		{name: "ingest address without port", change: func(o *Options) { o.IngestAddr = "localhost" }},
		{name: "broker without port", change: func(o *Options) { o.KafkaBrokers = []string{"kafka"} }},
		{name: "zero retry delay", change: func(o *Options) { o.RetryDelays = []time.Duration{time.Second, 0} }},
		{name: "outside Arena without credentials", change: func(o *Options) { o.Arena.BaseURL = "http://127.0.0.1:9" }},
		{name: "negative notify interval", change: func(o *Options) { o.NotifyInterval = -time.Second }},
		{name: "notify URL without scheme", change: func(o *Options) { o.NotifyWebhookURL = "hooks.example.com/services/T0/B0/secret" }},
		{name: "notify URL of another scheme", change: func(o *Options) { o.NotifyWebhookURL = "ftp://hooks.example.com/x" }},
	}

	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("DefaultOptions().Validate() = %v, want nil", err)
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			tc.change(&opts)
			if err := opts.Validate(); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("Validate() = %v, want an error wrapping ErrInvalidOptions", err)
			}
		})
	}
}
