// Package handler turns one training event into its Arena calls and
// classifies the result with pipeline.Classify. An enrollment creates the
// Arena training record and stores it in the enrollment map; a completion
// finds the record (from the event or the map) and completes it.
//
// Both are idempotent, because the consumer delivers at least once: an
// enrollment already in the map is done without a call, and a completion
// that Arena rejects with 409 is done when Arena already holds the same
// completion date (and score, when the LMS sent one).
package handler
