package access

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/arenasync/arenasync/arena"
)

// Status label values of calls that got no HTTP response.
const (
	statusTimeout   = "timeout"
	statusTransport = "transport"
)

// callMetrics count Arena calls by endpoint and status and time them.
type callMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newCallMetrics(reg prometheus.Registerer) *callMetrics {
	m := &callMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_arena_requests_total",
			Help: "HTTP calls to Arena, by endpoint and status: the HTTP status code, or timeout or transport when no response arrived.",
		}, []string{"endpoint", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "arenasync_arena_request_duration_seconds",
			Help:    "Time from sending an Arena call to reading its response, by endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"endpoint"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

func (m *callMetrics) observe(info arena.CallInfo) {
	m.requests.WithLabelValues(string(info.Endpoint), statusLabel(info)).Inc()
	m.duration.WithLabelValues(string(info.Endpoint)).Observe(info.Duration.Seconds())
}

func statusLabel(info arena.CallInfo) string {
	if info.StatusCode != 0 {
		return strconv.Itoa(info.StatusCode)
	}
	if arenaErr, ok := arena.AsError(info.Err); ok && arenaErr.Timeout {
		return statusTimeout
	}
	return statusTransport
}
