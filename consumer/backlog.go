package consumer

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// registerBacklog registers the metrics of work not done yet: the consumer
// lag of every topic the worker reads and, with WithUnrecorded, the age of
// the oldest unrecorded completion. It returns the observer the runners
// call: o's own observer, after the update of the unrecorded set.
func registerBacklog(cfg Config, o options, reg prometheus.Registerer, logger *zap.Logger) Observer {
	lag := newLagCollector(cfg, logger)
	reg.MustRegister(lag)

	if o.unrecorded == nil {
		return o.observer
	}

	updateErrors := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "arenasync_unrecorded_completions_errors_total",
		Help: "Failed Redis reads and writes of the set of unrecorded completions.",
	})
	age := &unrecordedAgeCollector{
		set: o.unrecorded,
		desc: prometheus.NewDesc("arenasync_oldest_unrecorded_completion_age_seconds",
			"Age of the oldest completion accepted by ingest that a worker handled but Arena does not hold yet: it waits in a retry tier or behind an earlier event of its enrollment. Completions waiting for approval or in the dead-letter topic are left out. 0 when there is none.",
			nil, nil),
		errors: updateErrors,
		now:    o.now,
		logger: logger,
	}
	reg.MustRegister(updateErrors, age)

	tracker := &unrecordedTracker{set: o.unrecorded, errors: updateErrors, logger: logger, now: o.now}
	next := o.observer

	return func(topic string, env pipeline.Envelope, out pipeline.Outcome) {
		tracker.observe(env, out)
		if next != nil {
			next(topic, env, out)
		}
	}
}
