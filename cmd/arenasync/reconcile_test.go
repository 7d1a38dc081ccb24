package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/reconcile/reconciletest"
)

// reconcileWorld is a seeded world with the flags that point the
// reconcile command at it.
type reconcileWorld struct {
	*reconciletest.World
	brokers []string
	topic   string
	export  string
	args    []string
}

// seedReconcileWorld seeds a world and creates the worker's topics.
func seedReconcileWorld(t *testing.T, opts reconciletest.Options) *reconcileWorld {
	t.Helper()

	w := &reconcileWorld{World: reconciletest.Seed(t, opts), brokers: testenv.KafkaBrokers(t), topic: testenv.UniqueName(t, "events")}
	w.export = filepath.Join(t.TempDir(), "lms-export.csv")
	if err := os.WriteFile(w.export, w.Export, 0o600); err != nil {
		t.Fatal(err)
	}

	w.args = []string{
		"--redis-addr", testenv.RedisAddr(t), "--redis-prefix", w.Prefix,
		"--arena-url", w.URL, "--arena-client-id", arenasim.DefaultClientID, "--arena-client-secret", arenasim.DefaultClientSecret,
		"--arena-rate-limit", "100000", "--arena-max-concurrent", "32", "--reconcile-workers", "32",
		"--kafka-brokers", strings.Join(w.brokers, ","), "--topic", w.topic,
	}

	return w
}

// reconcile runs `arenasync reconcile` with the world's flags and extra.
func (w *reconcileWorld) reconcile(t *testing.T, extra ...string) runResult {
	t.Helper()

	return runArenasync(t, append(append([]string{"reconcile"}, w.args...), extra...)...)
}

// employeesByCategory collects the employee ids of rows, sorted.
func employeesByCategory(rows [][2]string) map[reconcile.Category][]string {
	got := map[reconcile.Category][]string{}
	for _, r := range rows {
		got[reconcile.Category(r[0])] = append(got[reconcile.Category(r[0])], r[1])
	}
	for _, ids := range got {
		sort.Strings(ids)
	}

	return got
}

// wantRows returns the expected employees of the difference categories.
func wantRows(w *reconciletest.World, categories ...reconcile.Category) map[reconcile.Category][]string {
	want := map[reconcile.Category][]string{}
	for _, c := range categories {
		want[c] = w.Expected[c]
	}

	return want
}

// parseJSONReport decodes the JSON report and returns it with its rows as
// (category, employee) pairs.
func parseJSONReport(t *testing.T, out string) (reconcile.Report, [][2]string) {
	t.Helper()

	var report reconcile.Report
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	var rows [][2]string
	for _, r := range report.Rows {
		rows = append(rows, [2]string{string(r.Category), r.EmployeeID})
	}

	return report, rows
}

// parseTableReport reads the counts and the rows of the table report.
func parseTableReport(t *testing.T, out string) (map[string]string, [][2]string) {
	t.Helper()

	counts := map[string]string{}
	var rows [][2]string
	section := ""
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			continue
		case fields[0] == "CATEGORY":
			section = fields[1]
		case section == "COUNT" && len(fields) == 2:
			counts[fields[0]] = fields[1]
		case section == "EMPLOYEE":
			rows = append(rows, [2]string{fields[0], fields[1]})
		}
	}

	return counts, rows
}

