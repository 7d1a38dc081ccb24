package handler

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/arenasync/arenasync/pipeline"
)

// Causes of a created record, the label of arenasync_handler_records_created_total.
const (
	causeEnrollment = "enrollment"
	causeRetake     = "retake"
	causeCompletion = "completion"
)

// Results of an employee check, the label of arenasync_handler_employee_checks_total.
const (
	checkCached   = "cached"
	checkFound    = "found"
	checkNotFound = "not_found"
	checkInactive = "inactive"
	checkFailed   = "failed"
)

// metrics are the handler's Prometheus collectors.
type metrics struct {
	duplicates     *prometheus.CounterVec
	created        *prometheus.CounterVec
	employeeChecks *prometheus.CounterVec
}

// newMetrics builds the collectors and registers them on reg unless reg is nil.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_handler_duplicates_total",
			Help: "Events whose effect Arena already held, so no call changed anything, by event type: an enrollment already mapped to a live record, a completion Arena already held with the same date and score.",
		}, []string{"type"}),
		created: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_handler_records_created_total",
			Help: "Arena training records created, by cause: enrollment, retake (the mapped record had expired or was cancelled) or completion (created from a completion without enrollment).",
		}, []string{"cause"}),
		employeeChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_handler_employee_checks_total",
			Help: "Employee checks before a record is created, by result: cached, found, not_found, inactive or failed (the lookup failed without a 404).",
		}, []string{"result"}),
	}

	if reg != nil {
		reg.MustRegister(m.duplicates, m.created, m.employeeChecks)
	}

	return m
}

// duplicate counts an event whose effect Arena already held.
func (m *metrics) duplicate(t pipeline.EventType) {
	m.duplicates.WithLabelValues(string(t)).Inc()
}
