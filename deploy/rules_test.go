package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/arenasync/arenasync/internal/metricscatalog"
)

// ruleFile is the part of a Prometheus rule file the checks read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// ruleTestFile is the part of a promtool rule test file the checks read.
type ruleTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// requiredAlerts are the conditions operators must hear about.
var requiredAlerts = []string{
	"ArenasyncDeadLettersGrowing",
	"ArenasyncConsumerLagGrowing",
	"ArenasyncArenaCircuitOpen",
	"ArenasyncTokenRefreshFailing",
	"ArenasyncNoEventsProcessed",
	"ArenasyncCompletionNotRecorded",
}

func globFiles(t *testing.T, pattern string) []string {
	t.Helper()

	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no file matches %s (%v)", pattern, err)
	}

	return files
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestPromtoolCheckRules(t *testing.T) {
	tool := promtool(t)
	args := append([]string{"check", "rules"}, globFiles(t, "prometheus/*.rules.yml")...)
	out := runTool(t, "", tool, args...)
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool check rules printed no SUCCESS:\n%s", out)
	}
}

func TestPromtoolTestRules(t *testing.T) {
	tool := promtool(t)
	args := append([]string{"test", "rules"}, globFiles(t, "prometheus/*_test.yml")...)
	out := runTool(t, "", tool, args...)
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules printed no SUCCESS:\n%s", out)
	}
}

func TestPromtoolCheckConfig(t *testing.T) {
	tool := promtool(t)
	runTool(t, "", tool, "check", "config", "prometheus/prometheus.yml")
}

// TestRulesQueryExportedMetrics fails when a rule queries a metric that no
// role registers and no recording rule records, or a label it lacks.
func TestRulesQueryExportedMetrics(t *testing.T) {
	metrics := roleCatalog(t)

	var rules ruleFile
	for _, path := range globFiles(t, "prometheus/*.rules.yml") {
		var f ruleFile
		readYAML(t, path, &f)
		rules.Groups = append(rules.Groups, f.Groups...)
	}

	// Recorded series are known to the expressions that use them, with the
	// labels of their grouping clause.
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record == "" {
				continue
			}
			q, err := metricscatalog.ParseQuery(r.Expr)
			if err != nil {
				t.Fatal(err)
			}
			metrics = append(metrics, metricscatalog.Metric{Name: r.Record, Type: metricscatalog.Gauge, Labels: q.Grouping})
		}
	}
	catalog := metricscatalog.NewCatalog(metrics)

	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for _, problem := range catalog.Check(r.Expr) {
				t.Errorf("rule %s%s in group %s: %s", r.Alert, r.Record, g.Name, problem)
			}
		}
	}
}

// TestEveryAlertUnitTested requires the listed alerts, and for every
// alert a unit test where it fires and one where it stays silent.
func TestEveryAlertUnitTested(t *testing.T) {
	var alerts []string
	for _, path := range globFiles(t, "prometheus/*.rules.yml") {
		var f ruleFile
		readYAML(t, path, &f)
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					alerts = append(alerts, r.Alert)
				}
			}
		}
	}

	for _, name := range requiredAlerts {
		if !slices.Contains(alerts, name) {
			t.Errorf("alert %s is missing from prometheus/*.rules.yml", name)
		}
	}

	fires := make(map[string]bool)
	silent := make(map[string]bool)
	for _, path := range globFiles(t, "prometheus/*_test.yml") {
		var f ruleTestFile
		readYAML(t, path, &f)
		for _, tc := range f.Tests {
			for _, check := range tc.AlertRuleTest {
				if len(check.ExpAlerts) > 0 {
					fires[check.Alertname] = true
				} else {
					silent[check.Alertname] = true
				}
			}
		}
	}

	for _, name := range alerts {
		if !fires[name] {
			t.Errorf("alert %s has no unit test in which it fires", name)
		}
		if !silent[name] {
			t.Errorf("alert %s has no unit test in which it stays silent", name)
		}
	}
}
