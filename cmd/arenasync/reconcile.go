package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// Exit codes of `arenasync reconcile`, for schedulers that alert on them.
const (
	// exitAgree: every compared completion agrees.
	exitAgree = 0
	// exitDifferences: the report shows differences.
	exitDifferences = 1
	// exitReconcileError: the reconciliation could not run or finish.
	exitReconcileError = 2
)

// reconcileOptions are the flags of `arenasync reconcile`.
type reconcileOptions struct {
	kafka    kafkaOptions
	redis    redisOptions
	log      logOptions
	settings reconcileSettings

	since    string
	format   string
	output   string
	repair   bool
	dryRun   bool
	last     bool
	restart  bool
	progress string
}

func newReconcileCommand() *cobra.Command {
	var o reconcileOptions
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Compare the LMS and the ledger with Arena now and report every difference",
		Long: `Compare the completions the LMS export (--lms-export) and the ledger hold with
the Arena training records, and print a summary by category, then one row per
difference: missing_in_arena, mismatch, unknown_to_lms, stale_pending_approval,
dead_lettered (in_flight rows are no difference).

An interrupted run is continued by the next one within 24 hours, which reads
from Arena only the records not read yet (--restart starts over).

Exit code 0: everything agrees; 1: differences were found; 2: error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReconcile(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return exitError{code: exitReconcileError, err: err}
	})

	flags := cmd.Flags()
	o.kafka.register(flags)
	o.redis.register(flags)
	o.log.register(flags, "console")
	o.settings.register(flags)
	flags.StringVar(&o.since, "since", "", "only completions dated since an RFC 3339 time, a date (YYYY-MM-DD) or a duration back from now (720h) (empty: all)")
	flags.StringVar(&o.format, "format", string(reconcile.FormatTable), "report format: table, json or csv")
	flags.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
	flags.BoolVar(&o.repair, "repair", false, "put the missing_in_arena completions back on the main topic (--topic), marked arenasync-replay: reconciliation")
	flags.BoolVar(&o.dryRun, "dry-run", false, "with --repair, mark the completions that would be put back and write nothing")
	flags.BoolVar(&o.last, "last", false, "print the last stored report (of this command or of the reconciler's scheduled run) without reading Arena")
	flags.BoolVar(&o.restart, "restart", false, "discard an interrupted run instead of continuing it")
	flags.StringVar(&o.progress, "progress", "auto", "progress on standard error: auto (a bar when it is a terminal), bar or none")
	// The reconciliation writes to the main topic only; the retry tiers do not matter.
	_ = flags.MarkHidden("retry-delays")
	// Progress and the report are for a person at a terminal, so only
	// warnings and errors are logged unless asked otherwise.
	logLevel := flags.Lookup("log-level")
	_ = logLevel.Value.Set("warn")
	logLevel.DefValue = "warn"

	return withEnv(cmd)
}

// runReconcile runs the command and turns its result into the exit code.
func runReconcile(ctx context.Context, out, errOut io.Writer, o reconcileOptions) error {
	format, err := reconcile.ParseFormat(o.format)
	if err != nil {
		return reconcileFailed(err)
	}
	if o.dryRun && !o.repair {
		return reconcileFailed(errors.New("--dry-run shows what --repair would do: add --repair"))
	}
	if o.last && (o.repair || o.settings.lmsExport != "") {
		return reconcileFailed(errors.New("--last prints the stored report and runs nothing: leave out --repair and --lms-export"))
	}

	logger, err := o.log.build()
	if err != nil {
		return reconcileFailed(err)
	}
	defer func() { _ = logger.Sync() }()

	rdb, prefix, err := store.Open(o.redis.config())
	if err != nil {
		return reconcileFailed(err)
	}
	defer rdb.Close()

	var report reconcile.Report
	if o.last {
		report, err = reconcile.LastReport(ctx, rdb, prefix)
	} else {
		report, err = reconcileNow(ctx, errOut, o, rdb, prefix, logger)
	}
	if err != nil && !errors.Is(err, reconcile.ErrRepair) {
		return reconcileFailed(err)
	}

	if writeErr := writeReport(out, o.output, report, format); writeErr != nil {
		return reconcileFailed(writeErr)
	}

	return reconcileExit(report, err)
}

// reconcileNow runs one reconciliation with the command's flags.
func reconcileNow(ctx context.Context, errOut io.Writer, o reconcileOptions, rdb redis.UniversalClient, prefix string, logger *zap.Logger) (reconcile.Report, error) {
	since, err := review.ParseSince(o.since, time.Now())
	if err != nil {
		return reconcile.Report{}, err
	}
	export, err := o.settings.readExport()
	if err != nil {
		return reconcile.Report{}, err
	}

	// The command's own transport lets it close its Arena connections when
	// it ends, instead of leaving them to the server's idle timeout.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = o.settings.workers
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	reconciler, err := o.settings.buildReconciler(rdb, prefix, httpClient, nil, logger, prometheus.NewRegistry())
	if err != nil {
		return reconcile.Report{}, err
	}

	opts := reconcile.Options{Since: since, Export: export, Restart: o.restart, DryRun: o.dryRun}
	if o.repair {
		enqueuer := reconcile.NewKafkaEnqueuer(o.kafka.brokers, o.kafka.topic)
		defer enqueuer.Close()
		opts.Repair = enqueuer
	}

	progress, finish, err := newReconcileProgress(o.progress, errOut)
	if err != nil {
		return reconcile.Report{}, err
	}
	opts.Progress = progress
	defer finish()

	return reconciler.Run(ctx, opts)
}

// writeReport writes the report to the file path, or to out when path is empty.
func writeReport(out io.Writer, path string, report reconcile.Report, format reconcile.Format) error {
	if path == "" {
		return report.Write(out, format)
	}

	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	if err := report.Write(file, format); err != nil {
		_ = file.Close()

		return fmt.Errorf("write the report to %s: %w", path, err)
	}

	return file.Close()
}

// reconcileExit returns the exit of a written report: 2 with the repair
// error, 1 with differences, 0 without.
func reconcileExit(report reconcile.Report, repairErr error) error {
	switch {
	case repairErr != nil:
		return reconcileFailed(repairErr)
	case report.Differences > 0:
		return exitError{code: exitDifferences}
	default:
		return nil
	}
}

// reconcileFailed exits with code 2 and the error's message.
func reconcileFailed(err error) error {
	return exitError{code: exitReconcileError, err: err}
}
