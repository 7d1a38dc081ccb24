package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/arenasync/arenasync/internal/metricscatalog"
)

// Paths of the Grafana files, relative to this folder.
const (
	dashboardFile  = "grafana/dashboards/arenasync.json"
	datasourceFile = "grafana/provisioning/datasources/prometheus.yml"
)

// dashboard is the part of a Grafana dashboard model the checks read.
type dashboard struct {
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"`
}

type target struct {
	RefID      string      `json:"refId"`
	Expr       string      `json:"expr"`
	Datasource *datasource `json:"datasource"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// readDashboard parses the dashboard and returns its panels, those inside
// collapsed rows included.
func readDashboard(t *testing.T) (dashboard, []panel) {
	t.Helper()

	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s is not a valid dashboard JSON: %v", dashboardFile, err)
	}

	var all []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			all = append(all, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)

	return d, all
}

// provisionedDatasourceUID returns the uid of the provisioned Prometheus data source.
func provisionedDatasourceUID(t *testing.T) string {
	t.Helper()

	data, err := os.ReadFile(datasourceFile)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatalf("%s: %v", datasourceFile, err)
	}
	if len(file.Datasources) != 1 || file.Datasources[0].Type != "prometheus" || file.Datasources[0].UID == "" {
		t.Fatalf("%s must provision exactly one prometheus data source with a uid, got %+v", datasourceFile, file.Datasources)
	}

	return file.Datasources[0].UID
}

// queryPanels returns the panels that run queries: all but rows.
func queryPanels(panels []panel) []panel {
	var out []panel
	for _, p := range panels {
		if p.Type != "row" {
			out = append(out, p)
		}
	}

	return out
}

func TestDashboardStructure(t *testing.T) {
	d, panels := readDashboard(t)
	uid := provisionedDatasourceUID(t)

	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q and title %q must both be set, so provisioning and links find it", d.UID, d.Title)
	}

	ids := make(map[int]string)
	for _, p := range panels {
		if other, ok := ids[p.ID]; ok {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
	}

	for _, p := range queryPanels(panels) {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		if p.Datasource == nil || p.Datasource.UID != uid {
			t.Errorf("panel %q uses data source %+v, want the provisioned uid %q", p.Title, p.Datasource, uid)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != uid {
				t.Errorf("panel %q query %s uses data source %+v, want uid %q", p.Title, tg.RefID, tg.Datasource, uid)
			}
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q query %s has no expression", p.Title, tg.RefID)
			}
		}
	}
}

// TestDashboardQueriesExportedMetrics fails when a panel queries a metric
// that no role registers, or a label that metric does not carry.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	_, panels := readDashboard(t)
	catalog := metricscatalog.NewCatalog(roleCatalog(t))

	for _, p := range queryPanels(panels) {
		for _, tg := range p.Targets {
			for _, problem := range catalog.Check(tg.Expr) {
				t.Errorf("panel %q query %s: %s", p.Title, tg.RefID, problem)
			}
		}
	}
}

// TestDashboardCoversPipeline checks that the dashboard shows every stage
// operators watch.
func TestDashboardCoversPipeline(t *testing.T) {
	_, panels := readDashboard(t)
	queried := make(map[string]bool)
	for _, p := range queryPanels(panels) {
		for _, tg := range p.Targets {
			q, err := metricscatalog.ParseQuery(tg.Expr)
			if err != nil {
				t.Fatal(err)
			}
			for _, sel := range q.Selectors {
				queried[sel.Metric] = true
			}
		}
	}

	required := []string{
		"arenasync_worker_events_processed_total",
		"arenasync_arena_request_duration_seconds_bucket",
		"arenasync_worker_retries_total",
		"arenasync_worker_dead_letters_total",
		"arenasync_consumer_lag",
		"arenasync_arena_token_expiry_seconds",
		"arenasync_arena_circuit_state",
		"arenasync_end_to_end_latency_seconds_bucket",
		"arenasync_oldest_unrecorded_completion_age_seconds",
	}
	for _, metric := range required {
		if !queried[metric] {
			t.Errorf("no panel queries %s", metric)
		}
	}
}

// grafanaVariables replaces Grafana's built-in interval variables with
// durations, so promtool can parse the expressions.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "1m", "${__rate_interval}", "1m", "$__interval", "1m", "$__range", "1h")

// TestDashboardQueriesParse runs every panel query through promtool's
// PromQL parser, as recording rules of a generated rule file.
func TestDashboardQueriesParse(t *testing.T) {
	tool := promtool(t)
	_, panels := readDashboard(t)

	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for _, p := range queryPanels(panels) {
		for _, tg := range p.Targets {
			expr := grafanaVariables.Replace(tg.Expr)
			if strings.Contains(expr, "$") {
				t.Errorf("panel %q query %s uses a Grafana variable this check does not know: %s", p.Title, tg.RefID, tg.Expr)

				continue
			}
			rules = append(rules, rule{Record: fmt.Sprintf("dashboard:panel_%d:%s", p.ID, strings.ToLower(tg.RefID)), Expr: expr})
		}
	}

	file := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
	data, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard.rules.yml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	out := runTool(t, "", tool, "check", "rules", path)
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(rules)); !strings.Contains(out, want) {
		t.Errorf("promtool output lacks %q:\n%s", want, out)
	}
}

// dashboardExpr returns the expression of the panel with the given title.
func dashboardExpr(t *testing.T, title string) string {
	t.Helper()

	_, panels := readDashboard(t)
	idx := slices.IndexFunc(panels, func(p panel) bool { return p.Title == title })
	if idx < 0 || len(panels[idx].Targets) != 1 {
		t.Fatalf("dashboard has no panel %q with exactly one query", title)
	}

	return panels[idx].Targets[0].Expr
}
