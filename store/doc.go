// Package store keeps arenasync's shared state in Redis: the enrollment map
// from (employee, LMS course) to Arena training record, the ingest
// de-duplication keys and the locks that make record creation safe when two
// workers see the same enrollment at once.
//
// Every key starts with one configurable prefix, so several installations
// can share a Redis server.
package store
