package reconcile

// Log keys, one spelling each.
const (
	keyRunID            = "run_id"
	keyLock             = "lock"
	keyTrainingRecordID = "training_record_id"
	keyAttempt          = "attempt"
	keyRecords          = "records"
	keyCached           = "cached"
	keyDifferences      = "differences"
	keyDuration         = "duration"
	keySlot             = "slot"
	keyInstance         = "instance"
	keyWait             = "wait"
	keyResumed          = "resumed"
	keyArenaReads       = "arena_reads"
	keyEnqueued         = "enqueued"
	keyFailed           = "failed"
	keyNext             = "next"
)
