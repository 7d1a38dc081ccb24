package consumer

// Log keys, one spelling each.
const (
	keyEventID    = "event_id"
	keyEmployeeID = "employee_id"
	keyTopic      = "topic"
	keyPartition  = "partition"
	keyOffset     = "offset"
	keyAttempt    = "attempt"
	keyReason     = "reason"
	keyDetail     = "detail"
	keyGroup      = "group"
	keyOutcome    = "outcome"
)
