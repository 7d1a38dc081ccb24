package producer

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsCountRequests checks the counters and histograms after one
// accepted, one unauthorized and one invalid request.
func TestMetricsCountRequests(t *testing.T) {
	s := newTestServer(t, 1, nil)
	unauthorized := webhookRequest("lms", completedBody)
	unauthorized.Header.Del("Authorization")

	for _, r := range []*http.Request{
		webhookRequest("lms", completedBody),
		unauthorized,
		webhookRequest("lms", `{"eventType": "course.enrolled"}`),
	} {
		s.serve(r)
	}

	counters := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"requests 202", s.metrics.requests.WithLabelValues(webhookRoute, "202"), 1},
		{"requests 401", s.metrics.requests.WithLabelValues(webhookRoute, "401"), 1},
		{"requests 422", s.metrics.requests.WithLabelValues(webhookRoute, "422"), 1},
		{"accepted completions", s.metrics.accepted.WithLabelValues("course.completed", "lms"), 1},
		{"invalid payloads", s.metrics.invalid.WithLabelValues("lms"), 1},
	}
	for _, tc := range counters {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}

	histograms := []struct {
		name   string
		metric string
		label  string
		value  string
		want   uint64
	}{
		{"produce main topic", "arenasync_kafka_produce_duration_seconds", "topic", s.cfg.Topic, 1},
		{"produce dead-letter topic", "arenasync_kafka_produce_duration_seconds", "topic", s.cfg.DeadLetterTopic, 1},
		{"request duration", "arenasync_ingest_request_duration_seconds", "route", webhookRoute, 3},
	}
	for _, tc := range histograms {
		if got := histogramCount(t, s.reg, tc.metric, tc.label, tc.value); got != tc.want {
			t.Errorf("%s: %d observations, want %d", tc.name, got, tc.want)
		}
	}

	problems, err := testutil.GatherAndLint(s.reg)
	if err != nil {
		t.Fatalf("lint metrics: %v", err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}

// TestMetricsEndpoint checks that /metrics serves the registry.
func TestMetricsEndpoint(t *testing.T) {
	s := startServer(t, Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken})
	s.serve(httptest.NewRequest(http.MethodGet, "/v1/webhooks/lms", nil))

	rec := s.serve(httptest.NewRequest(http.MethodGet, "/metrics", nil))

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	want := `arenasync_ingest_requests_total{route="/v1/webhooks/{source}",status="405"} 1`
	if !strings.Contains(string(body), want) {
		t.Errorf("/metrics does not contain %q:\n%s", want, body)
	}
}

// TestNewRegistersOnce checks that a second Server on the same registry is
// refused instead of panicking.
func TestNewRegistersOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken}
	first, err := New(cfg, nil, reg)
	if err != nil {
		t.Fatalf("first New: %v", err)
	}
	t.Cleanup(func() { _ = first.Close() })

	if _, err := New(cfg, nil, reg); err == nil {
		t.Error("second New on the same registry succeeded, want a registration error")
	}
}

// histogramCount returns the sample count of the histogram series whose
// label has the given value, or 0 when there is none.
func histogramCount(t *testing.T, reg *prometheus.Registry, metric, label, value string) uint64 {
	t.Helper()

	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, family := range families {
		if family.GetName() != metric {
			continue
		}
		for _, m := range family.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}

	return 0
}
