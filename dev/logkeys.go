package dev

// Log keys, one spelling each, matching the other packages where they
// overlap.
const (
	keyAddr             = "addr"
	keyArenaURL         = "arena_url"
	keyAttempt          = "attempt"
	keyBrokers          = "brokers"
	keyCompletedRecords = "completed_records"
	keyCount            = "count"
	keyCreated          = "created"
	keyElapsed          = "elapsed"
	keyEmployees        = "employees"
	keyEvents           = "events"
	keyExisting         = "existing"
	keyGroup            = "group"
	keyOffset           = "offset"
	keyPart             = "part"
	keyPartition        = "partition"
	keyPending          = "pending"
	keyPrefix           = "prefix"
	keyRate             = "rate"
	keyReason           = "reason"
	keySenders          = "senders"
	keyTimeout          = "timeout"
	keyTopics           = "topics"
	keyWait             = "wait"
)
