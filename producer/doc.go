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
// Delivery is at least once. A write that timed out may still reach Kafka
// after the 503, and two concurrent deliveries of one event can both pass the
// optional Deduplicator, so consumers must treat a repeated event id as
// harmless.
package producer
