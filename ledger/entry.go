package ledger

import (
	"fmt"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// Outcome is the last state of a completion as arenasync recorded it.
type Outcome string

// Outcomes, in the order a completion usually passes them.
const (
	// OutcomeAccepted: ingest wrote the completion to Kafka and no worker
	// has handled it yet.
	OutcomeAccepted Outcome = "accepted"
	// OutcomeRetrying: the completion waits in a retry tier, or behind an
	// earlier event of its enrollment that does.
	OutcomeRetrying Outcome = "retrying"
	// OutcomeDone: Arena holds the completion.
	OutcomeDone Outcome = "done"
	// OutcomePendingApproval: Arena holds the completion and waits for a
	// manager's approval.
	OutcomePendingApproval Outcome = "pending_approval"
	// OutcomeDeadLettered: the completion went to the dead-letter topic.
	OutcomeDeadLettered Outcome = "dead_lettered"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeAccepted, OutcomeRetrying, OutcomeDone, OutcomePendingApproval, OutcomeDeadLettered}

// ReasonParked is the reason of a retrying entry whose completion waits
// behind an earlier event of its enrollment.
const ReasonParked = "parked"

// Entry is the latest completion of one enrollment.
type Entry struct {
	EmployeeID string `json:"employeeId"`
	CourseID   string `json:"courseId"`
	// TrainingRecordID is the Arena record the completion was meant for.
	// It is the event's own record id, else the enrollment map's record at
	// the time of the write, and empty when neither existed.
	TrainingRecordID string `json:"trainingRecordId,omitempty"`
	EventID          string `json:"eventId"`
	// Source names the adapter that accepted the event, such as "lms".
	Source string `json:"source,omitempty"`
	// CompletionDate is RFC 3339 in UTC with a Z suffix.
	CompletionDate string `json:"completionDate"`
	// Score is 0 to 100, nil when the LMS sent none.
	Score   *float64 `json:"score,omitempty"`
	Outcome Outcome  `json:"outcome"`
	// Reason is the outcome's reason, such as the dead-letter reason or the
	// retry reason; empty for most done and pending-approval entries.
	Reason string `json:"reason,omitempty"`
	// AcceptedAt is when ingest accepted the event; zero when unknown.
	AcceptedAt time.Time `json:"acceptedAt,omitzero"`
	// LastAttemptAt is when the last outcome was reached.
	LastAttemptAt time.Time `json:"lastAttemptAt"`
}

// Key returns the enrollment key "employeeId|courseId", the same as the
// Kafka record key of the enrollment's events.
func (e Entry) Key() string {
	return e.EmployeeID + pipeline.KeySeparator + e.CourseID
}

// Completed returns the completion date as a time.
func (e Entry) Completed() (time.Time, error) {
	t, err := time.Parse(time.RFC3339, e.CompletionDate)
	if err != nil {
		return time.Time{}, fmt.Errorf("ledger entry %s: completion date %q is not RFC 3339: %w", e.Key(), e.CompletionDate, err)
	}

	return t, nil
}

// Event rebuilds the completion event of the entry, as the worker handles
// it: the same event id, so a repeat is recognisable in logs and in
// Arena's X-Request-ID.
func (e Entry) Event() pipeline.Event {
	return pipeline.Event{
		ID:               e.EventID,
		Type:             pipeline.CourseCompleted,
		Source:           e.Source,
		EmployeeID:       e.EmployeeID,
		CourseID:         e.CourseID,
		TrainingRecordID: e.TrainingRecordID,
		CompletionDate:   e.CompletionDate,
		Status:           pipeline.StatusCompleted,
		Score:            e.Score,
	}
}

// validOutcome reports whether o is one of Outcomes.
func validOutcome(o Outcome) bool {
	for _, known := range Outcomes {
		if o == known {
			return true
		}
	}

	return false
}
