package pipeline

import (
	"errors"
	"fmt"
)

// Reasons for ignoring a delivery or one item of it. They are the reason
// label of arenasync_ingest_events_ignored_total.
const (
	// IgnoredEventType: an event name or type that is not a course
	// completion, such as Moodle's \core\event\user_loggedin.
	IgnoredEventType = "event_type"
	// IgnoredVerb: an xAPI verb other than completed, passed or failed.
	IgnoredVerb = "verb"
	// IgnoredFailedAttempt: an xAPI failed statement. Arena records only
	// completions, and a failed attempt must not mark training as done.
	IgnoredFailedAttempt = "failed_attempt"
	// IgnoredStatus: a completion event whose item is not in a completed
	// state, such as a Docebo item with status "in_progress".
	IgnoredStatus = "status"
	// IgnoredReason: a 360Learning attempt closed for a reason other than
	// the learner finishing it.
	IgnoredReason = "close_reason"
)

// IgnoredError is returned by a source parser for a well-formed delivery
// that holds no event arenasync handles. Ingest responds 200 with status
// "ignored" and writes nothing to Kafka, so the LMS does not retry.
type IgnoredError struct {
	// Reason is one of the Ignored* reasons above.
	Reason string `json:"reason"`
	// Detail describes what was ignored, for the response and the log.
	Detail string `json:"detail"`
}

// Error returns the detail.
func (e *IgnoredError) Error() string {
	return fmt.Sprintf("delivery ignored (%s): %s", e.Reason, e.Detail)
}

// ErrUnavailable is wrapped by a parser error when a request to a service
// the parser needs failed or timed out, such as Redis for an identity lookup. Ingest
// responds 503 with Retry-After, so the LMS sends the delivery again.
var ErrUnavailable = errors.New("a service needed to read the webhook is unavailable")
