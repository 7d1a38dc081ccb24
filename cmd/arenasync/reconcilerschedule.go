package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/reconcile"
)

// scheduleOptions are the reconciler role's flags of the daily
// reconciliation.
type scheduleOptions struct {
	settings      reconcileSettings
	at            string
	timeZone      string
	retryInterval time.Duration
}

func (o *scheduleOptions) register(flags *pflag.FlagSet) {
	o.settings.register(flags)
	flags.StringVar(&o.at, "reconcile-at", "02:00", "time of day (HH:MM, 24-hour clock, in --reconcile-time-zone) of the daily reconciliation; one instance runs it (empty: no scheduled reconciliation)")
	flags.StringVar(&o.timeZone, "reconcile-time-zone", "UTC", "IANA time zone of --reconcile-at, such as Europe/Berlin")
	flags.DurationVar(&o.retryInterval, "reconcile-retry-interval", reconcile.DefaultRetryInterval, "wait before a failed daily reconciliation is tried again, until the next day's")
}

// buildSchedule returns the function that runs the daily reconciliation
// until ctx ends: reconcile, export the metrics on reg, store the report
// and notify the administrators of differences through notifier. Without
// --reconcile-at or --arena-url it returns a function that waits for ctx
// only.
func (o *scheduleOptions) buildSchedule(rdb redis.UniversalClient, prefix string, notifier *notify.Notifier, logger *zap.Logger, reg prometheus.Registerer) (func(ctx context.Context) error, error) {
	idle := func(ctx context.Context) error { <-ctx.Done(); return nil }
	if o.at == "" {
		logger.Info("scheduled reconciliation is off: --reconcile-at is empty")
		return idle, nil
	}
	if o.settings.arena.url == "" {
		logger.Warn("scheduled reconciliation is off: set --arena-url and the Arena credentials to run it daily")
		return idle, nil
	}

	cfg, err := o.config(prefix)
	if err != nil {
		return nil, err
	}
	logger = logger.Named("reconcile")
	reconciler, err := o.settings.buildReconciler(rdb, prefix, nil, reconcile.NewMetrics(reg), logger, reg)
	if err != nil {
		return nil, err
	}

	scheduler, err := reconcile.NewScheduler(cfg, rdb, o.scheduledRun(reconciler, notifier), logger)
	if err != nil {
		return nil, err
	}

	return scheduler.Run, nil
}

// scheduledRun returns one scheduled reconciliation: read the LMS export,
// if any, reconcile, and notify the administrators when there are
// differences.
func (o *scheduleOptions) scheduledRun(reconciler *reconcile.Reconciler, notifier *notify.Notifier) reconcile.RunFunc {
	return func(ctx context.Context) (reconcile.Report, error) {
		export, err := o.settings.readExport()
		if err != nil {
			return reconcile.Report{}, err
		}

		report, err := reconciler.Run(ctx, reconcile.Options{Export: export})
		if err == nil && report.Differences > 0 {
			notifier.Send(differencesMessage(report))
		}

		return report, err
	}
}

// runBeside runs first and second until both return, and returns their
// errors joined. The reconciler role runs the dead-letter consumer and the
// scheduled reconciliation with it, so the notifier outlives both.
func runBeside(ctx context.Context, first, second func(ctx context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- second(ctx) }()

	err := first(ctx)

	return errors.Join(err, <-done)
}

// config returns the reconciliation configuration with the schedule.
func (o *scheduleOptions) config(prefix string) (reconcile.Config, error) {
	cfg := o.settings.config(prefix)

	at, err := reconcile.ParseTimeOfDay(o.at)
	if err != nil {
		return cfg, fmt.Errorf("--reconcile-at: %w", err)
	}
	zone, err := time.LoadLocation(o.timeZone)
	if err != nil {
		return cfg, fmt.Errorf("--reconcile-time-zone %q is not an IANA time zone such as Europe/Berlin: %w", o.timeZone, err)
	}
	cfg.At, cfg.Location, cfg.RetryInterval = at, zone, o.retryInterval

	return cfg, nil
}

// differencesMessage is the administrators' notification of a report with
// differences.
func differencesMessage(r reconcile.Report) notify.Message {
	var counts []string
	for _, c := range reconcile.DifferenceCategories {
		if n := r.Counts[c]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", c, n))
		}
	}

	text := fmt.Sprintf("The daily reconciliation %s found %d differences between the LMS and Arena: %s. Run `arenasync reconcile --last` to see them.",
		r.RunID, r.Differences, strings.Join(counts, ", "))

	return notify.Message{Reason: "reconciliation", Count: r.Differences, Text: text}
}
