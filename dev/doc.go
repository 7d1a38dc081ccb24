// Package dev runs every part of arenasync in one process, for demos and
// smoke tests: an embedded Kafka-protocol broker (kfake), an embedded Redis
// (miniredis), the Arena simulator, the webhook ingest, the worker and the
// reconciler's dead-letter consumer. A generator posts LMS webhooks through
// the real HTTP ingest, with a share of faults drawn from a seed, and a
// tracker follows every event to its final outcome. Run returns a Summary of
// the run.
//
// The worker has the parts of the worker role: shared Arena token, rate
// limit (higher by default than the role's) and circuit breaker, course
// catalog, employee check and holds. The reconciler part stores every
// dead letter in the review queue in Redis and hands it to the notifier,
// which logs one notification per reason and window, or posts it to
// Options.NotifyWebhookURL. The scheduled reconciliation is not part of a
// dev run.
//
// Any of the three servers can be an outside one instead (Options.KafkaBrokers,
// Options.Redis.Addr, Options.Arena.BaseURL). The generator seeds only the
// embedded simulator. With an outside Arena, its employees EMP00001 and up
// must exist there and LMS course ids pass through the course catalog
// unchanged. The unknown-employee and already-completed faults then end
// differently than the plan expects.
//
// # Final outcomes
//
// An event that ingest accepted with 202 is final when the worker's observer
// reports done, pending approval or permanent for it, or when a record with
// its id reaches the dead-letter topic. An event that ingest rejected with
// 422 is final only when its raw body reached the dead-letter topic, so the
// count of invalid payloads is read back from Kafka, not taken from the
// HTTP responses. Events without a final outcome when the wait ends count
// as lost.
//
// The wait also covers the review queue: Run returns once every
// dead-lettered event is in it as well, or when the same timeout runs out.
// Summary.ReviewQueueSize is then read from Redis.
//
// # Retries by tier
//
// Summary.RetriesByTier counts the events moved into each retry tier, from
// the worker's retryable outcomes. An event read again after a redelivery
// counts once per tier.
package dev
