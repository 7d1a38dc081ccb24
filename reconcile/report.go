package reconcile

import (
	"sort"
	"time"
)

// Report is the result of one reconciliation: a summary by category and
// one row per enrollment that is not ok.
type Report struct {
	RunID string `json:"runId"`
	// StartedAt is when the run started; a resumed run keeps the time of
	// its first part.
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// DurationSeconds is how long this process took, without the time
	// spent by an earlier, interrupted part.
	DurationSeconds float64 `json:"durationSeconds"`
	// Resumed is true when the run continued an interrupted one.
	Resumed bool `json:"resumed"`
	// Since limits the report to completions dated at or after it; zero
	// means no limit.
	Since time.Time `json:"since,omitzero"`
	// Export describes the LMS export; nil when none was given.
	Export *Export `json:"lmsExport,omitempty"`

	// Enrollments counts the enrollments compared: those of the ledger,
	// the enrollment map, the LMS export and the review queue together.
	Enrollments int `json:"enrollments"`
	// WithoutCompletion counts compared enrollments that neither side
	// completed, which are no row of the report.
	WithoutCompletion int `json:"withoutCompletion"`
	// ArenaRecords counts the Arena records compared.
	ArenaRecords int `json:"arenaRecords"`
	// ArenaReads counts the GET calls of this process; records read by an
	// interrupted part are reused, not read again.
	ArenaReads int `json:"arenaReads"`

	// Counts holds the number of enrollments of each category.
	Counts map[Category]int `json:"counts"`
	// Differences is the sum of the difference categories.
	Differences int `json:"differences"`
	// Repair summarizes the repair; nil when none was requested.
	Repair *RepairSummary `json:"repair,omitempty"`
	// Rows lists every enrollment that is not ok, by category in the
	// order of Categories, then by employee and course.
	Rows []Row `json:"rows"`
}

// RepairSummary counts the completions put back on the main topic.
type RepairSummary struct {
	// DryRun is true when nothing was written.
	DryRun bool   `json:"dryRun"`
	Topic  string `json:"topic"`
	// Enqueued counts the completions written, or that would be written on
	// a dry run.
	Enqueued int `json:"enqueued"`
	// Failed counts the completions Kafka did not acknowledge.
	Failed int `json:"failed"`
}

// Repair states of a row.
const (
	RepairEnqueued = "enqueued"
	RepairDryRun   = "dry_run"
	RepairFailed   = "failed"
)

// Row is one enrollment of the report.
type Row struct {
	Category   Category `json:"category"`
	EmployeeID string   `json:"employeeId"`
	CourseID   string   `json:"courseId"`
	// TrainingRecordID is the Arena record compared, empty when none is
	// known.
	TrainingRecordID string `json:"trainingRecordId,omitempty"`

	// LMSCompletionDate and LMSScore are the completion the LMS export or
	// the ledger holds; LMSSource names which (lms_export, ledger or
	// review_queue).
	LMSCompletionDate string   `json:"lmsCompletionDate,omitempty"`
	LMSScore          *float64 `json:"lmsScore,omitempty"`
	LMSSource         string   `json:"lmsSource,omitempty"`

	// ArenaStatus is the record's status, empty when Arena has no record.
	ArenaStatus         string   `json:"arenaStatus,omitempty"`
	ArenaCompletionDate string   `json:"arenaCompletionDate,omitempty"`
	ArenaScore          *float64 `json:"arenaScore,omitempty"`

	// LedgerOutcome, EventID and Reason come from the ledger or, for a
	// dead letter, from the review queue.
	LedgerOutcome string `json:"ledgerOutcome,omitempty"`
	EventID       string `json:"eventId,omitempty"`
	Reason        string `json:"reason,omitempty"`
	ReviewEntryID string `json:"reviewEntryId,omitempty"`

	// Detail states what differs and what to do.
	Detail string `json:"detail"`
	// Repair is enqueued, dry_run or failed after a repair; empty otherwise.
	Repair string `json:"repair,omitempty"`
}

// count fills Counts and Differences from the rows and the ok count.
func (r *Report) count(ok int) {
	r.Counts = make(map[Category]int, len(Categories))
	for _, c := range Categories {
		r.Counts[c] = 0
	}
	r.Counts[CategoryOK] = ok

	r.Differences = 0
	for _, row := range r.Rows {
		r.Counts[row.Category]++
		if row.Category.Difference() {
			r.Differences++
		}
	}
}

// sortRows orders the rows by category, employee and course.
func (r *Report) sortRows() {
	rank := make(map[Category]int, len(Categories))
	for i, c := range Categories {
		rank[c] = i
	}

	sort.Slice(r.Rows, func(i, j int) bool {
		a, b := r.Rows[i], r.Rows[j]
		if a.Category != b.Category {
			return rank[a.Category] < rank[b.Category]
		}
		if a.EmployeeID != b.EmployeeID {
			return a.EmployeeID < b.EmployeeID
		}

		return a.CourseID < b.CourseID
	})
}
