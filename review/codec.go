package review

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Hash fields of an entry. Times are RFC 3339 in UTC with nanoseconds, so
// redis-cli shows them readably; an absent time is an empty string.
const (
	fieldID               = "id"
	fieldStatus           = "status"
	fieldEventID          = "event_id"
	fieldEventType        = "event_type"
	fieldSource           = "source"
	fieldEmployeeID       = "employee_id"
	fieldCourseID         = "course_id"
	fieldTrainingRecordID = "training_record_id"
	fieldReason           = "reason"
	fieldErrorClass       = "error_class"
	fieldErrorMessage     = "error_message"
	fieldArenaStatus      = "arena_status"
	fieldAttempt          = "attempt"
	fieldOriginalTopic    = "original_topic"
	fieldOriginalPart     = "original_partition"
	fieldOriginalOffset   = "original_offset"
	fieldTopic            = "topic"
	fieldPartition        = "partition"
	fieldOffset           = "offset"
	fieldKey              = "key"
	fieldAcceptedAt       = "accepted_at"
	fieldFirstSeen        = "first_seen"
	fieldDeadLetteredAt   = "dead_lettered_at"
	fieldStoredAt         = "stored_at"
	fieldUpdatedAt        = "updated_at"
	fieldValue            = "value"
	fieldHeaders          = "headers"
	fieldReplayable       = "replayable"
	fieldDecodeError      = "decode_error"
	fieldReplayCount      = "replay_count"
	fieldLastReplayAt     = "last_replay_at"
)

// hashArgs returns the entry as HSET field-value pairs.
func (e Entry) hashArgs() ([]any, error) {
	headers, err := json.Marshal(e.Headers)
	if err != nil {
		return nil, fmt.Errorf("encode headers of dead letter %s: %w", e.ID, err)
	}

	return []any{
		fieldID, e.ID,
		fieldStatus, string(e.Status),
		fieldEventID, e.EventID,
		fieldEventType, e.EventType,
		fieldSource, e.Source,
		fieldEmployeeID, e.EmployeeID,
		fieldCourseID, e.CourseID,
		fieldTrainingRecordID, e.TrainingRecordID,
		fieldReason, e.Reason,
		fieldErrorClass, e.ErrorClass,
		fieldErrorMessage, e.ErrorMessage,
		fieldArenaStatus, strconv.Itoa(e.ArenaStatus),
		fieldAttempt, strconv.Itoa(e.Attempt),
		fieldOriginalTopic, e.OriginalTopic,
		fieldOriginalPart, strconv.Itoa(e.OriginalPartition),
		fieldOriginalOffset, strconv.FormatInt(e.OriginalOffset, 10),
		fieldTopic, e.Topic,
		fieldPartition, strconv.Itoa(e.Partition),
		fieldOffset, strconv.FormatInt(e.Offset, 10),
		fieldKey, e.Key,
		fieldAcceptedAt, formatTime(e.AcceptedAt),
		fieldFirstSeen, formatTime(e.FirstSeen),
		fieldDeadLetteredAt, formatTime(e.DeadLetteredAt),
		fieldStoredAt, formatTime(e.StoredAt),
		fieldUpdatedAt, formatTime(e.UpdatedAt),
		fieldValue, e.Value,
		fieldHeaders, string(headers),
		fieldReplayable, strconv.FormatBool(e.Replayable),
		fieldDecodeError, e.DecodeError,
		fieldReplayCount, strconv.Itoa(e.ReplayCount),
		fieldLastReplayAt, formatTime(e.LastReplayAt),
	}, nil
}

// entryFromHash reads an entry written by hashArgs. A field that does not
// parse is an error, because it means the hash was changed by hand.
func entryFromHash(h map[string]string) (Entry, error) {
	p := hashParser{h: h}
	e := Entry{
		ID:                h[fieldID],
		Status:            Status(h[fieldStatus]),
		EventID:           h[fieldEventID],
		EventType:         h[fieldEventType],
		Source:            h[fieldSource],
		EmployeeID:        h[fieldEmployeeID],
		CourseID:          h[fieldCourseID],
		TrainingRecordID:  h[fieldTrainingRecordID],
		Reason:            h[fieldReason],
		ErrorClass:        h[fieldErrorClass],
		ErrorMessage:      h[fieldErrorMessage],
		ArenaStatus:       p.int(fieldArenaStatus),
		Attempt:           p.int(fieldAttempt),
		OriginalTopic:     h[fieldOriginalTopic],
		OriginalPartition: p.int(fieldOriginalPart),
		OriginalOffset:    p.int64(fieldOriginalOffset),
		Topic:             h[fieldTopic],
		Partition:         p.int(fieldPartition),
		Offset:            p.int64(fieldOffset),
		Key:               h[fieldKey],
		AcceptedAt:        p.time(fieldAcceptedAt),
		FirstSeen:         p.time(fieldFirstSeen),
		DeadLetteredAt:    p.time(fieldDeadLetteredAt),
		StoredAt:          p.time(fieldStoredAt),
		UpdatedAt:         p.time(fieldUpdatedAt),
		Value:             []byte(h[fieldValue]),
		Replayable:        h[fieldReplayable] == "true",
		DecodeError:       h[fieldDecodeError],
		ReplayCount:       p.int(fieldReplayCount),
		LastReplayAt:      p.time(fieldLastReplayAt),
	}

	if raw := h[fieldHeaders]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &e.Headers); err != nil && p.err == nil {
			p.err = fmt.Errorf("field %s: %w", fieldHeaders, err)
		}
	}
	if p.err != nil {
		return Entry{}, fmt.Errorf("dead letter %s is damaged in Redis: %w", e.ID, p.err)
	}

	return e, nil
}

// hashParser parses hash fields and keeps the first error.
type hashParser struct {
	h   map[string]string
	err error
}

func (p *hashParser) int(field string) int {
	return int(p.int64(field))
}

func (p *hashParser) int64(field string) int64 {
	raw := p.h[field]
	if raw == "" {
		return 0
	}

	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("field %s: %w", field, err)
	}

	return n
}

func (p *hashParser) time(field string) time.Time {
	raw := p.h[field]
	if raw == "" {
		return time.Time{}
	}

	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("field %s: %w", field, err)
	}

	return t
}

// formatTime writes t for a hash field or a stream entry, "" when zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}

	return t.UTC().Format(time.RFC3339Nano)
}