// parseCSVReport reads the two CSV tables of the report.
func parseCSVReport(t *testing.T, out string) (map[string]string, [][2]string) {
	t.Helper()

	summary, rowsText, ok := strings.Cut(out, "\n\n")
	if !ok {
		t.Fatalf("CSV report lacks the empty line between its tables:\n%s", out)
	}
	counts := map[string]string{}
	summaryRecords, err := csv.NewReader(strings.NewReader(summary)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range summaryRecords[1:] {
		counts[r[0]] = r[1]
	}

	records, err := csv.NewReader(strings.NewReader(rowsText)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][2]string
	for _, r := range records[1:] {
		rows = append(rows, [2]string{r[0], r[1]})
	}

	return counts, rows
}

// TestReconcileWorld reconciles a world of 1,000 enrollments with 10 of
// each difference category, prints it in each format, repairs it, lets a
// worker process drain the repairs, and reconciles again.
func TestReconcileWorld(t *testing.T) {
	w := seedReconcileWorld(t, reconciletest.Options{Size: 1000, Per: 10})
	for _, topic := range (consumer.Config{Topic: w.topic, RetryDelays: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}}).Topics() {
		testenv.CreateTopic(t, w.brokers, topic, 3)
	}
	differences := reconcile.DifferenceCategories
	wantCounts := map[string]string{"ok": "950", "missing_in_arena": "10", "mismatch": "10", "unknown_to_lms": "10",
		"stale_pending_approval": "10", "dead_lettered": "10", "in_flight": "0", "differences": "50"}

	t.Run("json", func(t *testing.T) {
		res := w.reconcile(t, "--lms-export", w.export, "--format", "json", "--progress", "bar")
		if res.code != exitDifferences {
			t.Fatalf("exit code = %d, want %d; stderr:\n%s", res.code, exitDifferences, res.stderr)
		}

		report, rows := parseJSONReport(t, res.stdout)
		if got, want := employeesByCategory(rows), wantRows(w.World, differences...); !reflect.DeepEqual(got, want) {
			t.Errorf("rows by category = %v\nwant %v", got, want)
		}
		if report.Counts[reconcile.CategoryOK] != 950 || report.Differences != 50 || report.Enrollments != 1000 || report.ArenaReads != 1000 {
			t.Errorf("ok %d, differences %d, enrollments %d, Arena reads %d; want 950, 50, 1000, 1000",
				report.Counts[reconcile.CategoryOK], report.Differences, report.Enrollments, report.ArenaReads)
		}
		if len(report.Export.Bad) != reconciletest.BadExportRows {
			t.Errorf("bad export rows = %v, want %d", report.Export.Bad, reconciletest.BadExportRows)
		}
		if !strings.Contains(res.stderr, "Arena records read") || !strings.Contains(res.stderr, "1000/1000") {
			t.Errorf("stderr lacks the progress bar at 1000/1000:\n%s", res.stderr)
		}
	})

	t.Run("table", func(t *testing.T) {
		res := w.reconcile(t, "--last", "--format", "table")
		if res.code != exitDifferences {
			t.Fatalf("exit code = %d, want %d; stderr:\n%s", res.code, exitDifferences, res.stderr)
		}

		counts, rows := parseTableReport(t, res.stdout)
		if !reflect.DeepEqual(counts, wantCounts) {
			t.Errorf("counts = %v\nwant %v", counts, wantCounts)
		}
		if got, want := employeesByCategory(rows), wantRows(w.World, differences...); !reflect.DeepEqual(got, want) {
			t.Errorf("rows by category = %v\nwant %v", got, want)
		}
		if !strings.Contains(res.stdout, `completionDate "19.01.2025": "19.01.2025" is not an ISO 8601 date`) || !strings.Contains(res.stdout, `employee "": is empty`) {
			t.Errorf("table lacks the bad export rows:\n%s", res.stdout)
		}
	})

	t.Run("csv", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "report.csv")
		res := w.reconcile(t, "--last", "--format", "csv", "--output", path)
		if res.code != exitDifferences || res.stdout != "" {
			t.Fatalf("exit code = %d, stdout %q; want %d and nothing; stderr:\n%s", res.code, res.stdout, exitDifferences, res.stderr)
		}
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}

		counts, rows := parseCSVReport(t, string(content))
		if !reflect.DeepEqual(counts, wantCounts) {
			t.Errorf("counts = %v\nwant %v", counts, wantCounts)
		}
		if got, want := employeesByCategory(rows), wantRows(w.World, differences...); !reflect.DeepEqual(got, want) {
			t.Errorf("rows by category = %v\nwant %v", got, want)
		}
	})

	t.Run("repair", func(t *testing.T) {
		dry := w.reconcile(t, "--lms-export", w.export, "--format", "json", "--repair", "--dry-run")
		dryReport, _ := parseJSONReport(t, dry.stdout)
		if dry.code != exitDifferences || dryReport.Repair == nil || !dryReport.Repair.DryRun || dryReport.Repair.Enqueued != 10 {
			t.Fatalf("dry run: exit %d, repair %+v; want 1 and 10 marked; stderr:\n%s", dry.code, dryReport.Repair, dry.stderr)
		}

		res := w.reconcile(t, "--lms-export", w.export, "--format", "json", "--repair")
		report, _ := parseJSONReport(t, res.stdout)
		if res.code != exitDifferences || report.Repair == nil || report.Repair.Enqueued != 10 || report.Repair.Failed != 0 || report.Repair.Topic != w.topic {
			t.Fatalf("repair: exit %d, repair %+v; want 1 and 10 enqueued on %s; stderr:\n%s", res.code, report.Repair, w.topic, res.stderr)
		}

		startWorkerProcess(t, w.workerEnv(t))
		w.waitForLedger(t, w.Expected[reconcile.CategoryMissingInArena], ledger.OutcomeDone, 60*time.Second)

		again := w.reconcile(t, "--lms-export", w.export, "--format", "json")
		after, rows := parseJSONReport(t, again.stdout)
		if again.code != exitDifferences {
			t.Fatalf("after the repair: exit code = %d, want %d; stderr:\n%s", again.code, exitDifferences, again.stderr)
		}
		untouched := wantRows(w.World, reconcile.CategoryMismatch, reconcile.CategoryUnknownToLMS, reconcile.CategoryStalePendingApproval, reconcile.CategoryDeadLettered)
		if got := employeesByCategory(rows); !reflect.DeepEqual(got, untouched) {
			t.Errorf("rows after the repair = %v\nwant %v", got, untouched)
		}
		if after.Counts[reconcile.CategoryOK] != 960 || after.Counts[reconcile.CategoryMissingInArena] != 0 {
			t.Errorf("after the repair: ok %d, missing %d; want 960 and 0", after.Counts[reconcile.CategoryOK], after.Counts[reconcile.CategoryMissingInArena])
		}
	})
}

