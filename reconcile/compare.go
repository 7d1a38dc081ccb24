package reconcile

import (
	"fmt"
	"time"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/pipeline"
)

// arenaRecord is Arena's response for one record, as the run's checkpoint
// stores it.
type arenaRecord struct {
	// Found is false when Arena responded 404.
	Found  bool         `json:"found"`
	Record arena.Record `json:"record"`
}

// completed reports whether Arena holds a completion on the record.
func (a *arenaRecord) completed() bool {
	if a == nil || !a.Found {
		return false
	}

	return a.Record.Status == arena.StatusCompleted || a.Record.Status == arena.StatusPendingApproval
}

// comparer classifies enrollments.
type comparer struct {
	cfg   Config
	now   time.Time
	since time.Time
}

// compare classifies one enrollment. a is nil when no Arena record is
// known for it. ok is false when neither side holds a completion, or both
// completions lie before the report's since time.
func (c comparer) compare(e *enrollment, a *arenaRecord) (Row, bool) {
	row := c.baseRow(e, a)
	arenaDate, dateErr := arenaCompletion(a)

	if !c.inScope(e, a, arenaDate) {
		return Row{}, false
	}

	switch {
	case e.lms == nil && a.completed():
		row.Category = CategoryUnknownToLMS
		row.Detail = "Arena holds a completion that neither the LMS export nor the ledger contains: check who entered it in Arena"
	case e.lms == nil:
		return Row{}, false
	case a.completed() && dateErr != nil:
		row.Category = CategoryMismatch
		row.Detail = dateErr.Error()
	case a.completed() && e.lms.sameDate(arenaDate) && e.lms.sameScore(a.Record.Score):
		c.classifyHeld(e, &row)
	case e.deadLetter != nil:
		c.classifyDeadLetter(e, &row)
	case a.completed():
		row.Category = CategoryMismatch
		row.Detail = mismatchDetail(e.lms, arenaDate, a.Record.Score)
	case c.inFlight(e):
		row.Category = CategoryInFlight
		row.Detail = fmt.Sprintf("the ledger shows the completion %s since %s; it should reach Arena within the retry tiers",
			e.ledger.Outcome, e.ledger.LastAttemptAt.UTC().Format(time.RFC3339))
	default:
		row.Category = CategoryMissingInArena
		row.Detail = missingDetail(e, a)
	}

	return row, true
}

// baseRow fills the fields every row shows.
func (c comparer) baseRow(e *enrollment, a *arenaRecord) Row {
	row := Row{EmployeeID: e.employeeID, CourseID: e.courseID, TrainingRecordID: e.recordID, LMSSource: e.lmsSource}
	if e.lms != nil {
		row.LMSCompletionDate = e.lms.DateText()
		row.LMSScore = e.lms.Score
	}
	if a != nil && a.Found {
		row.ArenaStatus = a.Record.Status
		row.ArenaCompletionDate = a.Record.CompletionDate
		row.ArenaScore = a.Record.Score
	}
	if e.ledger != nil {
		row.LedgerOutcome = string(e.ledger.Outcome)
		row.EventID = e.ledger.EventID
		row.Reason = e.ledger.Reason
	}

	return row
}

// classifyHeld classifies a completion that Arena holds: ok, unless it has
// waited for approval longer than the configured age.
func (c comparer) classifyHeld(e *enrollment, row *Row) {
	row.Category = CategoryOK
	if row.ArenaStatus != arena.StatusPendingApproval {
		return
	}

	since := e.lms.Date
	if e.ledger != nil && e.ledger.Outcome == ledger.OutcomePendingApproval {
		since = e.ledger.LastAttemptAt
	}
	age := c.now.Sub(since)
	if age <= c.cfg.StaleApprovalAge {
		return
	}

	row.Category = CategoryStalePendingApproval
	row.Detail = fmt.Sprintf("waiting for approval in Arena since %s (%s, more than %s): ask the approver to decide",
		since.UTC().Format(time.RFC3339), formatAge(age), formatAge(c.cfg.StaleApprovalAge))
}

// classifyDeadLetter fills the row of a completion in the dead-letter topic.
func (c comparer) classifyDeadLetter(e *enrollment, row *Row) {
	dl := e.deadLetter
	row.Category = CategoryDeadLettered
	row.Reason = dl.reason
	row.ReviewEntryID = dl.entryID
	if dl.eventID != "" {
		row.EventID = dl.eventID
	}

	if dl.entryID == "" {
		row.Detail = "the completion went to the dead-letter topic with reason " + dl.reason + "; the reconciler has not stored it in the review queue yet"

		return
	}
	row.Detail = fmt.Sprintf("the completion waits in the dead-letter topic with reason %s: review it with `arenasync dlt show %s`", dl.reason, dl.entryID)
}

// inFlight reports whether the ledger shows the completion on its way and
// recent enough to be still handled.
func (c comparer) inFlight(e *enrollment) bool {
	l := e.ledger
	if l == nil || (l.Outcome != ledger.OutcomeAccepted && l.Outcome != ledger.OutcomeRetrying) {
		return false
	}

	return c.now.Sub(l.LastAttemptAt) < c.cfg.InFlightGrace
}

// inScope reports whether the enrollment belongs to a report limited to
// completions since c.since: either side's completion lies at or after it.
func (c comparer) inScope(e *enrollment, a *arenaRecord, arenaDate time.Time) bool {
	if c.since.IsZero() {
		return true
	}
	if e.lms != nil && !e.lms.Date.Before(c.since) {
		return true
	}

	return a.completed() && !arenaDate.IsZero() && !arenaDate.Before(c.since)
}

// arenaCompletion parses Arena's completion date. It returns zero and no
// error when the record holds no completion.
func arenaCompletion(a *arenaRecord) (time.Time, error) {
	if !a.completed() {
		return time.Time{}, nil
	}

	t, err := pipeline.DateRule{}.Parse(a.Record.CompletionDate)
	if err != nil {
		return time.Time{}, fmt.Errorf("Arena's completion date cannot be compared: %w", err)
	}

	return t, nil
}

// mismatchDetail names what differs between the LMS and Arena.
func mismatchDetail(lms *Completion, arenaDate time.Time, arenaScore *float64) string {
	what := "the score differs"
	switch {
	case !lms.sameDate(arenaDate) && !lms.sameScore(arenaScore):
		what = "the date and the score differ"
	case !lms.sameDate(arenaDate):
		what = "the date differs"
	}

	return what + ": decide which is right and correct it in Arena or in the LMS; --repair never overwrites a completion in Arena"
}

// missingDetail explains why Arena lacks the completion and what to do.
func missingDetail(e *enrollment, a *arenaRecord) string {
	switch {
	case e.recordID == "":
		return "no Arena training record is mapped for the enrollment: import the mapping with `arenasync mapping import` or send the enrollment again; --repair re-enqueues the completion, which retries until the record is mapped"
	case a == nil || !a.Found:
		return "Arena has no training record " + e.recordID + ": correct the mapping with `arenasync mapping set`"
	case a.Record.AcceptsCompletion():
		return "Arena's record is " + a.Record.Status + " without the completion: --repair puts the completion back on the main topic"
	default:
		return "Arena's record is " + a.Record.Status + " and accepts no completion: enroll the employee again, then repair"
	}
}

// formatAge writes an age in days and hours, such as 8d3h, or as a
// duration below a day.
func formatAge(d time.Duration) string {
	if d < 24*time.Hour {
		return d.Round(time.Second).String()
	}

	days := d / (24 * time.Hour)
	hours := (d % (24 * time.Hour)) / time.Hour

	return fmt.Sprintf("%dd%dh", days, hours)
}
