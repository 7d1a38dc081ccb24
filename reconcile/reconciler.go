package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// Reconciler compares the LMS side (an LMS export and the ledger) with
// Arena. It is safe for concurrent use, and the run lock lets one run at a
// time across processes.
type Reconciler struct {
	cfg      Config
	redis    redis.UniversalClient
	keys     keys
	planner  planner
	arena    RecordReader
	metrics  *Metrics
	logger   *zap.Logger
	now      func() time.Time
	instance string
}

// New returns a Reconciler that reads the ledger, the enrollment map, the
// review queue and its checkpoints from rdb under cfg.Prefix, and Arena
// records through records. metrics may be nil; a nil logger discards logs.
func New(cfg Config, rdb redis.UniversalClient, records RecordReader, metrics *Metrics, logger *zap.Logger) (*Reconciler, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rdb == nil || records == nil {
		return nil, fmt.Errorf("%w: Redis client and Arena record reader are required", ErrInvalidConfig)
	}
	if logger == nil {
		logger = zap.NewNop()
	}

	return &Reconciler{
		cfg:   cfg,
		redis: rdb,
		keys:  newKeys(cfg.Prefix),
		planner: planner{
			ledger:   ledger.NewStore(rdb, cfg.Prefix),
			mappings: store.NewEnrollments(rdb, cfg.Prefix),
			review:   review.NewStore(rdb, cfg.Prefix),
		},
		arena:    records,
		metrics:  metrics,
		logger:   logger,
		now:      time.Now,
		instance: instanceName(),
	}, nil
}

// Options are the choices of one run.
type Options struct {
	// Since limits the report to completions dated at or after it, on
	// either side. Zero compares every completion.
	Since time.Time
	// Export is the LMS export; nil compares Arena with the ledger only.
	Export *Export
	// Restart discards an unfinished run instead of continuing it.
	Restart bool
	// Repair puts the missing_in_arena completions back on the main topic
	// through it; nil repairs nothing.
	Repair Enqueuer
	// DryRun, with Repair, marks the rows that would be repaired and
	// writes nothing.
	DryRun bool
	// Progress is called with the number of Arena records read out of the
	// total, from one goroutine at a time. Optional.
	Progress func(done, total int)
}

// Run reconciles once: it takes the run lock, continues or starts a run,
// reads the Arena record of every enrollment, compares, repairs when
// asked, and stores the report as the last one. It returns an error
// wrapping ErrRunning, ErrInterrupted or ErrArenaRead without a report,
// and one wrapping ErrRepair together with the report.
func (r *Reconciler) Run(ctx context.Context, opts Options) (Report, error) {
	start := r.now()

	lock, ctx, err := acquireLock(ctx, r.redis, r.keys.lock(), r.instance, r.cfg.LockTTL, r.logger)
	if err != nil {
		return Report{}, err
	}
	defer lock.release()

	cp, err := beginRun(ctx, r.redis, r.keys, r.cfg.ResumeWindow, opts.Restart, start)
	if err != nil {
		return Report{}, err
	}
	r.logger.Info("reconciliation started", zap.String(keyRunID, cp.id), zap.Bool(keyResumed, cp.resumed))

	report, reads, err := r.reconcile(ctx, cp, opts, start)
	r.metrics.observe(report, reads, err)
	if err != nil && !errors.Is(err, ErrRepair) {
		r.logger.Warn("reconciliation stopped", zap.String(keyRunID, cp.id), zap.Int(keyArenaReads, reads), zap.Error(err))

		return Report{}, err
	}

	r.logger.Info("reconciliation finished", zap.String(keyRunID, cp.id), zap.Int(keyDifferences, report.Differences),
		zap.Int(keyArenaReads, reads), zap.Duration(keyDuration, r.now().Sub(start)))

	return report, err
}

