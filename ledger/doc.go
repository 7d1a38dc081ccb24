// Package ledger keeps arenasync's own record of the LMS completions it
// accepted, in Redis. It holds one entry per enrollment (employee and LMS
// course). An entry contains the Arena training record, the completion
// date and score, the event id, and the last outcome with its reason and
// time. The daily reconciliation compares the ledger with Arena, so it finds
// missing and differing completions even when the LMS offers no export.
//
// # Writers
//
// Workers write the ledger through Recorder.Observe, a consumer.Observer
// that the consumer calls after every durable outcome: a completion is
// done, waits for approval, waits in a retry tier (retrying) or went to
// the dead-letter topic (dead_lettered). Ingest may write it through
// Recorder.Accepted once Kafka acknowledged an event (accepted), so a
// completion that never reached a worker is in the ledger too. Accepted
// takes the events of many webhooks at once and writes them with
// Store.PutAll in one Redis pipeline.
//
// An entry holds the latest completion of its enrollment. A later
// completion replaces an earlier one, except that an earlier completion
// superseded while it waited in a retry tier is never written, and an
// "accepted" write never replaces a later outcome of the same event. An
// enrollment that a retake moved to a new Arena record loses its entry,
// because the old completion belongs to the old record, unless ingest
// accepted the entry's completion after the retake.
//
// # Keys
//
// Every key starts with the installation prefix and "ledger:".
//
//	ledger:entry:<employee>|<course>  hash, one entry
//	ledger:index:completed            sorted set of enrollments by completion time (Unix ms)
//	ledger:index:attempt              sorted set of enrollments by last outcome time (Unix ms)
//	ledger:index:outcome:<outcome>    the same, per last outcome
//
// NOTE: the write script also reads the enrollment map key of the entry,
// and the keys of one installation are not placed in one Redis Cluster
// hash slot, so the ledger needs a single Redis server or a primary with
// replicas, not Redis Cluster.
package ledger
