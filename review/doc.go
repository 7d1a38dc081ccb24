// Package review keeps the manual-review queue of dead letters in Redis,
// with an append-only audit trail of every action taken on them, and runs
// the consumer group that fills the queue from the dead-letter topic.
//
// # Entries
//
// Each dead-letter record becomes one Entry whose id is the record's
// position, <topic>-<partition>-<offset>. Storing the same record twice
// leaves the first entry as it is, so a record read again after a crash or
// a rebalance never creates a second entry. An entry is open until an
// administrator replays it to the main topic (replayed) or closes it
// without a replay (resolved). Resolved is final.
//
// # Audit trail
//
// Every change of an entry appends an AuditRecord to two Redis streams: the
// entry's own trail and one trail of all entries. The state change and the
// audit records are written by one Lua script, so neither exists without
// the other. arenasync has no command that edits or deletes audit records,
// and it never trims the streams. How long they are kept is up to the
// operator of the Redis server.
//
// # Delivery guarantee of the consumer
//
// Delivery is at-least-once. The consumer commits a record's offset only
// after its entry is stored. A crash in between makes the group read the
// record again, and the idempotent store makes the repeat harmless. Administrators are
// notified only when an entry is created, so a repeat does not notify twice.
//
// NOTE: the keys of one installation are not placed in one Redis Cluster
// hash slot, so the scripts need a single Redis server or a primary with
// replicas, not Redis Cluster.
package review
