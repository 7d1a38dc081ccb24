package pipeline

import "strings"

// EventType is the kind of an LMS training event.
type EventType string

// Event types accepted by arenasync.
const (
	// CourseEnrolled asks for an Arena training record to be created.
	CourseEnrolled EventType = "course.enrolled"
	// CourseCompleted asks for an Arena training record to be completed.
	CourseCompleted EventType = "course.completed"
)

// StatusCompleted is the only status a completion event may carry.
const StatusCompleted = "COMPLETED"

// KeySeparator joins employee id and course id in a Kafka record key. Ids
// containing it are rejected at validation, so a key always splits back
// into the pair it came from.
const KeySeparator = "|"

// Event is the canonical, validated and normalized form of one LMS event.
// It is the data carried by every Kafka record of the pipeline.
type Event struct {
	// ID is the LMS delivery id, or an id derived from the content when the
	// LMS sent none. It is the X-Request-ID of every Arena call.
	ID string `json:"eventId"`
	// Type is course.enrolled or course.completed.
	Type EventType `json:"eventType"`
	// Source names the adapter that accepted the event, such as "lms".
	Source string `json:"source"`
	// EmployeeID is Arena's employee id.
	EmployeeID string `json:"employeeId"`
	// CourseID is the LMS course id.
	CourseID string `json:"courseId"`
	// TrainingRecordID is the Arena record id when the LMS already knows it.
	TrainingRecordID string `json:"trainingRecordId,omitempty"`
	// CompletionDate is RFC 3339 in UTC with a Z suffix; completions only.
	CompletionDate string `json:"completionDate,omitempty"`
	// Status is COMPLETED on completions and empty on enrollments.
	Status string `json:"status,omitempty"`
	// Score is 0 to 100, or nil when the LMS sent none.
	Score *float64 `json:"score,omitempty"`
	// EnrolledAt is RFC 3339 in UTC; enrollments only, optional.
	EnrolledAt string `json:"enrolledAt,omitempty"`
	// DueDate is RFC 3339 in UTC or a date (YYYY-MM-DD); enrollments only, optional.
	DueDate string `json:"dueDate,omitempty"`
}

// Key returns the Kafka record key "employeeId|courseId", which keeps every
// event of one enrollment on one partition and so in order.
func (e Event) Key() string {
	return e.EmployeeID + KeySeparator + e.CourseID
}

// SplitKey splits a record key into employee id and course id. ok is false
// when the key does not contain the separator.
func SplitKey(key string) (employeeID, courseID string, ok bool) {
	return strings.Cut(key, KeySeparator)
}