// workerEnv returns the environment of a worker process of the world.
func (w *reconcileWorld) workerEnv(t *testing.T) []string {
	return []string{
		"ARENASYNC_KAFKA_BROKERS=" + strings.Join(w.brokers, ","),
		"ARENASYNC_TOPIC=" + w.topic,
		"ARENASYNC_RETRY_DELAYS=1s,2s,3s",
		"ARENASYNC_GROUP=" + testenv.UniqueName(t, "group"),
		"ARENASYNC_REDIS_ADDR=" + testenv.RedisAddr(t),
		"ARENASYNC_REDIS_PREFIX=" + w.Prefix,
		"ARENASYNC_ARENA_URL=" + w.URL,
		"ARENASYNC_ARENA_CLIENT_ID=" + arenasim.DefaultClientID,
		"ARENASYNC_ARENA_CLIENT_SECRET=" + arenasim.DefaultClientSecret,
		"ARENASYNC_ARENA_RATE_LIMIT=1000",
		"ARENASYNC_OPS_ADDR=",
		"ARENASYNC_LOG_LEVEL=warn",
		"ARENASYNC_COMMIT_INTERVAL=200ms",
	}
}

// waitForLedger waits until the ledger shows outcome for each employee.
func (w *reconcileWorld) waitForLedger(t *testing.T, employees []string, outcome ledger.Outcome, timeout time.Duration) {
	t.Helper()

	store := ledger.NewStore(w.Redis, w.Prefix)
	pollUntil(t, timeout, "the ledger shows the repaired completions done", func() bool {
		for _, employee := range employees {
			e, ok, err := store.Get(t.Context(), employee, reconciletest.Course)
			if err != nil || !ok || e.Outcome != outcome {
				return false
			}
		}

		return true
	})
}

