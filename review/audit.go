package review

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// Action is the kind of change made to an entry.
type Action string

// Audited actions.
const (
	// ActionReceived: the reconciler created the entry from the dead-letter topic.
	ActionReceived Action = "received"
	// ActionReplayed: the event was written to the main topic again.
	ActionReplayed Action = "replayed"
	// ActionResolved: an administrator closed the entry without a replay.
	ActionResolved Action = "resolved"
)

// ReconcilerActor is the actor of the received action.
const ReconcilerActor = "arenasync-reconciler"

// AuditRecord is one line of an audit trail.
type AuditRecord struct {
	// ID is the Redis stream id; ids sort in the order of the appends.
	ID      string    `json:"id"`
	EntryID string    `json:"entryId"`
	Action  Action    `json:"action"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Note    string    `json:"note,omitempty"`
	// Details hold action-specific facts, such as the topic, partition
	// and offset a replay was written to.
	Details map[string]string `json:"details,omitempty"`
}

// Stream fields of an audit record.
const (
	auditEntryID = "entry_id"
	auditAction  = "action"
	auditActor   = "actor"
	auditAt      = "at"
	auditNote    = "note"
	auditDetails = "details"
)

// streamArgs returns the record as XADD field-value pairs.
func (r AuditRecord) streamArgs() ([]any, error) {
	details := "{}"
	if len(r.Details) > 0 {
		encoded, err := json.Marshal(r.Details)
		if err != nil {
			return nil, fmt.Errorf("encode audit details of dead letter %s: %w", r.EntryID, err)
		}
		details = string(encoded)
	}

	return []any{
		auditEntryID, r.EntryID,
		auditAction, string(r.Action),
		auditActor, r.Actor,
		auditAt, formatTime(r.At),
		auditNote, r.Note,
		auditDetails, details,
	}, nil
}

// auditFromStream reads a record written by streamArgs.
func auditFromStream(msg redis.XMessage) (AuditRecord, error) {
	text := func(field string) string {
		value, _ := msg.Values[field].(string)
		return value
	}

	r := AuditRecord{ID: msg.ID, EntryID: text(auditEntryID), Action: Action(text(auditAction)), Actor: text(auditActor), Note: text(auditNote)}

	at, err := time.Parse(time.RFC3339Nano, text(auditAt))
	if err != nil {
		return AuditRecord{}, fmt.Errorf("audit record %s of dead letter %s has an invalid time: %w", msg.ID, r.EntryID, err)
	}
	r.At = at

	if raw := text(auditDetails); raw != "" && raw != "{}" {
		if err := json.Unmarshal([]byte(raw), &r.Details); err != nil {
			return AuditRecord{}, fmt.Errorf("audit record %s of dead letter %s has invalid details: %w", msg.ID, r.EntryID, err)
		}
	}

	return r, nil
}

// Trail returns the audit trail of entry id, oldest first. An id without
// an entry has an empty trail.
func (s *Store) Trail(ctx context.Context, id string) ([]AuditRecord, error) {
	return s.readTrail(ctx, s.keys.trail(id), "-", 0)
}

// AuditLog returns up to count records of the trail of all entries, oldest
// first, after stream id after ("" starts at the beginning). count 0 means
// no limit.
func (s *Store) AuditLog(ctx context.Context, after string, count int64) ([]AuditRecord, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}

	return s.readTrail(ctx, s.keys.allTrail(), start, count)
}

func (s *Store) readTrail(ctx context.Context, key, start string, count int64) ([]AuditRecord, error) {
	var msgs []redis.XMessage
	var err error
	if count > 0 {
		msgs, err = s.client.XRangeN(ctx, key, start, "+", count).Result()
	} else {
		msgs, err = s.client.XRange(ctx, key, start, "+").Result()
	}
	if err != nil {
		return nil, fmt.Errorf("read audit trail %s: %w", key, err)
	}

	records := make([]AuditRecord, 0, len(msgs))
	for _, msg := range msgs {
		r, err := auditFromStream(msg)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}

	return records, nil
}

// sortedDetailKeys returns the keys of details in order, for stable output.
func sortedDetailKeys(details map[string]string) []string {
	names := make([]string, 0, len(details))
	for name := range details {
		names = append(names, name)
	}
	sort.Strings(names)

	return names
}