// reconcile runs the steps after the lock and the checkpoint: plan, read,
// compare, repair, store. It returns the number of Arena reads.
func (r *Reconciler) reconcile(ctx context.Context, cp *checkpoint, opts Options, start time.Time) (Report, int, error) {
	// Each run plans on its own copy, whose map it fills.
	planner := r.planner
	plan, err := planner.plan(ctx, opts.Export)
	if err != nil {
		return Report{}, 0, err
	}

	f := &fetcher{cfg: r.cfg, arena: r.arena, cp: cp, logger: r.logger, progress: opts.Progress}
	records, err := f.fetchAll(ctx, recordIDs(plan))
	reads := int(f.reads.Load())
	if err != nil {
		return Report{}, reads, err
	}

	report := r.compareAll(plan, records, opts, cp)
	report.ArenaReads = reads

	var repairErr error
	if opts.Repair != nil {
		repairErr = r.repair(ctx, &report, plan, opts)
	}

	report.FinishedAt = r.now().UTC()
	report.DurationSeconds = report.FinishedAt.Sub(start).Seconds()

	// The checkpoint goes first: a failed store of the report must not
	// leave a finished run to be resumed.
	if err := cp.finish(context.WithoutCancel(ctx)); err != nil {
		return Report{}, reads, err
	}
	if err := saveLast(context.WithoutCancel(ctx), r.redis, r.keys, report); err != nil {
		return Report{}, reads, err
	}

	return report, reads, repairErr
}

// compareAll classifies every enrollment and builds the report.
func (r *Reconciler) compareAll(plan map[string]*enrollment, records map[string]arenaRecord, opts Options, cp *checkpoint) Report {
	report := Report{RunID: cp.id, StartedAt: cp.startedAt, Resumed: cp.resumed, Since: opts.Since, Export: opts.Export,
		Enrollments: len(plan), ArenaRecords: len(records)}

	c := comparer{cfg: r.cfg, now: r.now(), since: opts.Since}
	ok := 0
	for _, e := range plan {
		var a *arenaRecord
		if rec, found := records[e.recordID]; found && e.recordID != "" {
			a = &rec
		}

		row, counted := c.compare(e, a)
		switch {
		case !counted:
			report.WithoutCompletion++
		case row.Category == CategoryOK:
			ok++
		default:
			report.Rows = append(report.Rows, row)
		}
	}

	report.count(ok)
	report.sortRows()

	return report
}

// repair puts every missing_in_arena completion back on the main topic,
// or marks it on a dry run, and fills the report's repair summary.
func (r *Reconciler) repair(ctx context.Context, report *Report, plan map[string]*enrollment, opts Options) error {
	summary := &RepairSummary{DryRun: opts.DryRun, Topic: opts.Repair.Topic()}
	report.Repair = summary

	var rows []*Row
	events := eventsFor(report, plan, &rows)
	if opts.DryRun {
		for _, row := range rows {
			row.Repair = RepairDryRun
		}
		summary.Enqueued = len(rows)

		return nil
	}

	var firstErr error
	for i, err := range opts.Repair.Enqueue(ctx, events) {
		if err != nil {
			rows[i].Repair = RepairFailed
			summary.Failed++
			firstErr = firstError(firstErr, err)

			continue
		}
		rows[i].Repair = RepairEnqueued
		summary.Enqueued++
	}

	r.logger.Info("reconciliation repair written", zap.Int(keyEnqueued, summary.Enqueued), zap.Int(keyFailed, summary.Failed))
	if summary.Failed > 0 {
		return fmt.Errorf("%w: Kafka did not acknowledge %d of %d completions for %s, the first with: %w; run the reconciliation with --repair again",
			ErrRepair, summary.Failed, len(events), summary.Topic, firstErr)
	}

	return nil
}

// eventsFor returns the repair events of the missing_in_arena rows and
// appends those rows to rows, in the same order.
func eventsFor(report *Report, plan map[string]*enrollment, rows *[]*Row) []pipeline.Event {
	var events []pipeline.Event
	for i := range report.Rows {
		row := &report.Rows[i]
		if row.Category != CategoryMissingInArena {
			continue
		}
		e := plan[row.EmployeeID+pipeline.KeySeparator+row.CourseID]
		if e == nil || e.lms == nil {
			continue
		}
		events = append(events, repairEvent(e))
		*rows = append(*rows, row)
	}

	return events
}

// firstError returns first when it is set, else err.
func firstError(first, err error) error {
	if first != nil {
		return first
	}

	return err
}

// recordIDs returns the distinct Arena record ids of plan, sorted.
func recordIDs(plan map[string]*enrollment) []string {
	seen := map[string]bool{}
	var ids []string
	for _, e := range plan {
		if e.recordID != "" && !seen[e.recordID] {
			seen[e.recordID] = true
			ids = append(ids, e.recordID)
		}
	}
	sort.Strings(ids)

	return ids
}

// instanceName names this Reconciler in the run lock and the schedule's
// claims: host name, process id and a random part, so two Reconcilers of
// one process tell their locks apart.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}

	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), newRunID()[:8])
}
