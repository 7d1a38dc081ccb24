package reconcile_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/reconcile/reconciletest"
)

func TestRunFindsEveryCategory(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 120, Per: 4})
	r := newReconciler(t, w, reconcile.Config{}, nil)

	report, err := r.Run(testContext(t), reconcile.Options{Export: readExport(t, w)})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range reconcile.DifferenceCategories {
		if got := employeesOf(report, c); !reflect.DeepEqual(got, w.Expected[c]) {
			t.Errorf("%s rows = %v\nwant %v", c, got, w.Expected[c])
		}
		if report.Counts[c] != 4 {
			t.Errorf("count of %s = %d, want 4", c, report.Counts[c])
		}
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{"ok", report.Counts[reconcile.CategoryOK], 120 - 5*4},
		{"in_flight", report.Counts[reconcile.CategoryInFlight], 0},
		{"differences", report.Differences, 5 * 4},
		{"enrollments", report.Enrollments, 120},
		{"without completion", report.WithoutCompletion, 0},
		{"Arena records", report.ArenaRecords, 120},
		{"Arena reads", report.ArenaReads, 120},
		{"simulator GET calls", getRecordCalls(w.Sim), 120},
		{"bad export rows", len(report.Export.Bad), reconciletest.BadExportRows},
		{"export rows not completed", report.Export.NotCompleted, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if w.PendingOK == 0 {
		t.Error("the world has no recent pending approval, so the stale age is not tested")
	}
}

func TestRunRowsName(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 30, Per: 2})
	report, err := newReconciler(t, w, reconcile.Config{}, nil).Run(testContext(t), reconcile.Options{Export: readExport(t, w)})
	if err != nil {
		t.Fatal(err)
	}

	byEmployee := map[string]reconcile.Row{}
	for _, row := range report.Rows {
		byEmployee[row.EmployeeID] = row
	}
	tests := []struct {
		employee   string
		category   reconcile.Category
		source     string
		arena      string
		reason     string
		reviewID   bool
		detailPart string
	}{
		{employee: "EMP00001", category: reconcile.CategoryMissingInArena, source: reconcile.SourceExport, arena: "ASSIGNED", detailPart: "--repair puts the completion back"},
		{employee: "EMP00002", category: reconcile.CategoryMissingInArena, source: reconcile.SourceLedger, arena: "IN_PROGRESS", reason: "arena_unavailable", detailPart: "--repair puts"},
		{employee: "EMP00003", category: reconcile.CategoryMismatch, source: reconcile.SourceExport, arena: "COMPLETED", detailPart: "the date differs"},
		{employee: "EMP00004", category: reconcile.CategoryMismatch, source: reconcile.SourceExport, arena: "COMPLETED", detailPart: "the score differs"},
		{employee: "EMP00005", category: reconcile.CategoryUnknownToLMS, arena: "COMPLETED", detailPart: "neither the LMS export nor the ledger"},
		{employee: "EMP00007", category: reconcile.CategoryStalePendingApproval, source: reconcile.SourceLedger, arena: "PENDING_APPROVAL", detailPart: "waiting for approval in Arena since"},
		{employee: "EMP00009", category: reconcile.CategoryDeadLettered, source: reconcile.SourceLedger, arena: "ASSIGNED", reason: reconciletest.DeadLetterReason, reviewID: true, detailPart: "`arenasync dlt show lms.training.events.dlt-0-8`"},
	}
	for _, tt := range tests {
		t.Run(tt.employee, func(t *testing.T) {
			row, ok := byEmployee[tt.employee]
			if !ok {
				t.Fatalf("no row for %s", tt.employee)
			}
			if row.Category != tt.category || row.LMSSource != tt.source || row.ArenaStatus != tt.arena || row.Reason != tt.reason {
				t.Errorf("row = %+v\nwant category %s, source %q, Arena %s, reason %q", row, tt.category, tt.source, tt.arena, tt.reason)
			}
			if (row.ReviewEntryID != "") != tt.reviewID {
				t.Errorf("review entry id = %q, want one: %v", row.ReviewEntryID, tt.reviewID)
			}
			if !strings.Contains(row.Detail, tt.detailPart) {
				t.Errorf("detail = %q, want it to contain %q", row.Detail, tt.detailPart)
			}
		})
	}
}

