package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/ratelimit"
	"github.com/arenasync/arenasync/reconcile"
)

// reconcileSettings are the flags that the reconcile command and the
// reconciler role's scheduled reconciliation share: Arena access, the LMS
// export and the comparison.
type reconcileSettings struct {
	arena         arenaOptions
	tokenCache    string
	rate          float64
	burst         int
	maxConcurrent int

	lmsExport      string
	employeeColumn []string
	courseColumn   []string
	dateColumn     []string
	scoreColumn    []string
	statusColumn   []string
	timeZone       string

	workers          int
	staleApprovalAge time.Duration
	inFlightGrace    time.Duration
}

func (o *reconcileSettings) register(flags *pflag.FlagSet) {
	o.arena.register(flags)
	flags.StringVar(&o.tokenCache, "arena-token-cache", string(access.TokenCacheRedis), "where the Arena token or session is kept: redis (shared with the workers) or process (one per process; it then ends the workers' Arena sessions)")
	flags.Float64Var(&o.rate, "arena-rate-limit", ratelimit.DefaultRequestsPerSecond, "Arena calls per second of all instances together, workers included, shared through Redis; use the workers' value")
	flags.IntVar(&o.burst, "arena-rate-burst", 0, "Arena calls sent at once after a quiet period (0: one second's worth)")
	flags.IntVar(&o.maxConcurrent, "arena-max-concurrent", ratelimit.DefaultMaxConcurrent, "Arena calls in flight in this process")

	d := reconcile.DefaultExportColumns
	flags.StringVar(&o.lmsExport, "lms-export", "", "LMS completion export to compare, CSV with a header row, separated by , ; or tab (empty: compare Arena with the ledger only)")
	flags.StringSliceVar(&o.employeeColumn, "lms-employee-column", d.Employee, "header names of the employee id column of --lms-export, first match wins")
	flags.StringSliceVar(&o.courseColumn, "lms-course-column", d.Course, "header names of the LMS course id column of --lms-export")
	flags.StringSliceVar(&o.dateColumn, "lms-date-column", d.CompletionDate, "header names of the completion date column of --lms-export")
	flags.StringSliceVar(&o.scoreColumn, "lms-score-column", d.Score, "header names of the optional score column of --lms-export, in percent")
	flags.StringSliceVar(&o.statusColumn, "lms-status-column", d.Status, "header names of the optional status column of --lms-export; rows whose status is not completed, complete or passed are skipped")
	flags.StringVar(&o.timeZone, "lms-time-zone", "", "IANA time zone of --lms-export dates without an offset and of date-only values, such as Europe/Berlin (empty: an offset is required, as for webhooks)")

	flags.IntVar(&o.workers, "reconcile-workers", reconcile.DefaultWorkers, "Arena records read at once; --arena-rate-limit applies on top")
	flags.DurationVar(&o.staleApprovalAge, "stale-approval-age", reconcile.DefaultStaleApprovalAge, "age after which a completion waiting for approval in Arena is reported as stale_pending_approval")
	flags.DurationVar(&o.inFlightGrace, "in-flight-grace", reconcile.DefaultInFlightGrace, "age up to which a completion still accepted or retrying is reported as in_flight instead of missing_in_arena")
}

// config returns the reconciliation configuration of the flags.
func (o *reconcileSettings) config(prefix string) reconcile.Config {
	return reconcile.Config{
		Prefix:           prefix,
		Workers:          o.workers,
		StaleApprovalAge: o.staleApprovalAge,
		InFlightGrace:    o.inFlightGrace,
	}
}

// readExport reads --lms-export; it returns nil when the flag is empty.
func (o *reconcileSettings) readExport() (*reconcile.Export, error) {
	if o.lmsExport == "" {
		return nil, nil
	}

	var rule pipeline.DateRule
	if o.timeZone != "" {
		zone, err := time.LoadLocation(o.timeZone)
		if err != nil {
			return nil, fmt.Errorf("--lms-time-zone %q is not an IANA time zone such as Europe/Berlin: %w", o.timeZone, err)
		}
		rule.Location = zone
	}

	file, err := os.Open(o.lmsExport)
	if err != nil {
		return nil, fmt.Errorf("--lms-export: %w", err)
	}
	defer file.Close()

	columns := reconcile.ExportColumns{Employee: o.employeeColumn, Course: o.courseColumn, CompletionDate: o.dateColumn, Score: o.scoreColumn, Status: o.statusColumn}

	return reconcile.ReadExport(file, o.lmsExport, reconcile.ExportOptions{Columns: columns, Dates: rule})
}

// buildReconciler builds the Arena client with the shared token and rate
// limit, and the Reconciler around it. httpClient sends the Arena calls; nil
// means the arena package's default. Metrics of the Arena calls go to reg;
// metrics may be nil.
func (o *reconcileSettings) buildReconciler(rdb redis.UniversalClient, prefix string, httpClient *http.Client, metrics *reconcile.Metrics, logger *zap.Logger, reg prometheus.Registerer) (*reconcile.Reconciler, error) {
	accessCfg := access.Config{
		Prefix:     prefix,
		TokenCache: access.TokenCache(o.tokenCache),
		RateLimit:  ratelimit.Config{RequestsPerSecond: o.rate, Burst: o.burst, MaxConcurrent: o.maxConcurrent},
	}
	parts, err := access.New(accessCfg, o.arena.config(), httpClient, rdb, logger, reg)
	if err != nil {
		return nil, err
	}

	return reconcile.New(o.config(prefix), rdb, parts.Client, metrics, logger)
}
