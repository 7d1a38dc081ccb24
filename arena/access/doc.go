// Package access builds the Arena client of a worker together with the
// parts that make its calls safe under load. They are the token or session
// shared through Redis (package sharedtoken), the shared rate limit and 429
// pause (package ratelimit), the circuit breaker on Arena's health (package
// circuit), and Prometheus metrics of every call.
//
// Its Gate is the consumer's gate: fetching from Kafka stops while the
// circuit is open or Arena asked every instance to pause. An event that
// failed because Arena was down or rate-limited for everyone is handled
// again in place once the gate opens, instead of moving to a retry tier,
// unless the pause is longer than Config.MaxInPlaceWait.
package access
