// Package pipeline holds the domain of arenasync: the canonical training
// events, the parsing and validation of the generic LMS webhook, the
// normalization of dates and scores, the Kafka record format shared by every
// topic, and the classification of an Arena answer into an outcome (done,
// pending approval, retryable, permanent).
//
// The package has no I/O. Producers, consumers and the Arena client depend on
// it; it depends on none of them.
package pipeline
