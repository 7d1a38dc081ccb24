package producer

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ingest's Prometheus collectors.
type metrics struct {
	requests        *prometheus.CounterVec
	accepted        *prometheus.CounterVec
	invalid         *prometheus.CounterVec
	produceDuration *prometheus.HistogramVec
	requestDuration *prometheus.HistogramVec

	bookkeepingQueued   prometheus.Gauge
	bookkeepingCapacity prometheus.Gauge
	bookkeepingJobs     *prometheus.CounterVec
	bookkeepingInline   *prometheus.CounterVec
	bookkeepingBatches  prometheus.Counter
}

// newMetrics builds the collectors and registers them on reg. A nil reg
// leaves them unregistered.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_requests_total",
			Help: "Webhook requests responded to, by route and HTTP status code.",
		}, []string{"route", "status"}),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_events_accepted_total",
			Help: "Events written to the main topic and acknowledged by Kafka, by event type and source.",
		}, []string{"type", "source"}),
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_invalid_payloads_total",
			Help: "Webhook bodies rejected with 400 or 422 because they were malformed or failed validation, by source.",
		}, []string{"source"}),
		produceDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "arenasync_kafka_produce_duration_seconds",
			Help:    "Time from handing records to the Kafka writer to their acknowledgement or failure, by topic.",
			Buckets: prometheus.DefBuckets,
		}, []string{"topic"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "arenasync_ingest_request_duration_seconds",
			Help:    "Time to respond to a webhook request, by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),

		bookkeepingQueued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_ingest_bookkeeping_queued_jobs",
			Help: "Accepted webhooks whose duplicate-check and ledger bookkeeping waits in the background queue.",
		}),
		bookkeepingCapacity: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_ingest_bookkeeping_queue_capacity_jobs",
			Help: "Capacity of the bookkeeping queue. A request that finds it full does its bookkeeping before it responds.",
		}),
		bookkeepingJobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_bookkeeping_jobs_total",
			Help: "Bookkeeping jobs of accepted webhooks, background and inline, by result: done, failed (a Redis write failed and was logged), abandoned (still queued when the shutdown timeout ended).",
		}, []string{"result"}),
		bookkeepingInline: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_bookkeeping_inline_total",
			Help: "Bookkeeping jobs run before the response instead of in the background, by reason: queue_full, stopped (the server was shutting down).",
		}, []string{"reason"}),
		bookkeepingBatches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_ingest_bookkeeping_batches_total",
			Help: "Batches that background workers took from the bookkeeping queue, each remembering the ids of all its jobs in one Redis round trip.",
		}),
	}
	for _, result := range []string{jobDone, jobFailed, jobAbandoned} {
		m.bookkeepingJobs.WithLabelValues(result)
	}
	for _, reason := range []string{inlineQueueFull, inlineStopped} {
		m.bookkeepingInline.WithLabelValues(reason)
	}
	if reg == nil {
		return m, nil
	}

	collectors := []prometheus.Collector{
		m.requests, m.accepted, m.invalid, m.produceDuration, m.requestDuration,
		m.bookkeepingQueued, m.bookkeepingCapacity, m.bookkeepingJobs, m.bookkeepingInline, m.bookkeepingBatches,
	}
	var errs []error
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("register ingest metrics (is a second Server using the same Registerer?): %w", err)
	}

	return m, nil
}

// observeRequest records the status and duration of one request.
func (m *metrics) observeRequest(route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(elapsed.Seconds())
}
