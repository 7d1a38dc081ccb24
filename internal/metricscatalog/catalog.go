// Package metricscatalog lists the Prometheus metrics that arenasync's
// roles register, with type, labels and help text. The metric table in
// docs/metrics.md is generated from it, and the deployment checks use it to
// reject dashboard panels and alert rules that query a metric no role exports.
package metricscatalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Type is a Prometheus metric type as the text exposition format names it.
type Type string

// Metric types.
const (
	Counter   Type = "counter"
	Gauge     Type = "gauge"
	Histogram Type = "histogram"
	Summary   Type = "summary"
	Untyped   Type = "untyped"
)

// Metric is one metric family that a role registers.
type Metric struct {
	Name   string
	Type   Type
	Help   string
	Labels []string
	// Roles lists the roles that register the metric, sorted.
	Roles []string
}

// Recorder is a prometheus.Registerer that registers collectors on a
// registry of its own, as a role does, and remembers them, so that metric
// vectors without any series yet are listed too.
type Recorder struct {
	registry   *prometheus.Registry
	collectors []prometheus.Collector
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{registry: prometheus.NewRegistry()}
}

// Register registers c and remembers it.
func (r *Recorder) Register(c prometheus.Collector) error {
	if err := r.registry.Register(c); err != nil {
		return err
	}
	r.collectors = append(r.collectors, c)

	return nil
}

// MustRegister registers every collector and panics on the first error,
// as prometheus.Registry.MustRegister does.
func (r *Recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// Unregister unregisters c and forgets it.
func (r *Recorder) Unregister(c prometheus.Collector) bool {
	if !r.registry.Unregister(c) {
		return false
	}
	r.collectors = slices.DeleteFunc(r.collectors, func(known prometheus.Collector) bool { return known == c })

	return true
}

// Gatherer returns the registry behind the Recorder.
func (r *Recorder) Gatherer() prometheus.Gatherer {
	return r.registry
}

// Metrics returns every metric the recorded collectors describe, sorted by
// name, each with the given role. The type of a metric comes from a
// collected sample where the collector sends one, and otherwise from the
// collector's Go type: CounterVec, GaugeVec, HistogramVec or SummaryVec.
func (r *Recorder) Metrics(role string) ([]Metric, error) {
	var out []Metric
	var errs []error
	for _, c := range r.collectors {
		metrics, err := describe(c, role)
		out = append(out, metrics...)
		errs = append(errs, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })

	return out, errors.Join(errs...)
}

// describe lists the metrics of one collector.
func describe(c prometheus.Collector, role string) ([]Metric, error) {
	descs := make(chan *prometheus.Desc, 16)
	go func() {
		c.Describe(descs)
		close(descs)
	}()

	sampled := collectedTypes(c)
	var out []Metric
	var errs []error
	for desc := range descs {
		m, err := parseDesc(desc)
		if err != nil {
			errs = append(errs, err)

			continue
		}

		m.Roles = []string{role}
		m.Type = sampled[desc.String()]
		if m.Type == "" {
			m.Type = vecType(c)
		}
		if m.Type == "" {
			errs = append(errs, fmt.Errorf("metric %s: the collector %T sent no sample and is no metric vector, so its type is unknown; make it send a sample in the catalogue's set-up", m.Name, c))

			continue
		}
		out = append(out, m)
	}

	return out, errors.Join(errs...)
}

// collectedTypes collects c once and returns the type of each sample, by
// the String of its Desc.
func collectedTypes(c prometheus.Collector) map[string]Type {
	samples := make(chan prometheus.Metric, 16)
	go func() {
		c.Collect(samples)
		close(samples)
	}()

	out := make(map[string]Type)
	for sample := range samples {
		var m dto.Metric
		if err := sample.Write(&m); err != nil {
			continue
		}
		out[sample.Desc().String()] = sampleType(&m)
	}

	return out
}

// sampleType returns the type of one written sample.
func sampleType(m *dto.Metric) Type {
	switch {
	case m.Counter != nil:
		return Counter
	case m.Gauge != nil:
		return Gauge
	case m.Histogram != nil:
		return Histogram
	case m.Summary != nil:
		return Summary
	default:
		return Untyped
	}
}

// vecType returns the type of a metric vector, "" for other collectors.
func vecType(c prometheus.Collector) Type {
	switch c.(type) {
	case *prometheus.CounterVec:
		return Counter
	case *prometheus.GaugeVec:
		return Gauge
	case *prometheus.HistogramVec:
		return Histogram
	case *prometheus.SummaryVec:
		return Summary
	default:
		return ""
	}
}

// descPattern matches the String of a prometheus.Desc, which is the only
// way client_golang shows a Desc's name, help and label names.
var descPattern = regexp.MustCompile(`^Desc\{fqName: ("(?:[^"\\]|\\.)*"), help: ("(?:[^"\\]|\\.)*"), unit: "(?:[^"\\]|\\.)*", constLabels: \{([^}]*)\}, variableLabels: \{([^}]*)\}\}$`)

// parseDesc reads name, help and label names from a Desc.
// NOTE: Desc.String's format is no API promise of client_golang; a change
// of it makes this return an error that names the text it could not read.
func parseDesc(desc *prometheus.Desc) (Metric, error) {
	text := desc.String()
	match := descPattern.FindStringSubmatch(text)
	if match == nil {
		return Metric{}, fmt.Errorf("cannot read the metric description %s: has client_golang changed the format of Desc.String?", text)
	}

	name, err := strconv.Unquote(match[1])
	if err != nil {
		return Metric{}, fmt.Errorf("read the name of %s: %w", text, err)
	}
	help, err := strconv.Unquote(match[2])
	if err != nil {
		return Metric{}, fmt.Errorf("read the help of %s: %w", text, err)
	}

	var labels []string
	for _, pair := range splitList(match[3]) {
		labels = append(labels, strings.SplitN(pair, "=", 2)[0])
	}
	for _, label := range splitList(match[4]) {
		// A constrained label shows as c(name).
		labels = append(labels, strings.TrimSuffix(strings.TrimPrefix(label, "c("), ")"))
	}
	sort.Strings(labels)

	return Metric{Name: name, Help: help, Labels: labels}, nil
}

// splitList splits a comma-separated list and drops empty entries.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}

	return out
}

// Merge joins the metrics of several roles into one list sorted by name. A
// metric registered by more than one role lists every role. It returns an
// error when two roles register one name with different types, labels or
// help.
func Merge(lists ...[]Metric) ([]Metric, error) {
	byName := make(map[string]*Metric)
	var errs []error
	for _, list := range lists {
		for _, m := range list {
			known, ok := byName[m.Name]
			if !ok {
				copied := m
				copied.Roles = slices.Clone(m.Roles)
				byName[m.Name] = &copied

				continue
			}
			if known.Type != m.Type || known.Help != m.Help || !slices.Equal(known.Labels, m.Labels) {
				errs = append(errs, fmt.Errorf("metric %s differs between roles %v and %v: give both the same type, labels and help", m.Name, known.Roles, m.Roles))

				continue
			}
			for _, role := range m.Roles {
				if !slices.Contains(known.Roles, role) {
					known.Roles = append(known.Roles, role)
				}
			}
			sort.Strings(known.Roles)
		}
	}

	out := make([]Metric, 0, len(byName))
	for _, m := range byName {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })

	return out, errors.Join(errs...)
}
