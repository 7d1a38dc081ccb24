package metricscatalog

import (
	"fmt"
	"strings"
)

// Prefix starts the name of every metric arenasync defines.
const Prefix = "arenasync_"

// baseUnitSuffixes are the unit suffixes a histogram or summary name may
// end with: Prometheus names use base units.
var baseUnitSuffixes = []string{"_seconds", "_bytes"}

// scaledUnits are unit words that mean a scaled or non-base unit.
var scaledUnits = []string{"_milliseconds", "_microseconds", "_nanoseconds", "_ms", "_minutes", "_hours", "_days", "_kilobytes", "_megabytes", "_kb", "_mb"}

// Lint returns the naming problems of m: the arenasync_ prefix, _total on
// counters and only on counters, a base unit suffix on histograms and
// summaries, and no scaled unit anywhere in the name.
func Lint(m Metric) []string {
	var problems []string
	if !strings.HasPrefix(m.Name, Prefix) {
		problems = append(problems, fmt.Sprintf("%s does not start with %s", m.Name, Prefix))
	}

	isTotal := strings.HasSuffix(m.Name, "_total")
	switch {
	case m.Type == Counter && !isTotal:
		problems = append(problems, fmt.Sprintf("counter %s does not end with _total", m.Name))
	case m.Type != Counter && isTotal:
		problems = append(problems, fmt.Sprintf("%s %s ends with _total, which only counters do", m.Type, m.Name))
	}

	if m.Type == Histogram || m.Type == Summary {
		if !hasAnySuffix(m.Name, baseUnitSuffixes) {
			problems = append(problems, fmt.Sprintf("%s %s does not end with a base unit (%s)", m.Type, m.Name, strings.Join(baseUnitSuffixes, ", ")))
		}
	}

	for _, unit := range scaledUnits {
		if strings.Contains(m.Name+"_", unit+"_") {
			problems = append(problems, fmt.Sprintf("%s uses the unit %s; use seconds or bytes", m.Name, strings.TrimPrefix(unit, "_")))
		}
	}

	return problems
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, suffix := range suffixes {
		if strings.HasSuffix(s, suffix) {
			return true
		}
	}

	return false
}
