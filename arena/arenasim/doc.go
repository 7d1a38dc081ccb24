// Package arenasim simulates the Arena QMS endpoints that arenasync calls, in
// memory, for tests, demos and the arena-sim subcommand.
//
// The token endpoint checks client credentials, issues tokens with a lifetime
// and scopes, and can end a client's earlier tokens when it logs in again, as
// real Arena sessions do. The training endpoints create, read and complete
// records under the record lifecycle, and the user endpoint looks up
// employees. A rate limit and the workspace setting that rejects external
// status updates are modelled too.
//
// Tests seed employees, courses and records, and inject faults: latency,
// random errors, outages, failures of the next n calls of an endpoint, and
// failures of one record. Counters and a request log show what clients did.
//
// The login endpoint starts sessions instead, as real Arena does: the session
// id goes in the arena_session_id header, a session ends 90 minutes (by
// default) after its last call, and a login ends the user's earlier session.
//
// Requests pass these checks in order, and the endpoint's own rules follow:
//  1. the configured latency;
//  2. an outage (503);
//  3. a used-up request quota (429, SetQuotaExhausted);
//  4. the rate limit (429);
//  5. injected failures of the endpoint (FailNext);
//  6. the random error rate on training-record calls (503);
//  7. JSON headers: 415 for a POST whose Content-Type is not application/json,
//     406 when Accept is missing or does not allow application/json;
//  8. the session id when the session header is present, otherwise the
//     bearer token (401), and the scope (403), except on the token and
//     login endpoints.
//
// Deliberate choices where real Arena installations may differ:
//   - When no course was seeded, records for any course id are accepted. Once
//     one course is seeded, unknown course ids are rejected with 404.
//   - Creating a second record for the same employee and course succeeds, so a
//     client that repeats a create after a lost response leaves a duplicate,
//     which FindRecords shows.
//   - A missing Accept header is rejected, although HTTP treats it as
//     "anything", so that a client which forgets the header is caught.
//   - The completion date is stored exactly as sent, so tests can check that
//     the client normalized it.
package arenasim
