// Package reconcile compares the completions that the LMS and arenasync
// hold with the training records in Arena, and reports every difference, so a
// quality team can show that every completion in the LMS is in Arena.
//
// # Inputs
//
// The LMS side is an optional LMS completion export (ReadExport) and the
// ledger, arenasync's own record of the completions it accepted (package
// ledger). The enrollment map names the Arena record of each enrollment,
// and the review queue names the completions waiting in the dead-letter
// topic. Arena's side is read with GET /api/v1/training/records/{id} for
// every record those sources name, Config.Workers at a time, through the
// caller's RecordReader, which applies the shared rate limit.
//
// # Categories
//
// Each enrollment is ok, missing_in_arena, mismatch, unknown_to_lms,
// stale_pending_approval, dead_lettered or in_flight (see Category). An
// enrollment without a completion on either side is only counted.
//
// # Resuming
//
// Every record read is saved in Redis under the run's id. A run that is
// interrupted (its context ends, or Arena cannot be read) leaves the run
// in Redis, and the next run within Config.ResumeWindow continues it: it
// reads from Arena only the records not saved yet. A finished run
// removes its records.
//
// # Repair
//
// With Options.Repair, the missing_in_arena completions are written back
// to the main topic with the header arenasync-replay: reconciliation, so
// the worker handles them like LMS deliveries, with retries and dead
// letters. The reconciliation never writes to Arena, and a record that
// holds a different completion (mismatch) is reported, not repaired.
//
// # Concurrency
//
// A Redis lock lets one reconciliation run at a time across processes,
// and Scheduler lets one of several instances run each scheduled
// reconciliation. The last report is stored in Redis (LastReport).
//
// NOTE: the keys of one installation are not placed in one Redis Cluster
// hash slot, so this package needs a single Redis server or a primary with
// replicas, not Redis Cluster.
package reconcile
