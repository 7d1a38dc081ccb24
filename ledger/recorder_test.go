package ledger

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/pipeline"
)

// completionEnvelope returns a completion of EMP00001 accepted at t0.
func completionEnvelope(eventID string) pipeline.Envelope {
	score := 88.0

	return pipeline.Envelope{
		Event: pipeline.Event{ID: eventID, Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: "EMP00001", CourseID: "LMS-SAFETY-101",
			CompletionDate: "2025-01-19T14:30:00Z", Status: pipeline.StatusCompleted, Score: &score},
		Meta: pipeline.Meta{AcceptedAt: t0},
	}
}

func newTestRecorder(t *testing.T, s *Store, reg prometheus.Registerer) *Recorder {
	t.Helper()

	r, err := NewRecorder(Config{}, s, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return t0.Add(time.Hour) }

	return r
}

func TestRecorderObserve(t *testing.T) {
	enrolled := completionEnvelope("evt-enrol")
	enrolled.Event.Type, enrolled.Event.CompletionDate, enrolled.Event.Status = pipeline.CourseEnrolled, "", ""

	tests := []struct {
		name        string
		env         pipeline.Envelope
		out         pipeline.Outcome
		wantStored  bool
		wantOutcome Outcome
		wantReason  string
	}{
		{name: "done", env: completionEnvelope("evt-1"), out: pipeline.Outcome{Kind: pipeline.Done}, wantStored: true, wantOutcome: OutcomeDone},
		{name: "done as duplicate", env: completionEnvelope("evt-1"), out: pipeline.Outcome{Kind: pipeline.Done, Reason: pipeline.ReasonDuplicate},
			wantStored: true, wantOutcome: OutcomeDone, wantReason: "duplicate"},
		{name: "pending approval", env: completionEnvelope("evt-1"), out: pipeline.Outcome{Kind: pipeline.PendingApproval}, wantStored: true, wantOutcome: OutcomePendingApproval},
		{name: "retryable", env: completionEnvelope("evt-1"), out: pipeline.Retry(pipeline.ReasonArenaUnavailable, "503"),
			wantStored: true, wantOutcome: OutcomeRetrying, wantReason: "arena_unavailable"},
		{name: "parked", env: completionEnvelope("evt-1"), out: pipeline.Outcome{Kind: pipeline.Parked}, wantStored: true, wantOutcome: OutcomeRetrying, wantReason: ReasonParked},
		{name: "dead-lettered", env: completionEnvelope("evt-1"), out: pipeline.Reject(pipeline.ReasonRecordExpired, "expired"),
			wantStored: true, wantOutcome: OutcomeDeadLettered, wantReason: "record_expired"},
		{name: "superseded", env: completionEnvelope("evt-1"), out: pipeline.Outcome{Kind: pipeline.Done, Reason: pipeline.ReasonSuperseded}},
		{name: "enrollment", env: enrolled, out: pipeline.Outcome{Kind: pipeline.Done}},
		{name: "raw dead letter", env: pipeline.Envelope{Event: pipeline.Event{ID: "evt-raw"}}, out: pipeline.Reject(pipeline.ReasonInvalidPayload, "bad")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newTestStore(t)
			r := newTestRecorder(t, s, prometheus.NewRegistry())

			r.Observe("lms.training.events", tt.env, tt.out)

			got, ok, err := s.Get(testContext(t), "EMP00001", "LMS-SAFETY-101")
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantStored {
				t.Fatalf("entry stored = %v, want %v", ok, tt.wantStored)
			}
			if !ok {
				return
			}
			if got.Outcome != tt.wantOutcome || got.Reason != tt.wantReason {
				t.Errorf("entry outcome %q reason %q, want %q %q", got.Outcome, got.Reason, tt.wantOutcome, tt.wantReason)
			}
			if got.EventID != "evt-1" || got.CompletionDate != "2025-01-19T14:30:00Z" || *got.Score != 88 {
				t.Errorf("entry %+v does not hold the event's completion", got)
			}
			if !got.AcceptedAt.Equal(t0) || !got.LastAttemptAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("entry times accepted %s, last attempt %s; want %s and %s", got.AcceptedAt, got.LastAttemptAt, t0, t0.Add(time.Hour))
			}
		})
	}
}

func TestRecorderRetake(t *testing.T) {
	tests := []struct {
		name       string
		completion time.Time
		wantKept   bool
	}{
		{name: "completion accepted before the retake", completion: t0.Add(-time.Hour), wantKept: false},
		{name: "completion accepted after the retake", completion: t0.Add(time.Hour), wantKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newTestStore(t)
			r := newTestRecorder(t, s, prometheus.NewRegistry())
			completion := completionEnvelope("evt-1")
			completion.Meta.AcceptedAt = tt.completion
			r.Observe("lms.training.events", completion, pipeline.Outcome{Kind: pipeline.Done})

			retake := completionEnvelope("evt-2")
			retake.Event.Type = pipeline.CourseEnrolled
			r.Observe("lms.training.events", retake, pipeline.Outcome{Kind: pipeline.Done, Reason: pipeline.ReasonRetake})

			_, ok, err := s.Get(testContext(t), "EMP00001", "LMS-SAFETY-101")
			if err != nil || ok != tt.wantKept {
				t.Errorf("entry after the retake: kept %v, %v; want kept %v", ok, err, tt.wantKept)
			}
		})
	}
}

