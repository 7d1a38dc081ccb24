// Package producer is the webhook ingest of arenasync: an HTTP server that
// authenticates LMS webhooks, parses and validates them with the parsers of
// package pipeline, and writes each accepted event to the main Kafka topic.
//
// A request gets 202 only after every in-sync replica acknowledged
// the record (acks=all). A body that is not a valid event is kept on the
// dead-letter topic with reason invalid_payload before the 400 or 422 response,
// so nothing an authenticated LMS sent is lost. When Kafka cannot take a
// record in time the response is 503 with Retry-After, and the LMS retries.
//
// The optional duplicate check looks up every event id of a delivery in
// the Deduplicator in one round trip before the Kafka write. The bookkeeping
// after the write, which remembers the ids for later duplicate checks and
// records the acceptance in the ledger, runs in the background after the
// 202. A request does it before responding only when the bookkeeping queue
// is full. The id is remembered only after Kafka acknowledged its event,
// and the ledger keeps a worker's outcome that arrives before the
// acceptance. The bookkeeper type documents why this order is safe.
//
// Delivery is at least once. A write that timed out may still reach Kafka
// after the 503. Two concurrent deliveries of one event can both pass the
// optional Deduplicator, and so can a repeated delivery that reaches
// another ingest instance before the first delivery's id is remembered.
// Consumers must treat a repeated event id as harmless.
package producer
