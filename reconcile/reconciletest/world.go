// Package reconciletest seeds worlds of enrollments for tests of the
// reconciliation: Arena records in a simulator, and the enrollment map,
// the ledger and the review queue in the test Redis, with a known number
// of enrollments in each category.
package reconciletest

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// Course is the LMS course of every enrollment of a world.
const Course = "LMS-SAFETY-101"

// DeadLetterReason is the reason of the world's dead-lettered completions.
const DeadLetterReason = string(pipeline.ReasonExternalUpdatesDisabled)

// BadExportRows is the number of rows of World.Export that ReadExport
// reports as bad: one with an unparseable date, one without an employee.
const BadExportRows = 2

// World is a seeded set of enrollments.
type World struct {
	Sim    *arenasim.Sim
	URL    string
	Redis  *redis.Client
	Prefix string
	// Size is the number of enrollments; Per the number of each difference
	// category.
	Size, Per int
	// Expected lists the employee ids of each category, ok included,
	// sorted. Enrollments are numbered from EMP00001.
	Expected map[reconcile.Category][]string
	// Export is an LMS export of some of the completions, with a byte
	// order mark, ';' as separator, blank lines, a row that is not
	// completed and BadExportRows bad rows.
	Export []byte
	// PendingOK counts ok enrollments that wait for approval for less
	// than the stale age.
	PendingOK int
	// Base is the completion time of EMP00001; enrollment i completes i
	// minutes later.
	Base time.Time
}

// Options shape a world.
type Options struct {
	// Size is the number of enrollments. Default 1,000.
	Size int
	// Per is the number of enrollments of each difference category.
	// Default 10.
	Per int
	// Sim configures the simulator; its records are added by Seed.
	Sim arenasim.Config
}

// enrollment is one seeded enrollment.
type enrollment struct {
	index    int
	category reconcile.Category
	employee string
	record   string
	date     time.Time
	score    float64
}

// Seed starts a simulator and fills it and Redis with a world.
func Seed(t testing.TB, opts Options) *World {
	t.Helper()

	if opts.Size == 0 {
		opts.Size = 1000
	}
	if opts.Per == 0 {
		opts.Per = 10
	}

	w := &World{Size: opts.Size, Per: opts.Per, Prefix: testenv.RedisPrefix(t), Expected: map[reconcile.Category][]string{}}
	w.Sim = arenasim.NewServer(opts.Sim, zap.NewNop())
	url, stop, err := w.Sim.StartLocal()
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(stop)
	w.URL = url

	w.Redis = redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = w.Redis.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	now := time.Now().UTC()
	base := now.Truncate(24*time.Hour).AddDate(0, 0, -40)
	w.Base = base
	enrollments := w.plan(base)
	w.seedArena(enrollments)
	w.seedMap(ctx, t, enrollments)
	w.seedLedger(ctx, t, enrollments, now)
	w.seedReview(ctx, t, enrollments, now)
	w.Export = w.export(enrollments)

	return w
}

// plan assigns each enrollment its category: Per of each difference
// category first, in DifferenceCategories order, then ok.
func (w *World) plan(base time.Time) []enrollment {
	enrollments := make([]enrollment, 0, w.Size)
	for i := range w.Size {
		category := reconcile.CategoryOK
		if group := i / w.Per; group < len(reconcile.DifferenceCategories) {
			category = reconcile.DifferenceCategories[group]
		}

		e := enrollment{
			index: i, category: category, employee: fmt.Sprintf("EMP%05d", i+1), record: fmt.Sprintf("TR-%06d", i+1),
			date: base.Add(time.Duration(i) * time.Minute), score: float64(60 + i%40),
		}
		enrollments = append(enrollments, e)
		w.Expected[category] = append(w.Expected[category], e.employee)
	}

	return enrollments
}

// pendingOK reports whether an ok enrollment waits for approval: every
// 97th, so a world of 1,000 has a few.
func pendingOK(e enrollment) bool {
	return e.category == reconcile.CategoryOK && e.index%97 == 0
}

// seedArena adds every record to the simulator in the state of its category.
func (w *World) seedArena(enrollments []enrollment) {
	for _, e := range enrollments {
		r := arenasim.Record{ID: e.record, EmployeeID: e.employee, CourseID: Course, Status: arenasim.StatusCompleted,
			CompletionDate: pipeline.FormatUTC(e.date), Score: ptr(e.score)}

		switch e.category {
		case reconcile.CategoryMissingInArena, reconcile.CategoryDeadLettered:
			r.Status, r.CompletionDate, r.Score = arenasim.StatusAssigned, "", nil
			if e.index%2 == 1 {
				r.Status = arenasim.StatusInProgress
			}
		case reconcile.CategoryMismatch:
			if e.index%2 == 0 {
				r.CompletionDate = pipeline.FormatUTC(e.date.Add(24 * time.Hour))
			} else {
				r.Score = ptr(e.score + 5)
			}
		case reconcile.CategoryStalePendingApproval:
			r.Status = arenasim.StatusPendingApproval
		case reconcile.CategoryOK:
			if pendingOK(e) {
				r.Status = arenasim.StatusPendingApproval
				w.PendingOK++
			}
		}

		w.Sim.AddRecord(r)
	}
}