// acceptedEnvelope returns the completion of employee with event id
// "evt-" and the employee id, accepted at acceptedAt.
func acceptedEnvelope(employee string, acceptedAt time.Time) pipeline.Envelope {
	env := completionEnvelope("evt-" + employee)
	env.Event.EmployeeID = employee
	env.Meta.AcceptedAt = acceptedAt

	return env
}

func TestRecorderAccepted(t *testing.T) {
	enrolled := acceptedEnvelope("EMP00009", t0)
	enrolled.Event.Type = pipeline.CourseEnrolled

	tests := []struct {
		name      string
		accepted  []pipeline.Envelope
		wantTimes map[string]time.Time
		wantTrips [][]string
		wantErr   string
		wantCount float64
	}{
		{
			name: "completions accepted at different times",
			accepted: []pipeline.Envelope{
				acceptedEnvelope("EMP00001", t0), enrolled,
				acceptedEnvelope("EMP00002", t0.Add(time.Minute)), acceptedEnvelope("EMP00003", t0.Add(time.Hour)),
			},
			wantTimes: map[string]time.Time{"EMP00001": t0, "EMP00002": t0.Add(time.Minute), "EMP00003": t0.Add(time.Hour)},
			wantTrips: [][]string{slices.Repeat([]string{"evalsha"}, 3)},
		},
		{
			name:      "only enrollments",
			accepted:  []pipeline.Envelope{enrolled},
			wantTimes: map[string]time.Time{},
		},
		{
			name:      "completion without accepted time",
			accepted:  []pipeline.Envelope{acceptedEnvelope("EMP00001", time.Time{}), acceptedEnvelope("EMP00002", t0)},
			wantTimes: map[string]time.Time{"EMP00002": t0},
			wantTrips: [][]string{{"evalsha"}},
			wantErr:   "ledger entry EMP00001|LMS-SAFETY-101: last attempt time is zero",
			wantCount: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client, _ := newTestStore(t)
			r := newTestRecorder(t, s, prometheus.NewRegistry())
			log := logCommands(t, client)

			err := r.Accepted(testContext(t), tt.accepted)
			trips := log.Take()

			if tt.wantErr == "" && err != nil {
				t.Errorf("Accepted = %v, want nil", err)
			}
			if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("Accepted = %v, want %q", err, tt.wantErr)
			}
			if !slices.EqualFunc(trips, tt.wantTrips, slices.Equal) {
				t.Errorf("round trips = %v, want %v", trips, tt.wantTrips)
			}
			if got := testutil.ToFloat64(r.errors); got != tt.wantCount {
				t.Errorf("arenasync_ledger_write_errors_total = %v, want %v", got, tt.wantCount)
			}
			for _, env := range tt.accepted {
				got, ok, err := s.Get(testContext(t), env.Event.EmployeeID, env.Event.CourseID)
				if err != nil {
					t.Fatal(err)
				}
				want, wantOK := tt.wantTimes[env.Event.EmployeeID]
				if ok != wantOK {
					t.Errorf("entry of %s stored = %v, want %v", env.Event.EmployeeID, ok, wantOK)

					continue
				}
				if !ok {
					continue
				}
				if got.EventID != env.Event.ID || got.Outcome != OutcomeAccepted {
					t.Errorf("entry of %s = event %s %s, want %s accepted", env.Event.EmployeeID, got.EventID, got.Outcome, env.Event.ID)
				}
				if !got.AcceptedAt.Equal(want) || !got.LastAttemptAt.Equal(want) {
					t.Errorf("entry of %s accepted %s, last attempt %s; want both %s", env.Event.EmployeeID, got.AcceptedAt, got.LastAttemptAt, want)
				}
			}
		})
	}
}

func TestRecorderCountsFailedWrites(t *testing.T) {
	// Nothing listens on port 1 of the loopback interface.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	reg := prometheus.NewRegistry()
	r := newTestRecorder(t, NewStore(client, "arenasync-test:"), reg)
	enrolled := acceptedEnvelope("EMP00009", t0)
	enrolled.Event.Type = pipeline.CourseEnrolled

	r.Observe("lms.training.events", completionEnvelope("evt-1"), pipeline.Outcome{Kind: pipeline.Done})
	err := r.Accepted(context.Background(), []pipeline.Envelope{acceptedEnvelope("EMP00002", t0), enrolled, acceptedEnvelope("EMP00003", t0)})

	if err == nil {
		t.Error("Accepted with Redis unreachable returned nil, want an error")
	}
	// One for Observe and one for each of the two completions.
	if got := testutil.ToFloat64(r.errors); got != 3 {
		t.Errorf("arenasync_ledger_write_errors_total = %v, want 3", got)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "defaults", cfg: Config{}},
		{name: "negative write timeout", cfg: Config{WriteTimeout: -time.Second}, wantErr: true},
		{name: "negative warn interval", cfg: Config{WarnInterval: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	var cfg Config
	cfg.setDefaults()

	if cfg.WriteTimeout != DefaultWriteTimeout || cfg.WarnInterval != 10*time.Second {
		t.Errorf("defaults = %+v, want WriteTimeout %s and WarnInterval 10s", cfg, DefaultWriteTimeout)
	}
}
