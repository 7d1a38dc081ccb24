// Package consumer runs the Kafka consumer groups of the worker: one on the
// main topic and one on each retry tier. Every runner hands records to the
// same Handler and routes its outcome: done and pending-approval records are
// committed, retryable ones move to the next retry tier, permanent ones and
// those that failed the last tier move to the dead-letter topic.
//
// # Delivery guarantee
//
// Delivery is at-least-once. A record's offset is committed only after its
// outcome is durable: Arena returned a final answer, or the next topic (retry tier or
// dead-letter topic) acknowledged the moved record with acks=all. A crash
// between the two repeats the Arena call when the record is read again.
// Handlers make that repeat harmless: an enrollment looks up the enrollment
// map before creating a record, and a completion that Arena already holds
// with the same date is a success, not a conflict.
//
// Records of one partition are handled concurrently, but records with the
// same key (employeeId|courseId) are handled one after another in offset
// order: a key's next record waits until the one before it is finished,
// while idle handlers take records of other keys. Offsets are committed up to the first
// record still in flight, because committing offset N in Kafka commits
// every offset below N of that partition.
//
// # Retry tiers
//
// A retry tier is a topic with a fixed delay. Its handler waits until the
// record's not-before time before handling it. kafka-go sends
// group heartbeats from its own goroutine, so waiting does not cost the
// group membership. Records of a tier are written in the order they
// failed, all with the same delay, so the records the handlers take first
// are the ones due first.
//
// Records that cannot be decoded, or whose handler panics, go to the
// dead-letter topic with their raw bytes and never block their partition.
package consumer
