package producer

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Option changes an optional part of a Server.
type Option func(*options)

// options collects what the Option functions set.
type options struct {
	dedupe   Deduplicator
	now      func() time.Time
	gatherer prometheus.Gatherer
	parsers  []namedParser
	// perSource holds the settings of the Source options, by source name.
	perSource map[string]*sourceSettings
	// acceptance records accepted events; nil records nothing.
	acceptance AcceptanceRecorder
}

// namedParser is a source registered with WithSource.
type namedParser struct {
	name  string
	parse Parser
}

// WithDeduplicator responds to repeated event ids with 200 and the first id.
// Without it every delivery is written to Kafka.
func WithDeduplicator(d Deduplicator) Option {
	return func(o *options) { o.dedupe = d }
}

// WithSource serves the parser under /v1/webhooks/{name}, replacing the
// built-in parser when name is "lms".
func WithSource(name string, parse Parser) Option {
	return func(o *options) { o.parsers = append(o.parsers, namedParser{name: name, parse: parse}) }
}

// WithClock replaces time.Now, for the accepted-at time and the future-date
// check of the generic webhook.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithGatherer serves g on /metrics. Without it /metrics serves the
// Registerer given to New when that is also a prometheus.Gatherer, such as
// a *prometheus.Registry, and is not mounted otherwise.
func WithGatherer(g prometheus.Gatherer) Option {
	return func(o *options) { o.gatherer = g }
}

// collectOptions applies opts over the defaults. Without WithGatherer the
// gatherer is reg when reg is a prometheus.Gatherer.
func collectOptions(reg prometheus.Registerer, opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}

	if o.now == nil {
		o.now = time.Now
	}
	if o.gatherer == nil {
		o.gatherer, _ = reg.(prometheus.Gatherer)
	}

	return o
}

// sources returns the built-in sources with the WithSource registrations
// applied in order.
func (o options) sources(zone *time.Location) (sources, error) {
	srcs := defaultSources(zone, o.now)
	for _, p := range o.parsers {
		if err := srcs.add(p.name, p.parse); err != nil {
			return nil, err
		}
	}

	return srcs, nil
}
