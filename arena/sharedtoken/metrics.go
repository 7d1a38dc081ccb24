package sharedtoken

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Results of a token refresh, the values of the result label.
const (
	resultSuccess = "success"
	resultError   = "error"
)

// Metrics are the token source's Prometheus collectors. One Metrics serves
// every Source of a process.
type Metrics struct {
	refreshes           *prometheus.CounterVec
	waits               prometheus.Counter
	unauthorizedRetries prometheus.Counter
	fallbacks           prometheus.Counter
	shared              prometheus.Gauge

	// expiresAt is the expiry of the last token handed out, in Unix
	// nanoseconds, or 0 when it has none.
	expiresAt atomic.Int64
}

// NewMetrics registers the collectors on reg. A nil reg registers nothing.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_arena_token_refreshes_total",
			Help: "Arena logins by this instance for the token source, by result (success, error).",
		}, []string{"result"}),
		waits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_arena_token_refresh_waits_total",
			Help: "Times this instance waited for another instance to refresh the shared Arena token.",
		}),
		unauthorizedRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_arena_unauthorized_retries_total",
			Help: "Arena calls rejected with 401 and retried once with a fresh token.",
		}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_arena_token_fallbacks_total",
			Help: "Switches from the Redis-shared Arena token to a per-process token because Redis was unreachable.",
		}),
		shared: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_arena_token_shared",
			Help: "1 while the Arena token comes from Redis, 0 while this instance uses a per-process token.",
		}),
	}
	m.refreshes.WithLabelValues(resultSuccess)
	m.refreshes.WithLabelValues(resultError)
	m.shared.Set(1)

	expiry := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "arenasync_arena_token_expiry_seconds",
		Help: "Seconds until the Arena token this instance uses expires; 0 when it has none or no expiry.",
	}, m.secondsToExpiry)

	if reg != nil {
		reg.MustRegister(m.refreshes, m.waits, m.unauthorizedRetries, m.fallbacks, m.shared, expiry)
	}
	return m
}

func (m *Metrics) secondsToExpiry() float64 {
	at := m.expiresAt.Load()
	if at == 0 {
		return 0
	}
	return max(time.Until(time.Unix(0, at)).Seconds(), 0)
}

func (m *Metrics) observeExpiry(expiresAt time.Time) {
	if expiresAt.IsZero() {
		m.expiresAt.Store(0)
		return
	}
	m.expiresAt.Store(expiresAt.UnixNano())
}