func TestRunWithoutExport(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 40, Per: 4})

	report, err := newReconciler(t, w, reconcile.Config{}, nil).Run(testContext(t), reconcile.Options{})
	if err != nil {
		t.Fatal(err)
	}

	// Only the ledger contains the odd missing completions. The even ones
	// are in the export alone, so without it neither side has them.
	if got, want := employeesOf(report, reconcile.CategoryMissingInArena), []string{"EMP00002", "EMP00004"}; !reflect.DeepEqual(got, want) {
		t.Errorf("missing_in_arena = %v, want %v", got, want)
	}
	if report.WithoutCompletion != 2 || report.Export != nil {
		t.Errorf("without completion = %d, export %v; want 2 and nil", report.WithoutCompletion, report.Export)
	}
}

func TestRunSince(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 40, Per: 4})
	r := newReconciler(t, w, reconcile.Config{}, nil)

	// EMP00010 and later complete at or after since. The even mismatches
	// complete before it in the LMS, but a day later in Arena, so they
	// are in.
	since := w.Base.Add(9 * time.Minute)
	report, err := r.Run(testContext(t), reconcile.Options{Export: readExport(t, w), Since: since})
	if err != nil {
		t.Fatal(err)
	}

	want := map[reconcile.Category][]string{
		reconcile.CategoryMissingInArena:       nil,
		reconcile.CategoryMismatch:             {"EMP00005", "EMP00007"},
		reconcile.CategoryUnknownToLMS:         {"EMP00010", "EMP00011", "EMP00012"},
		reconcile.CategoryStalePendingApproval: w.Expected[reconcile.CategoryStalePendingApproval],
		reconcile.CategoryDeadLettered:         w.Expected[reconcile.CategoryDeadLettered],
	}
	for c, employees := range want {
		if got := employeesOf(report, c); !reflect.DeepEqual(got, employees) {
			t.Errorf("%s since %s = %v, want %v", c, since, got, employees)
		}
	}
	if report.Counts[reconcile.CategoryOK] != 20 || !report.Since.Equal(since) {
		t.Errorf("ok = %d, since %s; want 20 and %s", report.Counts[reconcile.CategoryOK], report.Since, since)
	}
}