func TestReconcileExitCodes(t *testing.T) {
	w := seedReconcileWorld(t, reconciletest.Options{Size: 10, Per: 1})
	withPrefix := func(prefix string) []string {
		args := append([]string{}, w.args...)
		for i, arg := range args {
			if arg == "--redis-prefix" {
				args[i+1] = prefix
			}
		}

		return args
	}
	empty, neverRun := withPrefix(testenv.RedisPrefix(t)), withPrefix(testenv.RedisPrefix(t))

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "nothing to compare", args: append([]string{"reconcile", "--progress", "none"}, empty...), wantCode: exitAgree},
		{name: "differences", args: append([]string{"reconcile"}, w.args...), wantCode: exitDifferences},
		{name: "unknown format", args: append([]string{"reconcile", "--format", "yaml"}, w.args...), wantCode: exitReconcileError, wantStderr: `unknown report format: "yaml": use table, json or csv`},
		{name: "dry run without repair", args: append([]string{"reconcile", "--dry-run"}, w.args...), wantCode: exitReconcileError, wantStderr: "add --repair"},
		{name: "last with repair", args: append([]string{"reconcile", "--last", "--repair"}, w.args...), wantCode: exitReconcileError, wantStderr: "--last prints the stored report"},
		{name: "unknown flag", args: append([]string{"reconcile", "--colour"}, w.args...), wantCode: exitReconcileError, wantStderr: "unknown flag: --colour"},
		{name: "no stored report", args: append([]string{"reconcile", "--last"}, neverRun...), wantCode: exitReconcileError, wantStderr: "no reconciliation report stored"},
		{name: "bad since", args: append([]string{"reconcile", "--since", "yesterday"}, w.args...), wantCode: exitReconcileError, wantStderr: `since "yesterday" is invalid`},
		{name: "missing export", args: append([]string{"reconcile", "--lms-export", "/nonexistent/lms.csv"}, w.args...), wantCode: exitReconcileError, wantStderr: "--lms-export: open /nonexistent/lms.csv"},
		{name: "Arena unreachable", args: append(append([]string{"reconcile"}, w.args...), "--arena-url", "http://127.0.0.1:1", "--arena-timeout", "1s"),
			wantCode: exitReconcileError, wantStderr: "arena records could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runArenasync(t, tt.args...)
			if res.code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; error: %v", res.code, tt.wantCode, res.err)
			}
			if tt.wantStderr != "" && (res.err == nil || !strings.Contains(res.err.Error(), tt.wantStderr)) {
				t.Errorf("error = %v, want it to contain %q", res.err, tt.wantStderr)
			}
		})
	}
}

// TestReconcileExportWithBadRows reads an export with a byte order mark,
// ';' as separator and blank lines, whose employee column has a name of its
// own. It has a row with an unparseable date, a row without employee and an
// employee without a mapped Arena record. The bad rows are reported and the
// rest is compared.
func TestReconcileExportWithBadRows(t *testing.T) {
	w := seedReconcileWorld(t, reconciletest.Options{Size: 20, Per: 1})
	date := w.Base.Add(19 * time.Minute).Format(time.RFC3339)
	content := "\xEF\xBB\xBFPersonnel number;Course code;Completion date;Score\r\n\r\n" +
		"EMP00020;" + reconciletest.Course + ";" + date + ";79\r\n" +
		"EMP00019;" + reconciletest.Course + ";19/01/2025;78\r\n" +
		";" + reconciletest.Course + ";" + date + ";78\r\n\r\n" +
		"EMP09999;" + reconciletest.Course + ";" + date + ";50\r\n"
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	unnamed := w.reconcile(t, "--lms-export", path)
	if unnamed.code != exitReconcileError || !strings.Contains(unnamed.err.Error(), "--lms-employee-column") {
		t.Fatalf("export without a known employee column: exit %d, %v; want 2 naming --lms-employee-column", unnamed.code, unnamed.err)
	}

	res := w.reconcile(t, "--lms-export", path, "--lms-employee-column", "Personnel number", "--format", "json")
	if res.code != exitDifferences {
		t.Fatalf("exit code = %d, want %d; error: %v", res.code, exitDifferences, res.err)
	}
	report, _ := parseJSONReport(t, res.stdout)

	var bad []string
	for _, b := range report.Export.Bad {
		bad = append(bad, b.String())
	}
	wantBad := []string{
		`line 4: completionDate "19/01/2025": "19/01/2025" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`,
		`line 5: employee "": is empty`,
	}
	if !reflect.DeepEqual(bad, wantBad) {
		t.Errorf("bad rows = %q\nwant %q", bad, wantBad)
	}

	var unmapped *reconcile.Row
	for i, row := range report.Rows {
		if row.EmployeeID == "EMP09999" {
			unmapped = &report.Rows[i]
		}
	}
	if unmapped == nil || unmapped.Category != reconcile.CategoryMissingInArena || !strings.Contains(unmapped.Detail, "no Arena training record is mapped") {
		t.Errorf("row of the unmapped employee = %+v, want missing_in_arena without a mapped record", unmapped)
	}
	if report.Export.Columns["employee"] != "Personnel number" || report.Export.Separator != ";" || report.Export.DataRows != 4 {
		t.Errorf("export columns %v, separator %q, data rows %d; want Personnel number, ; and 4", report.Export.Columns, report.Export.Separator, report.Export.DataRows)
	}
}
