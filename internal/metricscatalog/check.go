package metricscatalog

import (
	"fmt"
	"slices"
	"strings"
)

// Catalog indexes metrics by name.
type Catalog map[string]Metric

// NewCatalog indexes metrics.
func NewCatalog(metrics []Metric) Catalog {
	c := make(Catalog, len(metrics))
	for _, m := range metrics {
		c[m.Name] = m
	}

	return c
}

// targetLabels are the labels Prometheus adds to every scraped series.
var targetLabels = []string{"job", "instance"}

// syntheticSeries are series Prometheus makes itself, with the labels they carry.
var syntheticSeries = map[string][]string{
	"up":                      {},
	"scrape_duration_seconds": {},
	"scrape_samples_scraped":  {},
}

// Check returns the problems of one PromQL expression: a selector of a
// metric the catalogue does not hold, a matcher or grouping label that
// none of the expression's metrics carries, and a selector without a
// metric name. Histogram selectors may use the _bucket (with le), _sum and
// _count series; summary selectors the _sum and _count series and the
// quantile label.
func (c Catalog) Check(expr string) []string {
	q, err := ParseQuery(expr)
	if err != nil {
		return []string{err.Error()}
	}

	var problems []string
	known := slices.Clone(targetLabels)
	for _, sel := range q.Selectors {
		labels, ok := c.seriesLabels(sel.Metric)
		if !ok {
			problems = append(problems, fmt.Sprintf("metric %q is not exported by any role", sel.Metric))

			continue
		}
		labels = append(labels, targetLabels...)
		for _, label := range sel.Labels {
			if !slices.Contains(labels, label) {
				problems = append(problems, fmt.Sprintf("metric %s has no label %q (it has %s)", sel.Metric, label, strings.Join(labels, ", ")))
			}
		}
		known = append(known, labels...)
	}

	for _, label := range q.Grouping {
		if !slices.Contains(known, label) {
			problems = append(problems, fmt.Sprintf("grouping label %q is on none of the expression's metrics", label))
		}
	}

	return problems
}

// seriesLabels returns the labels of a series name, which may be a
// histogram's or summary's _bucket, _sum or _count series.
func (c Catalog) seriesLabels(series string) ([]string, bool) {
	if series == "" {
		return nil, false
	}
	if labels, ok := syntheticSeries[series]; ok {
		return slices.Clone(labels), true
	}
	if m, ok := c[series]; ok {
		if m.Type == Summary {
			return append(slices.Clone(m.Labels), "quantile"), true
		}
		if m.Type == Histogram {
			// A histogram's own name selects no series.
			return nil, false
		}

		return slices.Clone(m.Labels), true
	}

	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, found := strings.CutSuffix(series, suffix)
		if !found {
			continue
		}
		m, ok := c[base]
		if !ok || (m.Type != Histogram && m.Type != Summary) || (suffix == "_bucket" && m.Type != Histogram) {
			return nil, false
		}
		labels := slices.Clone(m.Labels)
		if suffix == "_bucket" {
			labels = append(labels, "le")
		}

		return labels, true
	}

	return nil, false
}