func TestRunResumesAfterInterruption(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 300, Per: 10, Sim: arenasim.Config{Latency: 3 * time.Millisecond}})
	r := newReconciler(t, w, reconcile.Config{Workers: 4}, nil)

	ctx, cancel := contextWithCancel(t)
	go func() {
		for getRecordCalls(w.Sim) < 100 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := r.Run(ctx, reconcile.Options{Export: readExport(t, w)})
	if !errors.Is(err, reconcile.ErrInterrupted) {
		t.Fatalf("interrupted Run = %v, want an error wrapping ErrInterrupted", err)
	}

	runID := w.Redis.HGet(testContext(t), w.Prefix+"reconcile:run", "id").Val()
	saved := int(w.Redis.HLen(testContext(t), w.Prefix+"reconcile:run:"+runID+":records").Val())
	if saved == 0 || saved >= 300 {
		t.Fatalf("the interrupted run saved %d records, want 1 to 299", saved)
	}

	// The simulator counts a call when it responds, so a call that the
	// cancellation cut short on the client side may be counted later.
	waitSimQuiet(t, w.Sim)
	w.Sim.ResetStats()

	report, err := r.Run(testContext(t), reconcile.Options{Export: readExport(t, w)})
	if err != nil {
		t.Fatal(err)
	}

	if got := getRecordCalls(w.Sim); got != 300-saved {
		t.Errorf("the resumed run sent %d GET calls, want %d (300 minus the %d saved)", got, 300-saved, saved)
	}
	if !report.Resumed || report.RunID != runID || report.ArenaReads != 300-saved || report.ArenaRecords != 300 {
		t.Errorf("report resumed %v, run %s, reads %d, records %d; want true, %s, %d, 300", report.Resumed, report.RunID, report.ArenaReads, report.ArenaRecords, runID, 300-saved)
	}
	if report.Differences != 50 {
		t.Errorf("differences = %d, want 50", report.Differences)
	}
	if n := w.Redis.Exists(testContext(t), w.Prefix+"reconcile:run", w.Prefix+"reconcile:run:"+runID+":records").Val(); n != 0 {
		t.Errorf("%d checkpoint keys remain after the finished run, want 0", n)
	}

	w.Sim.ResetStats()
	if _, err := r.Run(testContext(t), reconcile.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := getRecordCalls(w.Sim); got != 300 {
		t.Errorf("a new run after a finished one sent %d GET calls, want 300", got)
	}
}

func TestRunRestartDiscardsInterruptedRun(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 50, Per: 2})
	reader := newFailingReader(arenaClient(t, w), 500, "TR-000050")
	r := newReconcilerWith(t, w, reconcile.Config{FetchAttempts: 1}, nil, reader)
	if _, err := r.Run(testContext(t), reconcile.Options{}); !errors.Is(err, reconcile.ErrArenaRead) {
		t.Fatalf("Run with a failing record = %v, want ErrArenaRead", err)
	}
	reader.heal()
	w.Sim.ResetStats()

	report, err := r.Run(testContext(t), reconcile.Options{Restart: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := getRecordCalls(w.Sim); got != 50 || report.Resumed {
		t.Errorf("restarted run sent %d GET calls, resumed %v; want 50 and false", got, report.Resumed)
	}
}

func TestRunArenaReadFailure(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 40, Per: 2})
	failing := []string{"TR-000003", "TR-000017", "TR-000030"}
	reader := newFailingReader(arenaClient(t, w), 503, failing...)
	r := newReconcilerWith(t, w, reconcile.Config{FetchAttempts: 3}, nil, reader)

	_, err := r.Run(testContext(t), reconcile.Options{})
	if !errors.Is(err, reconcile.ErrArenaRead) || !strings.Contains(err.Error(), "3 of 40 failed") {
		t.Fatalf("Run = %v, want ErrArenaRead naming 3 of 40", err)
	}
	for _, id := range failing {
		if reader.calls[id] != 3 {
			t.Errorf("record %s was read %d times, want 3 (FetchAttempts)", id, reader.calls[id])
		}
	}
	if got := getRecordCalls(w.Sim); got != 37 {
		t.Errorf("GET calls that reached Arena = %d, want 37", got)
	}

	reader.heal()
	w.Sim.ResetStats()
	report, err := r.Run(testContext(t), reconcile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := getRecordCalls(w.Sim); got != 3 || !report.Resumed {
		t.Errorf("the next run sent %d GET calls, resumed %v; want 3 and true", got, report.Resumed)
	}
}

func TestRunRecordNotRetriedOnClientError(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 10, Per: 1})
	reader := newFailingReader(arenaClient(t, w), 403, "TR-000004")
	r := newReconcilerWith(t, w, reconcile.Config{FetchAttempts: 3}, nil, reader)

	_, err := r.Run(testContext(t), reconcile.Options{})
	if !errors.Is(err, reconcile.ErrArenaRead) || reader.calls["TR-000004"] != 1 {
		t.Errorf("Run = %v after %d reads of TR-000004, want ErrArenaRead after 1", err, reader.calls["TR-000004"])
	}
}

