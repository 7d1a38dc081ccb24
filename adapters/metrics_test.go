package adapters_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/arenasync/arenasync/adapters"
)

// TestMetricsLint checks the metric names and help texts.
func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newAdapter(t, adapters.KindMoodle, reg)
	if _, err := a.Parse(readFixture(t, "moodle", "user-loggedin.json")); err == nil {
		t.Fatal("Parse of an ignored event returned no error")
	}

	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}

// TestNewMetricsTwice checks that a second registration on one registry
// is an error.
func TestNewMetricsTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := adapters.NewMetrics(reg); err != nil {
		t.Fatalf("first NewMetrics: %v", err)
	}

	if _, err := adapters.NewMetrics(reg); err == nil {
		t.Error("second NewMetrics on one registry returned no error")
	}
}

// TestAdapterCounts checks the counters a parse leaves behind.
func TestAdapterCounts(t *testing.T) {
	cases := []struct {
		name       string
		kind       adapters.Kind
		fixture    string
		metric     string
		wantReason string
		wantCount  float64
	}{
		{name: "moodle login ignored", kind: adapters.KindMoodle, fixture: "user-loggedin.json", metric: "arenasync_ingest_events_ignored_total", wantReason: "event_type", wantCount: 1},
		{name: "xapi array: one verb and one failed attempt", kind: adapters.KindXAPI, fixture: "statement-array.json", metric: "arenasync_ingest_events_ignored_total", wantReason: "verb", wantCount: 1},
		{name: "xapi array failed attempt", kind: adapters.KindXAPI, fixture: "statement-array.json", metric: "arenasync_ingest_events_ignored_total", wantReason: "failed_attempt", wantCount: 1},
		{name: "xapi scaled mismatch", kind: adapters.KindXAPI, fixture: "passed-scaled-disagrees.json", metric: "arenasync_ingest_scores_dropped_total", wantReason: "scaled_mismatch", wantCount: 1},
		{name: "generic score out of range", kind: adapters.KindGeneric, fixture: "score-out-of-range.json", metric: "arenasync_ingest_scores_dropped_total", wantReason: "out_of_range", wantCount: 1},
		{name: "invalid delivery counts nothing", kind: adapters.KindDocebo, fixture: "grouped-bad-item.json", metric: "arenasync_ingest_events_ignored_total", wantReason: "status", wantCount: 0},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			a := newAdapter(t, tc.kind, reg)

			_, _ = a.Parse(readFixture(t, string(tc.kind), tc.fixture))

			families, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			if got := counterValue(families, tc.metric, string(tc.kind), tc.wantReason); got != tc.wantCount {
				t.Errorf("%s{%s,%s} = %v, want %v", tc.metric, tc.kind, tc.wantReason, got, tc.wantCount)
			}
		})
	}
}

// counterValue returns the counter of a family with the given source and
// reason labels, or 0.
func counterValue(families []*dto.MetricFamily, name, source, reason string) float64 {
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["source"] == source && labels["reason"] == reason {
				return m.GetCounter().GetValue()
			}
		}
	}

	return 0
}
