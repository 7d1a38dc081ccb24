// Package ratelimit limits arenasync's calls to Arena across instances and
// pauses every instance when Arena responds with 429.
//
// # Limits
//
// The request rate is shared by every instance through Redis: one Redis
// script keeps a GCRA schedule (a token bucket of RequestsPerSecond with
// Burst) and reserves each call's slot, so N instances together send at
// most RequestsPerSecond on average and at most Burst at once. The clock
// is the Redis server's, so the instances' clocks need not agree.
//
// The limit on concurrent calls is a per-instance share: each instance sends
// at most MaxConcurrent calls at a time, so Arena sees at most
// instances × MaxConcurrent. For a workspace that allows C concurrent calls
// and N instances, set MaxConcurrent to C / N rounded down, and at least 1.
//
// # Pauses
//
// A 429 sets a pause in Redis that every instance honours: the wait from
// Retry-After (seconds or an HTTP date) or X-RateLimit-Reset when Arena sent
// one, otherwise a backoff that starts at PauseInitial and doubles with each
// failed round up to PauseMax, as when a workspace's quota for the period is
// used up. When the pause ends, one call goes first as a probe, and the
// others wait for its response. Any response except 429 lifts the pause, and
// another 429 starts the next, longer round. Only a 429 of a call admitted
// in the current round lengthens the backoff, so the calls that were in
// flight when the first 429 arrived do not multiply it.
//
// # Without Redis
//
// When Redis is unreachable, each instance limits itself to
// RequestsPerSecond / FallbackInstances and pauses only itself, logs a
// warning and counts the fallback. It tries Redis again every
// RedisRetryInterval.
package ratelimit
