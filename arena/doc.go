// Package arena is the client for the Arena QMS REST API calls that arenasync
// makes: the service-account token, training-record creation and completion,
// record lookup and employee lookup.
//
// Every call sends a bearer token from a [TokenSource], JSON Content-Type and
// Accept headers, and the caller's request id as X-Request-ID, so one LMS event
// can be traced across retries. A call that Arena rejects with 401 invalidates
// the token it used and runs once more with a fresh one.
//
// Failures are returned as [*Error], which carries the endpoint, the HTTP status,
// Arena's error code and message, the wait Arena asked for (Retry-After), and
// [Error.Retryable], the one place that decides whether a failure can succeed
// later. [StatusCode], [IsNotFound], [IsConflict] and the other helpers read it
// from any wrapped error.
//
// The package arenasim next to this one simulates the same endpoints in memory
// for tests and demos.
package arena
