package metricscatalog

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		name     string
		expr     string
		want     []Selector
		grouping []string
	}{
		{name: "bare metric", expr: "arenasync_a_total", want: []Selector{{Metric: "arenasync_a_total"}}},
		{name: "matchers", expr: `arenasync_a_total{outcome="done", topic=~"x.*"}`, want: []Selector{{Metric: "arenasync_a_total", Labels: []string{"outcome", "topic"}}}},
		{name: "space before matchers", expr: `arenasync_a_total {outcome!="done"}`, want: []Selector{{Metric: "arenasync_a_total", Labels: []string{"outcome"}}}},
		{name: "rate with grafana interval", expr: `sum by (outcome) (rate(arenasync_a_total[$__rate_interval]))`, want: []Selector{{Metric: "arenasync_a_total"}}, grouping: []string{"outcome"}},
		{name: "quantile", expr: `histogram_quantile(0.95, sum by (le, topic) (rate(arenasync_h_seconds_bucket[5m])))`, want: []Selector{{Metric: "arenasync_h_seconds_bucket"}}, grouping: []string{"le", "topic"}},
		{name: "binary operators", expr: `sum(x_total) > 0 and on (job) y_total unless z == bool 1e3`, want: []Selector{{Metric: "x_total"}, {Metric: "y_total"}, {Metric: "z"}}, grouping: []string{"job"}},
		{name: "by after aggregation", expr: `max(arenasync_lag) by (topic) offset 5m`, want: []Selector{{Metric: "arenasync_lag"}}, grouping: []string{"topic"}},
		{name: "name matcher", expr: `{__name__="arenasync_b", reason="x"}`, want: []Selector{{Metric: "arenasync_b", Labels: []string{"reason"}}}},
		{name: "grafana variable in matcher", expr: `arenasync_a_total{topic=~"${topic:regex}"}`, want: []Selector{{Metric: "arenasync_a_total", Labels: []string{"topic"}}}},
		{name: "escaped quote in value", expr: `arenasync_a_total{reason="a\"b"} * 2`, want: []Selector{{Metric: "arenasync_a_total", Labels: []string{"reason"}}}},
		{name: "string argument", expr: `label_replace(a, "dst", "$1", "src", "(.*)")`, want: []Selector{{Metric: "a"}}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseQuery(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Selectors) != len(tc.want) {
				t.Fatalf("selectors = %+v, want %+v", got.Selectors, tc.want)
			}
			for i, want := range tc.want {
				if got.Selectors[i].Metric != want.Metric {
					t.Errorf("selector %d metric = %q, want %q", i, got.Selectors[i].Metric, want.Metric)
				}
				if !slices.Equal(got.Selectors[i].Labels, want.Labels) {
					t.Errorf("selector %d labels = %v, want %v", i, got.Selectors[i].Labels, want.Labels)
				}
			}
			if !slices.Equal(got.Grouping, tc.grouping) {
				t.Errorf("grouping = %v, want %v", got.Grouping, tc.grouping)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, expr := range []string{`a{b="c"`, `a{b="c}`, `rate(a[5m)`} {
		if _, err := ParseQuery(expr); err == nil {
			t.Errorf("ParseQuery(%q) returned no error", expr)
		}
	}
}

func testCatalog() Catalog {
	return NewCatalog([]Metric{
		{Name: "arenasync_events_total", Type: Counter, Labels: []string{"outcome", "topic"}},
		{Name: "arenasync_latency_seconds", Type: Histogram, Labels: []string{"endpoint"}},
		{Name: "arenasync_rtt_seconds", Type: Summary},
		{Name: "arenasync_lag", Type: Gauge, Labels: []string{"partition", "topic"}},
	})
}

func TestCatalogCheck(t *testing.T) {
	cases := []struct {
		name string
		expr string
		want []string
	}{
		{name: "known counter", expr: `sum by (outcome) (rate(arenasync_events_total{topic="x"}[5m]))`},
		{name: "histogram buckets", expr: `histogram_quantile(0.99, sum by (le, endpoint) (rate(arenasync_latency_seconds_bucket[5m])))`},
		{name: "histogram sum and count", expr: `rate(arenasync_latency_seconds_sum[5m]) / rate(arenasync_latency_seconds_count[5m])`},
		{name: "summary quantile", expr: `arenasync_rtt_seconds{quantile="0.5"}`},
		{name: "target labels", expr: `max by (instance) (arenasync_lag{job="w"}) and on (job) up`},
		{name: "unknown metric", expr: `rate(arenasync_nope_total[5m])`, want: []string{`metric "arenasync_nope_total" is not exported by any role`}},
		{name: "histogram name without suffix", expr: `arenasync_latency_seconds`, want: []string{`metric "arenasync_latency_seconds" is not exported by any role`}},
		{name: "bucket of a gauge", expr: `arenasync_lag_bucket`, want: []string{`metric "arenasync_lag_bucket" is not exported by any role`}},
		{name: "unknown matcher label", expr: `arenasync_lag{reason="x"}`, want: []string{`metric arenasync_lag has no label "reason" (it has partition, topic, job, instance)`}},
		{name: "unknown grouping label", expr: `sum by (tier) (arenasync_lag)`, want: []string{`grouping label "tier" is on none of the expression's metrics`}},
		{name: "le without buckets", expr: `sum by (le) (arenasync_lag)`, want: []string{`grouping label "le" is on none of the expression's metrics`}},
		{name: "syntax error", expr: `arenasync_lag{topic="x"`, want: []string{`missing '}' after offset 13 in "arenasync_lag{topic=\"x\""`}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := testCatalog().Check(tc.expr)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) =\n%q\nwant\n%q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestLint(t *testing.T) {
	cases := []struct {
		name   string
		metric Metric
		want   []string
	}{
		{name: "good counter", metric: Metric{Name: "arenasync_events_total", Type: Counter}},
		{name: "good seconds counter", metric: Metric{Name: "arenasync_wait_seconds_total", Type: Counter}},
		{name: "good histogram", metric: Metric{Name: "arenasync_latency_seconds", Type: Histogram}},
		{name: "good gauge", metric: Metric{Name: "arenasync_lag", Type: Gauge}},
		{name: "missing prefix", metric: Metric{Name: "events_total", Type: Counter}, want: []string{"events_total does not start with arenasync_"}},
		{name: "counter without total", metric: Metric{Name: "arenasync_events", Type: Counter}, want: []string{"counter arenasync_events does not end with _total"}},
		{name: "gauge with total", metric: Metric{Name: "arenasync_open_total", Type: Gauge}, want: []string{"gauge arenasync_open_total ends with _total, which only counters do"}},
		{name: "histogram without unit", metric: Metric{Name: "arenasync_latency", Type: Histogram}, want: []string{"histogram arenasync_latency does not end with a base unit (_seconds, _bytes)"}},
		{name: "milliseconds", metric: Metric{Name: "arenasync_latency_ms", Type: Gauge}, want: []string{"arenasync_latency_ms uses the unit ms; use seconds or bytes"}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Lint(tc.metric)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Lint = %q, want %q", got, tc.want)
			}
		})
	}
}

// customCollector sends one constant gauge.
type customCollector struct{ desc *prometheus.Desc }

func (c customCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c customCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1, "a")
}

func TestRecorderMetrics(t *testing.T) {
	rec := NewRecorder()
	rec.MustRegister(
		prometheus.NewCounterVec(prometheus.CounterOpts{Name: "arenasync_b_total", Help: `says "b"`}, []string{"z", "a"}),
		prometheus.NewHistogram(prometheus.HistogramOpts{Name: "arenasync_a_seconds", Help: "a", ConstLabels: prometheus.Labels{"role": "x"}}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "arenasync_c", Help: "c"}, func() float64 { return 1 }),
		customCollector{desc: prometheus.NewDesc("arenasync_d", "d", []string{"topic"}, nil)},
		prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: "arenasync_e_seconds", Help: "e"}, []string{"x"}),
	)

	got, err := rec.Metrics("worker")
	if err != nil {
		t.Fatal(err)
	}

	want := []Metric{
		{Name: "arenasync_a_seconds", Type: Histogram, Help: "a", Labels: []string{"role"}, Roles: []string{"worker"}},
		{Name: "arenasync_b_total", Type: Counter, Help: `says "b"`, Labels: []string{"a", "z"}, Roles: []string{"worker"}},
		{Name: "arenasync_c", Type: Gauge, Help: "c", Roles: []string{"worker"}},
		{Name: "arenasync_d", Type: Gauge, Help: "d", Labels: []string{"topic"}, Roles: []string{"worker"}},
		{Name: "arenasync_e_seconds", Type: Summary, Help: "e", Labels: []string{"x"}, Roles: []string{"worker"}},
	}
	if len(got) != len(want) {
		t.Fatalf("Metrics = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Type != want[i].Type || got[i].Help != want[i].Help ||
			!slices.Equal(got[i].Labels, want[i].Labels) || !slices.Equal(got[i].Roles, want[i].Roles) {
			t.Errorf("metric %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestRecorderUnknownType(t *testing.T) {
	rec := NewRecorder()
	rec.MustRegister(silentCollector{desc: prometheus.NewDesc("arenasync_silent", "s", nil, nil)})

	_, err := rec.Metrics("worker")
	if err == nil || !strings.Contains(err.Error(), "metric arenasync_silent: the collector metricscatalog.silentCollector sent no sample") {
		t.Errorf("error = %v, want one naming arenasync_silent", err)
	}
}

// silentCollector describes a metric but never sends it.
type silentCollector struct{ desc *prometheus.Desc }

func (c silentCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c silentCollector) Collect(chan<- prometheus.Metric) {}

func TestMerge(t *testing.T) {
	ingest := []Metric{{Name: "go_goroutines", Type: Gauge, Help: "g", Roles: []string{"ingest"}}}
	worker := []Metric{{Name: "go_goroutines", Type: Gauge, Help: "g", Roles: []string{"worker"}}, {Name: "arenasync_x_total", Type: Counter, Roles: []string{"worker"}}}

	got, err := Merge(worker, ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "arenasync_x_total" || !slices.Equal(got[1].Roles, []string{"ingest", "worker"}) {
		t.Errorf("Merge = %+v", got)
	}

	conflicting := []Metric{{Name: "go_goroutines", Type: Counter, Help: "g", Roles: []string{"reconciler"}}}
	if _, err := Merge(ingest, conflicting); err == nil {
		t.Error("Merge of a name with two types returned no error")
	}
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	metrics := []Metric{{Name: "arenasync_x_total", Type: Counter, Help: "a | b", Labels: []string{"a", "b"}, Roles: []string{"ingest", "worker"}}, {Name: "arenasync_y", Type: Gauge, Help: "y", Roles: []string{"worker"}}}
	if err := WriteMarkdown(&buf, metrics); err != nil {
		t.Fatal(err)
	}

	want := "| metric | type | labels | roles | meaning |\n|---|---|---|---|---|\n" +
		"| `arenasync_x_total` | counter | `a`, `b` | ingest, worker | a \\| b |\n" +
		"| `arenasync_y` | gauge | (none) | worker | y |\n"
	if buf.String() != want {
		t.Errorf("markdown =\n%s\nwant\n%s", buf.String(), want)
	}
}
