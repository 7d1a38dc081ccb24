// Package adapters turns the webhook bodies of real LMSs into the canonical
// events of package pipeline: the generic format (lms), Moodle event data
// (moodle), Docebo webhooks (docebo), 360Learning course attempts
// (360learning) and xAPI statements (xapi). An Adapter's Parse and
// ParseRequest methods fit producer.WithSource and
// producer.WithRequestSource; authenticity is checked before them, by
// package webhookauth.
//
// Every adapter applies the same rules:
//
// Scores (pipeline.ParseScore and pipeline.XAPIScore):
//
//   - A JSON number or a numeric string such as "85", "85.00" or "85%" is a
//     percentage.
//   - A value outside 0..100 is dropped with a warning and
//     arenasync_ingest_scores_dropped_total{source,reason}, and the
//     completion is kept.
//   - An xAPI scaled score is used only when it lies in 0..1 and agrees
//     with raw over min..max within half a percentage point. max = min
//     means the range is unknown, and a raw score without a known range
//     and without a usable scaled score is dropped.
//   - A score that is neither a number nor a numeric string makes the
//     delivery invalid (422).
//
// Dates (pipeline.DateRule.ParseValue):
//
//   - RFC 3339 with an offset is converted to UTC.
//   - A time without a zone is read in the source's configured zone, never
//     the host's, and is invalid when no zone is configured.
//   - A date alone is midnight in that zone.
//   - JSON numbers and strings of at least 10 digits are epoch seconds, or
//     milliseconds from 1e11 on.
//   - Fractional seconds are truncated.
//   - A date more than pipeline.FutureTolerance ahead of the clock is
//     invalid (422).
//
// Identity: a per-source Identity maps the LMS user id to Arena's
// employeeId (SameID, PrefixID, TableID from a CSV file, RedisID). An
// unknown user makes the delivery invalid (422); a failed Redis lookup
// returns an error wrapping pipeline.ErrUnavailable (503, the LMS retries).
//
// Event ids: the LMS's delivery id, so the ingest de-duplication recognises
// a repeated delivery: Docebo's message_id (message_id:<index> for each
// item of a grouped delivery), the webhook-id header of 360Learning and the
// statement id of xAPI. Moodle sends none, so its ids are derived from the
// content with pipeline.DeriveEventID, as are those of deliveries without
// an id.
//
// Events arenasync does not handle, such as Moodle events other than
// \core\event\course_completed, are returned as *pipeline.IgnoredError and
// counted in arenasync_ingest_events_ignored_total{source,reason}. A
// grouped delivery with one invalid item is rejected whole, so the LMS's
// retry or the dead-letter topic keeps it together.
package adapters
