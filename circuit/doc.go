// Package circuit is the circuit breaker on Arena's health. It counts
// transport failures and 5xx responses across all Arena calls of the
// instance. After FailureThreshold of them in a row the circuit opens: the
// worker's Gate stops fetching from Kafka, and every ProbeInterval one probe
// call tests whether Arena responds again. The circuit closes after the first
// probe, or the first ordinary call, that gets a response below 500.
//
// The state machine is github.com/sony/gobreaker/v2: its open timeout is the
// probe interval, and its half-open state lets exactly one call through.
//
// The probe is an authenticated call chosen by the caller. arenasync uses
// GET /users/{employeeId} of a configured employee id: it is a read, it
// proves the token or session works, and a 404 for an id that does not
// exist still shows that Arena responds. A login would be cheaper to
// send but would end the shared Arena session of every instance.
package circuit
