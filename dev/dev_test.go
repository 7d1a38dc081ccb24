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
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/pipeline"
)

// testRetryDelays keep the retry ladder of a test run under two seconds.
var testRetryDelays = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}

func TestRunEmbedded(t *testing.T) {
	const events = 300
	const seed = 7

	cases := []struct {
		name           string
		arenaErrorRate float64
	}{
		// Without Arena errors only the orphan completions are retried.
		{name: "no arena errors", arenaErrorRate: 0},
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
	wantTop := []string{"dead_lettered", "duplicate_completions", "e2e_latency_ms", "events_sent", "completed", "lost", "pending_approval", "retried", "throughput_per_second"}
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
	if _, ok := decoded["dead_lettered"].(map[string]any); !ok {
		t.Errorf("dead_lettered = %v, want an empty object", decoded["dead_lettered"])
	}
	checkJSONKeys(t, Summary{})
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
			tr := newTracker(func() time.Time { return accepted.Add(time.Second) })
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
