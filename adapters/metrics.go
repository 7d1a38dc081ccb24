package adapters

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the collectors every adapter shares. A nil *Metrics counts
// nothing.
type Metrics struct {
	scoresDropped *prometheus.CounterVec
	ignored       *prometheus.CounterVec
}

// NewMetrics builds the collectors and registers them on reg. A nil reg
// leaves them unregistered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		scoresDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_scores_dropped_total",
			Help: "Scores left out of accepted completions under the score rule, by source and reason.",
		}, []string{"source", "reason"}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_ingest_events_ignored_total",
			Help: "Deliveries or items of a delivery acknowledged without an event, by source and reason.",
		}, []string{"source", "reason"}),
	}
	if reg == nil {
		return m, nil
	}

	var errs []error
	for _, c := range []prometheus.Collector{m.scoresDropped, m.ignored} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("register adapter metrics (build one Metrics per Registerer and share it): %w", err)
	}

	return m, nil
}

// scoreDropped counts one dropped score.
func (m *Metrics) scoreDropped(source, reason string) {
	if m != nil {
		m.scoresDropped.WithLabelValues(source, reason).Inc()
	}
}

// eventIgnored counts one ignored delivery or item.
func (m *Metrics) eventIgnored(source, reason string) {
	if m != nil {
		m.ignored.WithLabelValues(source, reason).Inc()
	}
}
