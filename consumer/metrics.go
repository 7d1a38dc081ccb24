package consumer

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the worker's Prometheus collectors.
type metrics struct {
	processed     *prometheus.CounterVec
	retries       *prometheus.CounterVec
	deadLetters   *prometheus.CounterVec
	handleSeconds *prometheus.HistogramVec
	endToEnd      prometheus.Histogram
	tierWait      *prometheus.HistogramVec
	commitErrors  *prometheus.CounterVec
	inFlight      *prometheus.GaugeVec
}

// newMetrics registers the worker's collectors on reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_worker_events_processed_total",
			Help: "Events handled by the worker, by topic, event type and outcome (done, pending_approval, retryable, permanent).",
		}, []string{"topic", "type", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_worker_retries_total",
			Help: "Events moved to a retry tier, by tier topic.",
		}, []string{"tier"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_worker_dead_letters_total",
			Help: "Events moved to the dead-letter topic, by reason.",
		}, []string{"reason"}),
		handleSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "arenasync_worker_handle_duration_seconds",
			Help:    "Time to handle one event, Arena calls included, by topic.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"topic"}),
		endToEnd: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arenasync_end_to_end_latency_seconds",
			Help:    "Time from ingest accepting an event to its final Arena answer.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 14),
		}),
		tierWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "arenasync_worker_tier_wait_seconds",
			Help:    "Time an event waited in a retry tier before it was due, by tier topic.",
			Buckets: prometheus.ExponentialBuckets(0.1, 3, 10),
		}, []string{"tier"}),
		commitErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_worker_commit_errors_total",
			Help: "Failed offset commits, by topic. Failed commits are retried.",
		}, []string{"topic"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "arenasync_worker_events_in_flight",
			Help: "Events fetched and not yet committable, by topic.",
		}, []string{"topic"}),
	}

	reg.MustRegister(m.processed, m.retries, m.deadLetters, m.handleSeconds, m.endToEnd, m.tierWait, m.commitErrors, m.inFlight)

	return m
}
