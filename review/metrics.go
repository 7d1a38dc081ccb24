package review

import "github.com/prometheus/client_golang/prometheus"

// metrics are the reconciler's Prometheus collectors.
type metrics struct {
	received    *prometheus.CounterVec
	redelivered prometheus.Counter
	storeErrors prometheus.Counter
	open        prometheus.Gauge
}

// newMetrics registers the reconciler's collectors on reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_reconciler_dead_letters_received_total",
			Help: "Dead letters stored as new review-queue entries, by reason.",
		}, []string{"reason"}),
		redelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_reconciler_dead_letters_redelivered_total",
			Help: "Dead-letter records read again whose entry already existed, such as after a restart.",
		}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_reconciler_store_errors_total",
			Help: "Failed attempts to store a review-queue entry in Redis. Each is retried.",
		}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_review_queue_open",
			Help: "Open review-queue entries, as last read from Redis.",
		}),
	}

	reg.MustRegister(m.received, m.redelivered, m.storeErrors, m.open)

	return m
}
