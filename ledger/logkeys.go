package ledger

// Log keys, one spelling each.
const (
	keyEventID    = "event_id"
	keyEmployeeID = "employee_id"
	keyCourseID   = "course_id"
	keyOutcome    = "outcome"
	keyFailures   = "failures"
)
