package reconcile

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Results of a run, the result label of arenasync_reconcile_runs_total.
const (
	resultAgree       = "agree"
	resultDifferences = "differences"
	resultError       = "error"
)

// Metrics are the Prometheus metrics of the reconciliation. A nil *Metrics
// records nothing.
type Metrics struct {
	differences *prometheus.GaugeVec
	duration    prometheus.Gauge
	lastSuccess prometheus.Gauge
	runs        *prometheus.CounterVec
	reads       prometheus.Counter
}

// NewMetrics registers the reconciliation metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		differences: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "arenasync_reconcile_differences",
			Help: "Differences between the LMS and Arena found by the last finished reconciliation, by category.",
		}, []string{"category"}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_reconcile_duration_seconds",
			Help: "Duration of the last finished reconciliation in this process.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_reconcile_last_success_timestamp_seconds",
			Help: "Unix time at which the last reconciliation finished without an error, whether or not it found differences; 0 before the first.",
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_reconcile_runs_total",
			Help: "Reconciliations by result: agree, differences (found some) or error (interrupted, Arena unreadable, repair failed).",
		}, []string{"result"}),
		reads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_reconcile_arena_reads_total",
			Help: "GET calls for Arena training records sent by reconciliations, retries included.",
		}),
	}

	for _, c := range DifferenceCategories {
		m.differences.WithLabelValues(string(c))
	}
	for _, r := range []string{resultAgree, resultDifferences, resultError} {
		m.runs.WithLabelValues(r)
	}
	reg.MustRegister(m.differences, m.duration, m.lastSuccess, m.runs, m.reads)

	return m
}

// observe records a finished run; err is the run's error.
func (m *Metrics) observe(r Report, reads int, err error) {
	if m == nil {
		return
	}

	m.reads.Add(float64(reads))
	if err != nil && !errors.Is(err, ErrRepair) {
		m.runs.WithLabelValues(resultError).Inc()

		return
	}

	for _, c := range DifferenceCategories {
		m.differences.WithLabelValues(string(c)).Set(float64(r.Counts[c]))
	}
	m.duration.Set(r.DurationSeconds)

	if err != nil {
		m.runs.WithLabelValues(resultError).Inc()

		return
	}
	m.lastSuccess.Set(float64(r.FinishedAt.Unix()))
	if r.Differences > 0 {
		m.runs.WithLabelValues(resultDifferences).Inc()

		return
	}
	m.runs.WithLabelValues(resultAgree).Inc()
}
