package ledger

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// Recorder writes the ledger from the worker's outcomes and from ingest's
// accepted events. It is safe for concurrent use.
type Recorder struct {
	cfg    Config
	store  *Store
	errors prometheus.Counter
	logger *zap.Logger
	now    func() time.Time

	warnMu   sync.Mutex
	lastWarn time.Time
	unwarned int
}

// NewRecorder returns a Recorder writing to store. Its metric is
// registered on reg unless reg is nil; a nil logger discards logs.
func NewRecorder(cfg Config, store *Store, logger *zap.Logger, reg prometheus.Registerer) (*Recorder, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("ledger: store is nil")
	}
	if logger == nil {
		logger = zap.NewNop()
	}

	failures := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "arenasync_ledger_write_errors_total",
		Help: "Failed writes of the completion ledger; the reconciliation may report the completions concerned with an older outcome.",
	})
	if reg != nil {
		if err := reg.Register(failures); err != nil {
			return nil, err
		}
	}

	return &Recorder{cfg: cfg, store: store, errors: failures, logger: logger, now: time.Now}, nil
}

// Observe records the durable outcome of one record. It is a
// consumer.Observer: the consumer calls it after the outcome is durable.
// It makes one Redis call, bounded by Config.WriteTimeout, for completions
// and for retake enrollments, and none for other records. A failed write
// is counted and logged, never returned, because the outcome itself is
// already durable.
func (r *Recorder) Observe(_ string, env pipeline.Envelope, out pipeline.Outcome) {
	if retake(env, out) {
		// A completion that ingest accepted after the retake belongs to
		// the new record, so it stays.
		r.write(env.Event, func(ctx context.Context) error {
			_, err := r.store.DeleteAcceptedBefore(ctx, env.Event.EmployeeID, env.Event.CourseID, env.Meta.AcceptedAt)
			return err
		})

		return
	}

	entry, ok := entryOf(env, out, r.now())
	if !ok {
		return
	}
	r.write(env.Event, func(ctx context.Context) error {
		_, err := r.store.Put(ctx, entry)
		return err
	})
}

// Accepted records the completions among accepted with outcome accepted,
// each at its envelope's Meta.AcceptedAt. Ingest calls it once Kafka has
// acknowledged the events. Enrollments are skipped. It writes every
// completion with one Store.PutAll, bounded by Config.WriteTimeout, counts
// each completion that was not recorded because of an error, and returns
// those errors joined.
func (r *Recorder) Accepted(ctx context.Context, accepted []pipeline.Envelope) error {
	entries := make([]Entry, 0, len(accepted))
	for _, env := range accepted {
		if env.Event.Type != pipeline.CourseCompleted {
			continue
		}

		entry := entryFromEvent(env.Event)
		entry.Outcome = OutcomeAccepted
		entry.AcceptedAt = env.Meta.AcceptedAt
		entry.LastAttemptAt = env.Meta.AcceptedAt
		entries = append(entries, entry)
	}
	if len(entries) == 0 {
		return nil
	}

	writeCtx, cancel := context.WithTimeout(ctx, r.cfg.WriteTimeout)
	defer cancel()

	_, errs := r.store.putEach(writeCtx, entries)
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	r.errors.Add(float64(len(failed)))

	return errors.Join(failed...)
}

// write runs one ledger write with the timeout and reports a failure.
func (r *Recorder) write(e pipeline.Event, do func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
	defer cancel()

	if err := do(ctx); err != nil {
		r.errors.Inc()
		r.warn(e, err)
	}
}

// warn logs a failed write, at most once per Config.WarnInterval, with the
// number of failures since the last warning.
func (r *Recorder) warn(e pipeline.Event, err error) {
	r.warnMu.Lock()
	defer r.warnMu.Unlock()

	r.unwarned++
	if time.Since(r.lastWarn) < r.cfg.WarnInterval {
		return
	}

	r.logger.Warn("writing the completion ledger failed; the reconciliation may show this completion with an older outcome",
		zap.String(keyEventID, e.ID), zap.String(keyEmployeeID, e.EmployeeID), zap.String(keyCourseID, e.CourseID),
		zap.Int(keyFailures, r.unwarned), zap.Error(err))
	r.lastWarn = time.Now()
	r.unwarned = 0
}

// retake reports whether out moved an enrollment to a new Arena record, so
// the ledger's completion of the old record no longer applies.
func retake(env pipeline.Envelope, out pipeline.Outcome) bool {
	return env.Event.Type == pipeline.CourseEnrolled && out.Kind == pipeline.Done && out.Reason == pipeline.ReasonRetake
}

// entryOf returns the ledger entry of a completion's outcome. ok is false
// for outcomes that are not recorded: those of enrollments, of raw dead
// letters without an event, and of stale completions superseded by a
// later one.
func entryOf(env pipeline.Envelope, out pipeline.Outcome, now time.Time) (Entry, bool) {
	e := env.Event
	if e.Type != pipeline.CourseCompleted || e.ID == "" || e.EmployeeID == "" || e.CourseID == "" {
		return Entry{}, false
	}

	entry := entryFromEvent(e)
	entry.AcceptedAt = env.Meta.AcceptedAt
	entry.LastAttemptAt = now
	entry.Reason = string(out.Reason)

	switch out.Kind {
	case pipeline.Done:
		if out.Reason == pipeline.ReasonSuperseded {
			return Entry{}, false
		}
		entry.Outcome = OutcomeDone
	case pipeline.PendingApproval:
		entry.Outcome = OutcomePendingApproval
	case pipeline.Retryable:
		entry.Outcome = OutcomeRetrying
	case pipeline.Parked:
		entry.Outcome = OutcomeRetrying
		entry.Reason = ReasonParked
	case pipeline.Permanent:
		entry.Outcome = OutcomeDeadLettered
	default:
		return Entry{}, false
	}

	return entry, true
}

// entryFromEvent copies the event's fields into an entry.
func entryFromEvent(e pipeline.Event) Entry {
	return Entry{
		EmployeeID:       e.EmployeeID,
		CourseID:         e.CourseID,
		TrainingRecordID: e.TrainingRecordID,
		EventID:          e.ID,
		Source:           e.Source,
		CompletionDate:   e.CompletionDate,
		Score:            e.Score,
	}
}
