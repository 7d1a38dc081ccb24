package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/reconcile/reconciletest"
)

func TestScheduleOptionsConfig(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		opts     scheduleOptions
		wantAt   time.Duration
		wantZone *time.Location
		wantErr  string
	}{
		{name: "defaults", opts: scheduleOptions{at: "02:00", timeZone: "UTC"}, wantAt: 2 * time.Hour, wantZone: time.UTC},
		{name: "zone", opts: scheduleOptions{at: "23:30", timeZone: "Europe/Berlin"}, wantAt: 23*time.Hour + 30*time.Minute, wantZone: berlin},
		{name: "bad time", opts: scheduleOptions{at: "2am", timeZone: "UTC"}, wantErr: `--reconcile-at: invalid reconciliation config: time of day "2am" is not HH:MM on a 24-hour clock, such as 02:00`},
		{name: "bad zone", opts: scheduleOptions{at: "02:00", timeZone: "Mars/Olympus"}, wantErr: `--reconcile-time-zone "Mars/Olympus" is not an IANA time zone such as Europe/Berlin: unknown time zone Mars/Olympus`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.opts.config("arenasync:")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("config error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.At != tt.wantAt || cfg.Location.String() != tt.wantZone.String() || cfg.Prefix != "arenasync:" {
				t.Errorf("config at %s in %s, prefix %q; want %s in %s and arenasync:", cfg.At, cfg.Location, cfg.Prefix, tt.wantAt, tt.wantZone)
			}
		})
	}
}

func TestScheduleOffWithoutTimeOrArena(t *testing.T) {
	tests := []struct {
		name string
		opts scheduleOptions
	}{
		{name: "no time", opts: scheduleOptions{at: "", settings: reconcileSettings{arena: arenaOptions{url: "http://127.0.0.1:1"}}}},
		{name: "no Arena URL", opts: scheduleOptions{at: "02:00", timeZone: "UTC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := tt.opts.buildSchedule(nil, "arenasync:", nil, zap.NewNop(), nil)
			if err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := run(ctx); err != nil {
				t.Errorf("idle schedule returned %v, want nil", err)
			}
		})
	}
}

func TestDifferencesMessage(t *testing.T) {
	report := reconcile.Report{RunID: "0123456789abcdef", Differences: 13, Counts: map[reconcile.Category]int{
		reconcile.CategoryOK: 900, reconcile.CategoryMissingInArena: 10, reconcile.CategoryDeadLettered: 3,
	}}

	msg := differencesMessage(report)

	want := "The daily reconciliation 0123456789abcdef found 13 differences between the LMS and Arena: missing_in_arena 10, dead_lettered 3. Run `arenasync reconcile --last` to see them."
	if msg.Text != want || msg.Count != 13 || msg.Reason != "reconciliation" {
		t.Errorf("message = %+v\nwant text %q, count 13, reason reconciliation", msg, want)
	}
}

func TestRunBesideWaitsForBoth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	slowDone := make(chan struct{})

	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := runBeside(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil }, func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond)
		close(slowDone)
		return context.Canceled
	})

	select {
	case <-slowDone:
	default:
		t.Error("runBeside returned before its second function ended")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("runBeside = %v, want the second function's error", err)
	}
}

// TestScheduledRunNotifiesAndExportsMetrics runs one scheduled
// reconciliation of a world with differences, as the reconciler role
// wires it: the administrators' webhook receives one message, and the
// role's registry holds the reconciliation metrics.
func TestScheduledRunNotifiesAndExportsMetrics(t *testing.T) {
	w := seedReconcileWorld(t, reconciletest.Options{Size: 20, Per: 2})

	var mu sync.Mutex
	var texts []string
	hook := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var payload struct {
			Text string `json:"text"`
		}
		_ = json.NewDecoder(r.Body).Decode(&payload)
		mu.Lock()
		texts = append(texts, payload.Text)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)

	reg := prometheus.NewRegistry()
	notifier, err := notify.New(notify.Config{WebhookURL: hook.URL + "/services/SECRET"}, nil, zap.NewNop(), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	notified := make(chan error, 1)
	go func() { notified <- notifier.Run(ctx) }()

	o := scheduleOptions{settings: reconcileSettings{arena: arenaOptions{url: w.URL, clientID: arenasim.DefaultClientID, clientSecret: arenasim.DefaultClientSecret},
		tokenCache: "redis", rate: 1000, maxConcurrent: 8, workers: 8, lmsExport: w.export,
		employeeColumn: reconcile.DefaultExportColumns.Employee, courseColumn: reconcile.DefaultExportColumns.Course, dateColumn: reconcile.DefaultExportColumns.CompletionDate}}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	reconciler, err := o.settings.buildReconciler(w.Redis, w.Prefix, &http.Client{Transport: transport}, reconcile.NewMetrics(reg), zap.NewNop(), reg)
	if err != nil {
		t.Fatal(err)
	}

	report, err := o.scheduledRun(reconciler, notifier)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-notified

	want := "The daily reconciliation " + report.RunID + " found 10 differences between the LMS and Arena: missing_in_arena 2, mismatch 2, unknown_to_lms 2, stale_pending_approval 2, dead_lettered 2. Run `arenasync reconcile --last` to see them."
	mu.Lock()
	defer mu.Unlock()
	if len(texts) != 1 || texts[0] != want {
		t.Errorf("webhook messages = %q, want [%q]", texts, want)
	}

	wantMetrics := `
# HELP arenasync_reconcile_differences Differences between the LMS and Arena found by the last finished reconciliation, by category.
# TYPE arenasync_reconcile_differences gauge
arenasync_reconcile_differences{category="dead_lettered"} 2
arenasync_reconcile_differences{category="mismatch"} 2
arenasync_reconcile_differences{category="missing_in_arena"} 2
arenasync_reconcile_differences{category="stale_pending_approval"} 2
arenasync_reconcile_differences{category="unknown_to_lms"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantMetrics), "arenasync_reconcile_differences"); err != nil {
		t.Error(err)
	}
	n, err := testutil.GatherAndCount(reg, "arenasync_reconcile_last_success_timestamp_seconds", "arenasync_reconcile_duration_seconds", "arenasync_arena_requests_total")
	// Arena calls: one series for the token request, one for the reads.
	if err != nil || n != 4 {
		t.Errorf("registry holds %d series of last success, duration and Arena calls (%v), want 4", n, err)
	}
}
