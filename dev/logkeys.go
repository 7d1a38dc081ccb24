package dev

// Log keys, one spelling each, matching the other packages where they
// overlap.
const (
	keyAddr              = "addr"
	keyArenaURL          = "arena_url"
	keyAttempt           = "attempt"
	keyBrokers           = "brokers"
	keyCompletedRecords  = "completed_records"
	keyCount             = "count"
	keyCreated           = "created"
	keyElapsed           = "elapsed"
	keyEmployees         = "employees"
	keyEvents            = "events"
	keyExisting          = "existing"
	keyGroup             = "group"
	keyNotifyInterval    = "notify_interval"
	keyOffset            = "offset"
	keyPart              = "part"
	keyPartition         = "partition"
	keyPending           = "pending"
	keyPendingReview     = "pending_review"
	keyPrefix            = "prefix"
	keyRate              = "rate"
	keyReason            = "reason"
	keySenders           = "senders"
	keyTimeout           = "timeout"
	keyTopic             = "topic"
	keyTopics            = "topics"
	keyWait              = "wait"
	keyWebhookConfigured = "webhook_configured"
)
