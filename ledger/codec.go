package ledger

import (
	"fmt"
	"strconv"
	"time"
)

// Hash fields of an entry. Times are RFC 3339 in UTC with milliseconds; an
// absent time or score is an empty string.
const (
	fieldEmployeeID       = "employee_id"
	fieldCourseID         = "course_id"
	fieldTrainingRecordID = "training_record_id"
	fieldEventID          = "event_id"
	fieldSource           = "source"
	fieldCompletionDate   = "completion_date"
	fieldScore            = "score"
	fieldOutcome          = "outcome"
	fieldReason           = "reason"
	fieldAcceptedAt       = "accepted_at"
	fieldLastAttemptAt    = "last_attempt_at"
)

// timeLayout writes the entry's times.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// hashArgs returns the entry as HSET field-value pairs, the record id left
// out: the write script sets it.
func (e Entry) hashArgs() []any {
	return []any{
		fieldEmployeeID, e.EmployeeID,
		fieldCourseID, e.CourseID,
		fieldEventID, e.EventID,
		fieldSource, e.Source,
		fieldCompletionDate, e.CompletionDate,
		fieldScore, formatScore(e.Score),
		fieldOutcome, string(e.Outcome),
		fieldReason, e.Reason,
		fieldAcceptedAt, formatTime(e.AcceptedAt),
		fieldLastAttemptAt, formatTime(e.LastAttemptAt),
	}
}

// entryFromHash reads an entry written by hashArgs and the write script.
func entryFromHash(h map[string]string) (Entry, error) {
	e := Entry{
		EmployeeID:       h[fieldEmployeeID],
		CourseID:         h[fieldCourseID],
		TrainingRecordID: h[fieldTrainingRecordID],
		EventID:          h[fieldEventID],
		Source:           h[fieldSource],
		CompletionDate:   h[fieldCompletionDate],
		Outcome:          Outcome(h[fieldOutcome]),
		Reason:           h[fieldReason],
	}

	var err error
	if e.Score, err = parseScore(h[fieldScore]); err != nil {
		return Entry{}, fmt.Errorf("ledger entry %s: %w", e.Key(), err)
	}
	if e.AcceptedAt, err = parseTime(h[fieldAcceptedAt]); err != nil {
		return Entry{}, fmt.Errorf("ledger entry %s: %s: %w", e.Key(), fieldAcceptedAt, err)
	}
	if e.LastAttemptAt, err = parseTime(h[fieldLastAttemptAt]); err != nil {
		return Entry{}, fmt.Errorf("ledger entry %s: %s: %w", e.Key(), fieldLastAttemptAt, err)
	}

	return e, nil
}

func formatScore(score *float64) string {
	if score == nil {
		return ""
	}

	return strconv.FormatFloat(*score, 'f', -1, 64)
}

func parseScore(value string) (*float64, error) {
	if value == "" {
		return nil, nil
	}

	score, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return nil, fmt.Errorf("score %q is not a number: %w", value, err)
	}

	return &score, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}

	return t.UTC().Format(timeLayout)
}

func parseTime(value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}

	return time.Parse(time.RFC3339Nano, value)
}

// millis is the sorted-set score of a time: Unix milliseconds.
func millis(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}
