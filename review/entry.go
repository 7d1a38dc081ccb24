package review

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/pipeline"
)

// Status is the review state of an entry.
type Status string

// Entry statuses.
const (
	// StatusOpen: waiting for an administrator.
	StatusOpen Status = "open"
	// StatusReplayed: the event was put back on the main topic.
	StatusReplayed Status = "replayed"
	// StatusResolved: closed by an administrator; final.
	StatusResolved Status = "resolved"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusOpen, StatusReplayed, StatusResolved}

// ParseStatus reads a status name; "all" and "" yield "" (any status).
func ParseStatus(value string) (Status, error) {
	switch value {
	case "", "all":
		return "", nil
	case string(StatusOpen), string(StatusReplayed), string(StatusResolved):
		return Status(value), nil
	default:
		return "", fmt.Errorf("status %q is invalid: use open, replayed, resolved or all", value)
	}
}

// unknownReason is the reason of a dead letter that carries none.
const unknownReason = "unknown"

// Header is one Kafka header of the dead-letter record.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Entry is one dead letter in the review queue.
type Entry struct {
	// ID is <topic>-<partition>-<offset> of the dead-letter record.
	ID     string `json:"id"`
	Status Status `json:"status"`

	// Event fields; empty when the value could not be decoded and the raw
	// bytes did not contain them either.
	EventID          string `json:"eventId,omitempty"`
	EventType        string `json:"eventType,omitempty"`
	Source           string `json:"source,omitempty"`
	EmployeeID       string `json:"employeeId,omitempty"`
	CourseID         string `json:"courseId,omitempty"`
	TrainingRecordID string `json:"trainingRecordId,omitempty"`

	// Reason is the dead-letter reason, "unknown" when the record had none.
	Reason       string `json:"reason"`
	ErrorClass   string `json:"errorClass,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// ArenaStatus is Arena's HTTP status in the last failure, 0 when none.
	ArenaStatus int `json:"arenaStatus,omitempty"`
	// Attempt is the attempt header: handler runs before the last one.
	Attempt int `json:"attempt"`

	// OriginalTopic, OriginalPartition and OriginalOffset locate the record
	// as it was first consumed; OriginalTopic is empty for webhook bodies.
	OriginalTopic     string `json:"originalTopic,omitempty"`
	OriginalPartition int    `json:"originalPartition"`
	OriginalOffset    int64  `json:"originalOffset"`

	// Topic, Partition and Offset locate the dead-letter record.
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	// Key is the dead-letter record's key, employeeId|courseId for events.
	Key string `json:"key,omitempty"`

	// AcceptedAt is when ingest accepted the event.
	AcceptedAt time.Time `json:"acceptedAt,omitzero"`
	// FirstSeen is when a worker first handled the event.
	FirstSeen time.Time `json:"firstSeen,omitzero"`
	// DeadLetteredAt is the dead-letter record's Kafka timestamp.
	DeadLetteredAt time.Time `json:"deadLetteredAt"`
	// StoredAt is when the reconciler created the entry.
	StoredAt time.Time `json:"storedAt"`
	// UpdatedAt is when the status last changed, zero while never changed.
	UpdatedAt time.Time `json:"updatedAt,omitzero"`

	// Value is the dead-letter record's value exactly as read.
	Value   []byte   `json:"-"`
	Headers []Header `json:"headers"`
	// Replayable is true when Value is a valid event.
	Replayable bool `json:"replayable"`
	// DecodeError is the reason Value is not a valid event, empty when it is one.
	DecodeError string `json:"decodeError,omitempty"`

	// ReplayCount counts the replays of the entry.
	ReplayCount int `json:"replayCount"`
	// LastReplayAt is when the entry was last replayed, zero if never.
	LastReplayAt time.Time `json:"lastReplayAt,omitzero"`
}

// MarshalJSON writes the entry with its value as text when the value is
// UTF-8 (valueEncoding "utf-8") and as base64 otherwise ("base64").
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	view := struct {
		plain
		Value         any    `json:"value"`
		ValueEncoding string `json:"valueEncoding"`
	}{plain: plain(e), Value: e.Value, ValueEncoding: "base64"}

	if utf8.Valid(e.Value) {
		view.Value = string(e.Value)
		view.ValueEncoding = "utf-8"
	}

	return json.Marshal(view)
}

// EntryID returns the id of the dead-letter record at topic, partition, offset.
func EntryID(topic string, partition int, offset int64) string {
	return fmt.Sprintf("%s-%d-%d", topic, partition, offset)
}

// EntryFromRecord builds the open entry of a dead-letter record read from
// Kafka. storedAt is the time the entry is created.
func EntryFromRecord(msg kafka.Message, storedAt time.Time) Entry {
	e := Entry{
		ID:             EntryID(msg.Topic, msg.Partition, msg.Offset),
		Status:         StatusOpen,
		Topic:          msg.Topic,
		Partition:      msg.Partition,
		Offset:         msg.Offset,
		Key:            string(msg.Key),
		DeadLetteredAt: msg.Time.UTC(),
		StoredAt:       storedAt.UTC(),
		Value:          msg.Value,
		Headers:        headersOf(msg.Headers),
	}

	env, err := pipeline.DecodeRecord(msg)
	if err == nil {
		e.Replayable = true
		e.fillEvent(env.Event)
	} else {
		e.DecodeError = err.Error()
		e.fillFromRaw(msg)
	}

	e.fillMeta(pipeline.DecodeMeta(msg.Headers))
	if e.DeadLetteredAt.IsZero() {
		e.DeadLetteredAt = e.StoredAt
	}

	return e
}

// fillEvent copies the fields of a decoded event.
func (e *Entry) fillEvent(ev pipeline.Event) {
	e.EventID = ev.ID
	e.EventType = string(ev.Type)
	e.Source = ev.Source
	e.EmployeeID = ev.EmployeeID
	e.CourseID = ev.CourseID
	e.TrainingRecordID = ev.TrainingRecordID
}

// fillFromRaw reads what it can from a value that is not a valid event:
// the event id and source headers, the record key, and the id fields of a
// JSON body. Every field it cannot find stays empty.
func (e *Entry) fillFromRaw(msg kafka.Message) {
	e.EventID = pipeline.HeaderValue(msg.Headers, pipeline.HeaderEventID)
	e.EventType = pipeline.HeaderValue(msg.Headers, pipeline.HeaderEventType)
	e.Source = pipeline.HeaderValue(msg.Headers, pipeline.HeaderSource)
	if employee, course, ok := pipeline.SplitKey(string(msg.Key)); ok {
		e.EmployeeID, e.CourseID = employee, course
	}

	var body struct {
		EventID          string `json:"eventId"`
		EventType        string `json:"eventType"`
		EmployeeID       string `json:"employeeId"`
		CourseID         string `json:"courseId"`
		TrainingRecordID string `json:"trainingRecordId"`
	}
	if json.Unmarshal(msg.Value, &body) != nil {
		return
	}
	// A CloudEvents envelope contains the event under "data".
	var envelope struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(msg.Value, &envelope) == nil && len(envelope.Data) > 0 {
		_ = json.Unmarshal(envelope.Data, &body)
	}

	e.EventID = firstNonEmpty(e.EventID, body.EventID)
	e.EventType = firstNonEmpty(e.EventType, body.EventType)
	e.EmployeeID = firstNonEmpty(e.EmployeeID, body.EmployeeID)
	e.CourseID = firstNonEmpty(e.CourseID, body.CourseID)
	e.TrainingRecordID = firstNonEmpty(e.TrainingRecordID, body.TrainingRecordID)
}

// fillMeta copies the delivery state of the headers.
func (e *Entry) fillMeta(m pipeline.Meta) {
	e.Reason = firstNonEmpty(m.Reason, m.ErrorClass, unknownReason)
	e.ErrorClass = m.ErrorClass
	e.ErrorMessage = m.ErrorMessage
	e.ArenaStatus = m.ArenaStatus
	e.Attempt = m.Attempt
	e.OriginalTopic = m.OriginalTopic
	e.OriginalPartition = m.OriginalPartition
	e.OriginalOffset = m.OriginalOffset
	e.AcceptedAt = m.AcceptedAt.UTC()
	e.FirstSeen = m.FirstSeen.UTC()
}

// headersOf copies Kafka headers as text.
func headersOf(headers []kafka.Header) []Header {
	out := make([]Header, 0, len(headers))
	for _, h := range headers {
		out = append(out, Header{Key: h.Key, Value: string(h.Value)})
	}

	return out
}

// firstNonEmpty returns the first value that is not "".
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}

	return ""
}
