package reconcile_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/reconcile/reconciletest"
)

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{value: "02:00", want: 2 * time.Hour},
		{value: "00:00", want: 0},
		{value: "23:59", want: 23*time.Hour + 59*time.Minute},
		{value: " 7:05 ", want: 7*time.Hour + 5*time.Minute},
		{value: "24:00", wantErr: true},
		{value: "12:60", wantErr: true},
		{value: "12:5", wantErr: true},
		{value: "2am", wantErr: true},
		{value: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := reconcile.ParseTimeOfDay(tt.value)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseTimeOfDay(%q) = %s, %v; want %s, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, reconcile.ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

func TestSchedulerNext(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

	tests := []struct {
		name     string
		at       time.Duration
		location *time.Location
		now      time.Time
		want     time.Time
	}{
		{name: "later today", at: 2 * time.Hour, now: day.Add(time.Hour), want: day.Add(2 * time.Hour)},
		{name: "at the time", at: 2 * time.Hour, now: day.Add(2 * time.Hour), want: day.Add(26 * time.Hour)},
		{name: "tomorrow", at: 2 * time.Hour, now: day.Add(3 * time.Hour), want: day.Add(26 * time.Hour)},
		{name: "midnight", at: 0, now: day.Add(23 * time.Hour), want: day.Add(24 * time.Hour)},
		{name: "in another zone", at: 2 * time.Hour, location: berlin, now: day.Add(2 * time.Hour), want: day.Add(25 * time.Hour)},
		{name: "across the spring clock change", at: 2*time.Hour + 30*time.Minute, location: berlin,
			now: time.Date(2025, 3, 29, 12, 0, 0, 0, time.UTC), want: time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := reconcile.NewScheduler(reconcile.Config{Prefix: "test:", At: tt.at, Location: tt.location}, newRedis(t), func(context.Context) (reconcile.Report, error) {
				return reconcile.Report{}, nil
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(tt.now); !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.now, got.UTC(), tt.want)
			}
		})
	}
}

// TestSchedulerTwoInstancesOneRun starts two schedulers on the same Redis,
// each with a reconciler of its own. Their clocks are set 300 ms before the
// scheduled time (02:00), and exactly one of them runs the reconciliation.
func TestSchedulerTwoInstancesOneRun(t *testing.T) {
	w := reconciletest.Seed(t, reconciletest.Options{Size: 50, Per: 2})
	shift := time.Date(2025, 1, 1, 1, 59, 59, 700_000_000, time.UTC).Sub(time.Now())
	cfg := reconcile.Config{Prefix: w.Prefix, At: 2 * time.Hour}

	var runs, differences atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	for range 2 {
		r := newReconciler(t, w, reconcile.Config{}, nil)
		run := func(ctx context.Context) (reconcile.Report, error) {
			report, err := r.Run(ctx, reconcile.Options{})
			runs.Add(1)
			differences.Add(int64(report.Differences))
			return report, err
		}
		s, err := reconcile.NewScheduler(cfg, w.Redis, run, nil)
		if err != nil {
			t.Fatal(err)
		}
		reconcile.SetClock(s, func() time.Time { return time.Now().Add(shift) })

		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Run(ctx)
		}()
	}

	time.Sleep(2 * time.Second)
	cancel()
	wg.Wait()

	if runs.Load() != 1 {
		t.Errorf("reconciliations run = %d, want 1", runs.Load())
	}
	if got := getRecordCalls(w.Sim); got != 50 {
		t.Errorf("GET calls = %d, want 50 (one run)", got)
	}
	// Without the export, the even missing completion is known to
	// neither side: 1 missing and 2 of each other difference remain.
	if differences.Load() != 9 {
		t.Errorf("differences = %d, want 9", differences.Load())
	}
}

// TestSchedulerRetriesFailedRun makes the first run fail: the instance
// that claimed the scheduled time runs it again after the retry interval.
func TestSchedulerRetriesFailedRun(t *testing.T) {
	rdb := newRedis(t)
	prefix := prefixOf(t)
	start := time.Now()
	shift := time.Date(2025, 1, 1, 1, 59, 59, 800_000_000, time.UTC).Sub(start)

	var runs atomic.Int64
	run := func(context.Context) (reconcile.Report, error) {
		if runs.Add(1) == 1 {
			return reconcile.Report{}, errors.New("arena down")
		}
		return reconcile.Report{RunID: "second"}, nil
	}
	s, err := reconcile.NewScheduler(reconcile.Config{Prefix: prefix, At: 2 * time.Hour, RetryInterval: 200 * time.Millisecond}, rdb, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	reconcile.SetClock(s, func() time.Time { return time.Now().Add(shift) })

	ctx, cancel := context.WithTimeout(testContext(t), 1500*time.Millisecond)
	defer cancel()
	_ = s.Run(ctx)

	if runs.Load() != 2 {
		t.Errorf("runs = %d, want 2 (the failed one and its retry)", runs.Load())
	}
}