func TestRunLockedByAnotherProcess(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 10, Per: 1})
	if err := w.Redis.Set(testContext(t), w.Prefix+"reconcile:lock", "other-host/42", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	_, err := newReconciler(t, w, reconcile.Config{}, nil).Run(testContext(t), reconcile.Options{})
	if !errors.Is(err, reconcile.ErrRunning) || !strings.Contains(err.Error(), "other-host/42") {
		t.Errorf("Run = %v, want ErrRunning naming other-host/42", err)
	}
	if got := getRecordCalls(w.Sim); got != 0 {
		t.Errorf("GET calls = %d while another process holds the lock, want 0", got)
	}
}

func TestRunRepair(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 40, Per: 4})
	r := newReconciler(t, w, reconcile.Config{}, nil)

	t.Run("dry run", func(t *testing.T) {
		enqueuer := &fakeEnqueuer{}
		report, err := r.Run(testContext(t), reconcile.Options{Export: readExport(t, w), Repair: enqueuer, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(enqueuer.events) != 0 || report.Repair.Enqueued != 4 || !report.Repair.DryRun {
			t.Errorf("dry run wrote %d events, summary %+v; want none and 4 marked", len(enqueuer.events), report.Repair)
		}
		for _, row := range report.Rows {
			want := ""
			if row.Category == reconcile.CategoryMissingInArena {
				want = reconcile.RepairDryRun
			}
			if row.Repair != want {
				t.Errorf("%s %s repair = %q, want %q", row.Category, row.EmployeeID, row.Repair, want)
			}
		}
	})

	t.Run("events", func(t *testing.T) {
		enqueuer := &fakeEnqueuer{}
		report, err := r.Run(testContext(t), reconcile.Options{Export: readExport(t, w), Repair: enqueuer})
		if err != nil {
			t.Fatal(err)
		}

		if len(enqueuer.events) != 4 || report.Repair.Enqueued != 4 || report.Repair.Failed != 0 {
			t.Fatalf("repair wrote %d events, summary %+v; want 4", len(enqueuer.events), report.Repair)
		}
		byEmployee := map[string]string{}
		for _, e := range enqueuer.events {
			byEmployee[e.EmployeeID] = e.ID + " " + e.Source + " " + e.TrainingRecordID + " " + e.CompletionDate
			if e.Type != "course.completed" || e.Status != "COMPLETED" || e.CourseID != reconciletest.Course {
				t.Errorf("event %+v is not a completion of %s", e, reconciletest.Course)
			}
		}
		// EMP00002 and EMP00004 are in the ledger and keep their event id;
		// EMP00001 and EMP00003 are only in the export.
		if !strings.HasPrefix(byEmployee["EMP00001"], "reconcile-") || !strings.Contains(byEmployee["EMP00001"], " lms-export TR-000001 ") {
			t.Errorf("EMP00001 event = %q, want a reconcile- id from lms-export for TR-000001", byEmployee["EMP00001"])
		}
		if !strings.HasPrefix(byEmployee["EMP00002"], reconciletest.EventID(1)+" lms TR-000002 ") {
			t.Errorf("EMP00002 event = %q, want the ledger's %s from lms for TR-000002", byEmployee["EMP00002"], reconciletest.EventID(1))
		}
	})

	t.Run("failed write", func(t *testing.T) {
		first := &fakeEnqueuer{}
		if _, err := r.Run(testContext(t), reconcile.Options{Repair: first}); err != nil {
			t.Fatal(err)
		}
		enqueuer := &fakeEnqueuer{fail: map[string]error{first.events[0].ID: errors.New("broker down")}}

		report, err := r.Run(testContext(t), reconcile.Options{Repair: enqueuer})
		if !errors.Is(err, reconcile.ErrRepair) || !strings.Contains(err.Error(), "broker down") {
			t.Fatalf("Run = %v, want ErrRepair with the write error", err)
		}
		if report.Repair == nil || report.Repair.Failed != 1 || report.Repair.Enqueued != len(first.events)-1 {
			t.Errorf("repair summary = %+v, want 1 failed and %d enqueued", report.Repair, len(first.events)-1)
		}
	})
}

func TestLastReport(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 20, Per: 2})

	if _, err := reconcile.LastReport(testContext(t), w.Redis, w.Prefix); !errors.Is(err, reconcile.ErrNoReport) {
		t.Fatalf("LastReport before any run = %v, want ErrNoReport", err)
	}

	report, err := newReconciler(t, w, reconcile.Config{}, nil).Run(testContext(t), reconcile.Options{Export: readExport(t, w)})
	if err != nil {
		t.Fatal(err)
	}
	last, err := reconcile.LastReport(testContext(t), w.Redis, w.Prefix)
	if err != nil {
		t.Fatal(err)
	}

	report.Export.Rows = nil
	if !reflect.DeepEqual(last, report) {
		t.Errorf("LastReport =\n%+v\nwant\n%+v", last, report)
	}
}

