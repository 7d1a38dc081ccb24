package ratelimit

import "github.com/prometheus/client_golang/prometheus"

// Reasons a call waited, the values of the reason label.
const (
	reasonRate        = "rate"
	reasonPause       = "pause"
	reasonProbe       = "probe"
	reasonConcurrency = "concurrency"
)

// Metrics are the limiter's Prometheus collectors.
type Metrics struct {
	waits       *prometheus.CounterVec
	waitSeconds *prometheus.CounterVec
	pauses      prometheus.Counter
	fallbacks   prometheus.Counter
}

// NewMetrics registers the collectors on reg. A nil reg registers nothing.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_arena_ratelimit_waits_total",
			Help: "Arena calls that waited before they were sent, by reason (rate, pause, probe, concurrency).",
		}, []string{"reason"}),
		waitSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_arena_ratelimit_wait_seconds_total",
			Help: "Time Arena calls waited before they were sent, by reason.",
		}, []string{"reason"}),
		pauses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_arena_ratelimit_pauses_total",
			Help: "429 responses from Arena that paused the calls of every instance.",
		}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_arena_ratelimit_fallbacks_total",
			Help: "Switches to a per-instance rate limit because Redis was unreachable.",
		}),
	}
	for _, reason := range []string{reasonRate, reasonPause, reasonProbe, reasonConcurrency} {
		m.waits.WithLabelValues(reason)
		m.waitSeconds.WithLabelValues(reason)
	}

	if reg != nil {
		reg.MustRegister(m.waits, m.waitSeconds, m.pauses, m.fallbacks)
	}
	return m
}

func (m *Metrics) observeWait(reason string, seconds float64) {
	m.waits.WithLabelValues(reason).Inc()
	m.waitSeconds.WithLabelValues(reason).Add(seconds)
}
