package notify

// Log keys, one spelling each.
const (
	keyReason  = "reason"
	keyCount   = "count"
	keyAttempt = "attempt"
	keyHost    = "webhook_host"
	keyText    = "text"
	keyWait    = "wait"
	keyError   = "error"
)