func TestRunMetrics(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 30, Per: 3})
	reg := prometheus.NewRegistry()
	reader := newFailingReader(arenaClient(t, w), 400)
	r := newReconcilerWith(t, w, reconcile.Config{}, reconcile.NewMetrics(reg), reader)

	before := time.Now().Unix()
	if _, err := r.Run(testContext(t), reconcile.Options{Export: readExport(t, w)}); err != nil {
		t.Fatal(err)
	}
	w.Redis.Set(testContext(t), w.Prefix+"reconcile:lock", "other", time.Minute)
	if _, err := r.Run(testContext(t), reconcile.Options{}); !errors.Is(err, reconcile.ErrRunning) {
		t.Fatalf("Run while locked = %v, want ErrRunning", err)
	}
	w.Redis.Del(testContext(t), w.Prefix+"reconcile:lock")
	reader.fail["TR-000001"] = 400
	if _, err := r.Run(testContext(t), reconcile.Options{}); !errors.Is(err, reconcile.ErrArenaRead) {
		t.Fatalf("Run with an unreadable record = %v, want ErrArenaRead", err)
	}

	want := `
# HELP arenasync_reconcile_differences Differences between the LMS and Arena found by the last finished reconciliation, by category.
# TYPE arenasync_reconcile_differences gauge
arenasync_reconcile_differences{category="dead_lettered"} 3
arenasync_reconcile_differences{category="mismatch"} 3
arenasync_reconcile_differences{category="missing_in_arena"} 3
arenasync_reconcile_differences{category="stale_pending_approval"} 3
arenasync_reconcile_differences{category="unknown_to_lms"} 3
# HELP arenasync_reconcile_runs_total Reconciliations by result: agree, differences (found some) or error (interrupted, Arena unreadable, repair failed).
# TYPE arenasync_reconcile_runs_total counter
arenasync_reconcile_runs_total{result="agree"} 0
arenasync_reconcile_runs_total{result="differences"} 1
arenasync_reconcile_runs_total{result="error"} 1
# HELP arenasync_reconcile_arena_reads_total GET calls for Arena training records sent by reconciliations, retries included.
# TYPE arenasync_reconcile_arena_reads_total counter
arenasync_reconcile_arena_reads_total 60
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "arenasync_reconcile_differences", "arenasync_reconcile_runs_total", "arenasync_reconcile_arena_reads_total"); err != nil {
		t.Error(err)
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		value := f.GetMetric()[0].GetGauge().GetValue()
		switch f.GetName() {
		case "arenasync_reconcile_last_success_timestamp_seconds":
			if int64(value) < before || int64(value) > time.Now().Unix() {
				t.Errorf("%s = %v, want a time between %d and now", f.GetName(), value, before)
			}
		case "arenasync_reconcile_duration_seconds":
			if value <= 0 || value > 60 {
				t.Errorf("%s = %v, want a duration above 0 and below 60", f.GetName(), value)
			}
		}
	}
}
