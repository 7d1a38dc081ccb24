package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// stageTimes summarizes every *_seconds histogram of reg as its mean in
// milliseconds and its count, so a run shows where the time of an event
// goes (handler, Arena call, rate limit wait).
func stageTimes(reg *prometheus.Registry) string {
	families, err := reg.Gather()
	if err != nil {
		return "metrics unavailable: " + err.Error()
	}

	var parts []string
	for _, family := range families {
		if !strings.HasSuffix(family.GetName(), "_seconds") {
			continue
		}
		var sum float64
		var count uint64
		for _, metric := range family.GetMetric() {
			if h := metric.GetHistogram(); h != nil {
				sum += h.GetSampleSum()
				count += h.GetSampleCount()
			}
		}
		if count > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2fms×%d", strings.TrimPrefix(family.GetName(), "arenasync_"), sum*1000/float64(count), count))
		}
	}
	sort.Strings(parts)

	return strings.Join(parts, ", ")
}

// counterTotals sums each counter family of reg whose name has one of
// prefixes, label values summed, for a figure's note.
func counterTotals(reg *prometheus.Registry, prefixes ...string) string {
	families, err := reg.Gather()
	if err != nil {
		return "metrics unavailable: " + err.Error()
	}

	var parts []string
	for _, family := range families {
		name := strings.TrimPrefix(family.GetName(), "arenasync_")
		if !hasAnyPrefix(name, prefixes) {
			continue
		}

		var sum float64
		counter := false
		for _, metric := range family.GetMetric() {
			if c := metric.GetCounter(); c != nil {
				sum += c.GetValue()
				counter = true
			}
		}
		if counter {
			parts = append(parts, fmt.Sprintf("%s %.0f", name, sum))
		}
	}
	sort.Strings(parts)

	return strings.Join(parts, ", ")
}

// hasAnyPrefix reports whether name starts with one of prefixes.
func hasAnyPrefix(name string, prefixes []string) bool {
	for _, prefix := range prefixes {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}

	return false
}
