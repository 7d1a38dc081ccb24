package circuit

import "github.com/prometheus/client_golang/prometheus"

// Results of a probe, the values of the result label.
const (
	probeSuccess = "success"
	probeFailure = "failure"
)

// Metrics are the breaker's Prometheus collectors.
type Metrics struct {
	state       prometheus.Gauge
	transitions *prometheus.CounterVec
	probes      *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg. A nil reg registers nothing.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		state: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "arenasync_arena_circuit_state",
			Help: "State of the circuit breaker on Arena: 0 closed, 1 half-open, 2 open.",
		}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_arena_circuit_transitions_total",
			Help: "State changes of the circuit breaker on Arena, by from and to state.",
		}, []string{"from", "to"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_arena_circuit_probes_total",
			Help: "Probe calls to Arena while the circuit was open, by result (success, failure).",
		}, []string{"result"}),
	}
	m.probes.WithLabelValues(probeSuccess)
	m.probes.WithLabelValues(probeFailure)

	if reg != nil {
		reg.MustRegister(m.state, m.transitions, m.probes)
	}
	return m
}
