package review

// Log keys, one spelling each.
const (
	keyEntryID    = "entry_id"
	keyEventID    = "event_id"
	keyEmployeeID = "employee_id"
	keyCourseID   = "course_id"
	keyReason     = "reason"
	keyDetail     = "detail"
	keyTopic      = "topic"
	keyPartition  = "partition"
	keyOffset     = "offset"
	keyGroup      = "group"
	keyAttempt    = "attempt"
)