// seedMap maps every enrollment to its record.
func (w *World) seedMap(ctx context.Context, t testing.TB, enrollments []enrollment) {
	t.Helper()

	rows := make([]store.MappingRow, 0, len(enrollments))
	for i, e := range enrollments {
		rows = append(rows, store.MappingRow{Line: i + 2, Mapping: store.Mapping{EmployeeID: e.employee, CourseID: Course, TrainingRecordID: e.record}})
	}
	if _, err := store.NewEnrollments(w.Redis, w.Prefix).Import(ctx, rows, store.ImportOptions{}); err != nil {
		t.Fatalf("seed the enrollment map: %v", err)
	}
}

// seedLedger writes the ledger entries. The completions that only the
// export contains (the even missing ones) and the unknown_to_lms ones get
// none.
func (w *World) seedLedger(ctx context.Context, t testing.TB, enrollments []enrollment, now time.Time) {
	t.Helper()

	l := ledger.NewStore(w.Redis, w.Prefix)
	for _, e := range enrollments {
		entry := ledger.Entry{EmployeeID: e.employee, CourseID: Course, EventID: EventID(e.index), Source: "lms",
			CompletionDate: pipeline.FormatUTC(e.date), Score: ptr(e.score), Outcome: ledger.OutcomeDone,
			AcceptedAt: e.date.Add(time.Minute), LastAttemptAt: e.date.Add(2 * time.Minute)}

		switch e.category {
		case reconcile.CategoryUnknownToLMS:
			continue
		case reconcile.CategoryMissingInArena:
			if e.index%2 == 0 {
				continue
			}
			entry.Outcome, entry.Reason, entry.LastAttemptAt = ledger.OutcomeRetrying, string(pipeline.ReasonArenaUnavailable), now.Add(-48*time.Hour)
		case reconcile.CategoryStalePendingApproval:
			entry.Outcome, entry.LastAttemptAt = ledger.OutcomePendingApproval, now.AddDate(0, 0, -30)
		case reconcile.CategoryDeadLettered:
			entry.Outcome, entry.Reason = ledger.OutcomeDeadLettered, DeadLetterReason
		case reconcile.CategoryOK:
			if pendingOK(e) {
				entry.Outcome, entry.LastAttemptAt = ledger.OutcomePendingApproval, now.Add(-time.Hour)
			}
		}

		if _, err := l.Put(ctx, entry); err != nil {
			t.Fatalf("seed ledger entry %s: %v", e.employee, err)
		}
	}
}

// seedReview stores an open review entry for every dead-lettered completion.
func (w *World) seedReview(ctx context.Context, t testing.TB, enrollments []enrollment, now time.Time) {
	t.Helper()

	queue := review.NewStore(w.Redis, w.Prefix)
	for _, e := range enrollments {
		if e.category != reconcile.CategoryDeadLettered {
			continue
		}

		event := pipeline.Event{ID: EventID(e.index), Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: e.employee, CourseID: Course,
			CompletionDate: pipeline.FormatUTC(e.date), Status: pipeline.StatusCompleted, Score: ptr(e.score)}
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: pipeline.Meta{Reason: DeadLetterReason, ErrorClass: DeadLetterReason, ArenaStatus: 403}})
		if err != nil {
			t.Fatalf("encode dead letter %s: %v", e.employee, err)
		}
		msg.Topic, msg.Partition, msg.Offset, msg.Time = "lms.training.events.dlt", 0, int64(e.index), e.date.Add(time.Hour)

		if _, err := queue.Put(ctx, review.EntryFromRecord(msg, now)); err != nil {
			t.Fatalf("seed review entry %s: %v", e.employee, err)
		}
	}
}

// export writes the LMS export: the completions of the even ok, even
// missing and every mismatch enrollment, in the LMS's view.
func (w *World) export(enrollments []enrollment) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xEF, 0xBB, 0xBF})
	b.WriteString("Employee ID;Course code;Completion date;Score;Status;Department\r\n\r\n")

	for _, e := range enrollments {
		include := e.category == reconcile.CategoryMismatch ||
			(e.index%2 == 0 && (e.category == reconcile.CategoryOK || e.category == reconcile.CategoryMissingInArena))
		if !include {
			continue
		}
		score := strconv.FormatFloat(e.score, 'f', -1, 64)
		if e.index%4 == 0 {
			score = strings.Replace(strconv.FormatFloat(e.score, 'f', 1, 64), ".", ",", 1)
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;Completed;Quality\r\n", e.employee, Course, pipeline.FormatUTC(e.date), score)
		if e.index%100 == 0 {
			b.WriteString("\r\n")
		}
	}

	b.WriteString("EMP99990;" + Course + ";19.01.2025;80;Completed;Quality\r\n")
	b.WriteString(";" + Course + ";2025-01-19T10:00:00Z;80;Completed;Quality\r\n")
	b.WriteString("EMP99991;" + Course + ";;;In progress;Quality\r\n")

	return b.Bytes()
}

// EventID returns the ledger event id of enrollment index.
func EventID(index int) string {
	return fmt.Sprintf("evt-%05d", index+1)
}

func ptr(v float64) *float64 {
	return &v
}
