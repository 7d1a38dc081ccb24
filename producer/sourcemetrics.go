package producer

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceMetrics are the collectors of per-source authentication.
type sourceMetrics struct {
	authFailures *prometheus.CounterVec
}

// newSourceMetrics builds the collectors and registers them on reg. A nil
// reg leaves them unregistered.
func newSourceMetrics(reg prometheus.Registerer) (*sourceMetrics, error) {
	m := &sourceMetrics{
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_auth_failures_total",
			Help: "Webhook requests rejected with 401, by source (\"unknown\" for an unregistered one) and reason.",
		}, []string{"source", "reason"}),
	}
	if reg == nil {
		return m, nil
	}

	if err := reg.Register(m.authFailures); err != nil {
		return nil, fmt.Errorf("register ingest auth metrics (is a second Server using the same Registerer?): %w", err)
	}

	return m, nil
}
