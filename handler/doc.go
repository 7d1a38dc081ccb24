// Package handler turns one training event into its Arena calls and
// classifies the result with pipeline.Classify.
//
// An enrollment creates the Arena training record and stores its id in the
// enrollment map under (employee id, LMS course id). Before the record is
// created, the LMS course id is resolved to an Arena course id
// (WithCatalog; unmapped is a dead letter with reason unknown_course) and
// the employee is checked in Arena (WithEmployeeCheck; unknown is
// employee_not_found). An enrollment whose mapped record is EXPIRED or
// CANCELLED is a retake: a new record is created and the map moves to it.
//
// A completion finds its record (from the event or the map) and completes
// it. A completion whose enrollment has not been processed is retried
// (mapping_not_found); with WithParkedEvents it first handles the
// enrollment parked behind it, and with Config.CreateOnCompletion it
// creates the record itself. A completion of an EXPIRED or CANCELLED
// record is a dead letter (record_expired, record_cancelled).
//
// Both are idempotent, because the consumer delivers at least once: an
// enrollment already mapped to a live record is done without creating
// one, creation runs under a Redis lock per enrollment so two workers
// cannot both create, and a completion that Arena rejects with 409 is done
// when Arena already holds the same completion date (and score, when the
// LMS sent one).
package handler
