package consumer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

// newTestUnrecorded returns a Redis-backed set under a prefix unique to the test.
func newTestUnrecorded(t *testing.T) *RedisUnrecorded {
	t.Helper()

	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	set := NewRedisUnrecorded(client, testenv.RedisPrefix(t))
	t.Cleanup(func() { _ = client.Del(context.Background(), set.Key()).Err() })

	return set
}

func TestUnrecordedTrackerOutcomes(t *testing.T) {
	accepted := time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)
	now := accepted.Add(3 * time.Hour)
	completion := func(id string, acceptedAt time.Time) pipeline.Envelope {
		return pipeline.Envelope{Event: pipeline.Event{ID: id, Type: pipeline.CourseCompleted}, Meta: pipeline.Meta{AcceptedAt: acceptedAt}}
	}
	enrollment := pipeline.Envelope{Event: pipeline.Event{ID: "enr-1", Type: pipeline.CourseEnrolled}, Meta: pipeline.Meta{AcceptedAt: accepted}}

	type step struct {
		env pipeline.Envelope
		out pipeline.Kind
	}
	cases := []struct {
		name       string
		steps      []step
		wantOldest time.Time
		wantEmpty  bool
	}{
		{name: "retryable completion is added", steps: []step{{completion("c1", accepted), pipeline.Retryable}}, wantOldest: accepted},
		{name: "parked completion is added", steps: []step{{completion("c1", accepted), pipeline.Parked}}, wantOldest: accepted},
		{name: "done after a retry removes it", steps: []step{{completion("c1", accepted), pipeline.Retryable}, {completion("c1", accepted), pipeline.Done}}, wantEmpty: true},
		{name: "pending approval removes it", steps: []step{{completion("c1", accepted), pipeline.Retryable}, {completion("c1", accepted), pipeline.PendingApproval}}, wantEmpty: true},
		{name: "dead letter removes it", steps: []step{{completion("c1", accepted), pipeline.Retryable}, {completion("c1", accepted), pipeline.Permanent}}, wantEmpty: true},
		{name: "raw dead letter without a type removes it", steps: []step{{completion("c1", accepted), pipeline.Retryable}, {pipeline.Envelope{Event: pipeline.Event{ID: "c1"}}, pipeline.Permanent}}, wantEmpty: true},
		{name: "second retry keeps the first time", steps: []step{{completion("c1", accepted), pipeline.Retryable}, {completion("c1", accepted.Add(time.Hour)), pipeline.Retryable}}, wantOldest: accepted},
		{name: "oldest of two", steps: []step{{completion("c2", accepted.Add(time.Hour)), pipeline.Retryable}, {completion("c1", accepted), pipeline.Retryable}}, wantOldest: accepted},
		{name: "enrollment is ignored", steps: []step{{enrollment, pipeline.Retryable}}, wantEmpty: true},
		{name: "missing accepted time uses now", steps: []step{{completion("c1", time.Time{}), pipeline.Retryable}}, wantOldest: now},
		{name: "done without an earlier entry", steps: []step{{completion("c1", accepted), pipeline.Done}}, wantEmpty: true},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := newTestUnrecorded(t)
			tracker := &unrecordedTracker{set: set, errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "errors_total", Help: "test"}), logger: zap.NewNop(), now: func() time.Time { return now }}

			for _, s := range tc.steps {
				tracker.observe(s.env, pipeline.Outcome{Kind: s.out})
			}

			oldest, ok, err := set.Oldest(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if ok == tc.wantEmpty {
				t.Fatalf("set non-empty = %v, want %v", ok, !tc.wantEmpty)
			}
			if ok && !oldest.Equal(tc.wantOldest) {
				t.Errorf("oldest = %s, want %s", oldest, tc.wantOldest)
			}
			if n := testutil.ToFloat64(tracker.errors); n != 0 {
				t.Errorf("update errors = %v, want 0", n)
			}
		})
	}
}

func TestUnrecordedAgeCollector(t *testing.T) {
	accepted := time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)
	now := accepted.Add(90 * time.Minute)

	cases := []struct {
		name    string
		entries map[string]time.Time
		want    string
	}{
		{name: "empty set", want: "0"},
		{name: "oldest of two", entries: map[string]time.Time{"c1": accepted, "c2": accepted.Add(time.Hour)}, want: "5400"},
		{name: "accepted in the future", entries: map[string]time.Time{"c1": now.Add(time.Minute)}, want: "0"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := newTestUnrecorded(t)
			for id, at := range tc.entries {
				if err := set.Add(t.Context(), id, at); err != nil {
					t.Fatal(err)
				}
			}

			reg := prometheus.NewPedanticRegistry()
			cfg := Config{Brokers: []string{"127.0.0.1:1"}}
			cfg.setDefaults()
			registerBacklog(cfg, options{unrecorded: set, now: func() time.Time { return now }}, reg, zap.NewNop())

			want := `
# HELP arenasync_oldest_unrecorded_completion_age_seconds Age of the oldest completion accepted by ingest that a worker handled but Arena does not hold yet: it waits in a retry tier or behind an earlier event of its enrollment. Completions waiting for approval or in the dead-letter topic are left out. 0 when there is none.
# TYPE arenasync_oldest_unrecorded_completion_age_seconds gauge
arenasync_oldest_unrecorded_completion_age_seconds ` + tc.want + "\n"
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "arenasync_oldest_unrecorded_completion_age_seconds"); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestUnrecordedAgeCollectorRedisDown(t *testing.T) {
	// Nothing listens on this address once FreeAddr returns.
	client := redis.NewClient(&redis.Options{Addr: testenv.FreeAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })

	errors := prometheus.NewCounter(prometheus.CounterOpts{Name: "errors_total", Help: "test"})
	collector := &unrecordedAgeCollector{
		set:    NewRedisUnrecorded(client, "x:"),
		desc:   prometheus.NewDesc("age_seconds", "test", nil, nil),
		errors: errors,
		now:    time.Now,
		logger: zap.NewNop(),
	}

	if n := testutil.CollectAndCount(collector); n != 0 {
		t.Errorf("collected %d samples, want none while Redis is down", n)
	}
	if n := testutil.ToFloat64(errors); n != 1 {
		t.Errorf("read errors = %v, want 1", n)
	}
}
