package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Kafka header names. Every record of every topic carries the event id, type
// and source; the retry and dead-letter paths add the others.
const (
	HeaderEventID           = "arenasync-event-id"
	HeaderEventType         = "arenasync-event-type"
	HeaderSource            = "arenasync-source"
	HeaderAcceptedAt        = "arenasync-accepted-at"
	HeaderAttempt           = "arenasync-attempt"
	HeaderFirstSeen         = "arenasync-first-seen"
	HeaderNotBefore         = "arenasync-not-before"
	HeaderErrorClass        = "arenasync-error-class"
	HeaderErrorMessage      = "arenasync-error-message"
	HeaderArenaStatus       = "arenasync-arena-status"
	HeaderOriginalTopic     = "arenasync-original-topic"
	HeaderOriginalPartition = "arenasync-original-partition"
	HeaderOriginalOffset    = "arenasync-original-offset"
	HeaderReason            = "arenasync-reason"
	HeaderReplay            = "arenasync-replay"
)

// cloudEventsSpecVersion is the CloudEvents version of the record values.
const cloudEventsSpecVersion = "1.0"

// ErrUndecodable is returned by DecodeRecord for a record value that is not
// a CloudEvents envelope holding a valid event.
var ErrUndecodable = errors.New("undecodable record")

// Meta is the delivery state of an event, carried in Kafka headers so it can
// change from topic to topic while the value stays the same.
type Meta struct {
	// AcceptedAt is when ingest accepted the event; end-to-end latency starts here.
	AcceptedAt time.Time
	// Attempt counts handler runs before this one: 0 on the main topic.
	Attempt int
	// FirstSeen is when a worker first handled the event.
	FirstSeen time.Time
	// NotBefore is when a retry tier may handle the event again.
	NotBefore time.Time
	// ErrorClass is the reason of the last failure.
	ErrorClass string
	// ErrorMessage is the detail of the last failure.
	ErrorMessage string
	// ArenaStatus is Arena's HTTP status in the last failure, 0 when none.
	ArenaStatus int
	// OriginalTopic, OriginalPartition and OriginalOffset locate the record as
	// it was first consumed; empty until a worker moves it.
	OriginalTopic     string
	OriginalPartition int
	OriginalOffset    int64
	// Reason is the dead-letter reason; set only on the dead-letter topic.
	Reason string
	// Replay says why a record was put back on the main topic: "dlt" or
	// "reconciliation"; empty for LMS deliveries.
	Replay string
}

// Envelope is one event with its delivery state.
type Envelope struct {
	Event Event
	Meta  Meta
}

// cloudEvent is the structured-mode CloudEvents JSON value of a record.
type cloudEvent struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Subject         string `json:"subject,omitempty"`
	Time            string `json:"time,omitempty"`
	DataContentType string `json:"datacontenttype"`
	Data            Event  `json:"data"`
}

// EncodeRecord builds the Kafka record of env: a CloudEvents JSON value,
// the enrollment key and the delivery headers.
func EncodeRecord(env Envelope) (kafka.Message, error) {
	value, err := json.Marshal(cloudEvent{
		SpecVersion:     cloudEventsSpecVersion,
		ID:              env.Event.ID,
		Source:          "arenasync/" + env.Event.Source,
		Type:            string(env.Event.Type),
		Subject:         env.Event.Key(),
		Time:            formatTime(env.Meta.AcceptedAt),
		DataContentType: "application/json",
		Data:            env.Event,
	})
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encode event %s: %w", env.Event.ID, err)
	}

	return kafka.Message{Key: []byte(env.Event.Key()), Value: value, Headers: EncodeHeaders(env)}, nil
}

// EncodeHeaders returns the headers of env, leaving out empty values.
func EncodeHeaders(env Envelope) []kafka.Header {
	m := env.Meta
	headers := make([]kafka.Header, 0, 16)
	add := func(key, value string) {
		if value != "" {
			headers = append(headers, kafka.Header{Key: key, Value: []byte(value)})
		}
	}

	add(HeaderEventID, env.Event.ID)
	add(HeaderEventType, string(env.Event.Type))
	add(HeaderSource, env.Event.Source)
	add(HeaderAcceptedAt, formatTime(m.AcceptedAt))
	add(HeaderAttempt, strconv.Itoa(m.Attempt))
	add(HeaderFirstSeen, formatTime(m.FirstSeen))
	add(HeaderNotBefore, formatTime(m.NotBefore))
	add(HeaderErrorClass, m.ErrorClass)
	add(HeaderErrorMessage, m.ErrorMessage)
	if m.ArenaStatus != 0 {
		add(HeaderArenaStatus, strconv.Itoa(m.ArenaStatus))
	}
	if m.OriginalTopic != "" {
		add(HeaderOriginalTopic, m.OriginalTopic)
		add(HeaderOriginalPartition, strconv.Itoa(m.OriginalPartition))
		add(HeaderOriginalOffset, strconv.FormatInt(m.OriginalOffset, 10))
	}
	add(HeaderReason, m.Reason)
	add(HeaderReplay, m.Replay)

	return headers
}

// DecodeRecord reads the envelope of a Kafka record. It returns an error
// wrapping ErrUndecodable when the value is not a valid event; header values
// that do not parse are ignored, so a damaged header never blocks an event.
func DecodeRecord(msg kafka.Message) (Envelope, error) {
	var ce cloudEvent
	if err := json.Unmarshal(msg.Value, &ce); err != nil {
		return Envelope{}, fmt.Errorf("%w: value is not a CloudEvents JSON object: %v", ErrUndecodable, err)
	}
	if ce.SpecVersion != cloudEventsSpecVersion {
		return Envelope{}, fmt.Errorf("%w: specversion is %q, want %q", ErrUndecodable, ce.SpecVersion, cloudEventsSpecVersion)
	}

	event := ce.Data
	if err := checkDecoded(event); err != nil {
		return Envelope{}, err
	}

	return Envelope{Event: event, Meta: DecodeMeta(msg.Headers)}, nil
}

// checkDecoded verifies the fields every handler relies on.
func checkDecoded(e Event) error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: data.eventId is missing", ErrUndecodable)
	case e.EmployeeID == "" || e.CourseID == "":
		return fmt.Errorf("%w: data.employeeId or data.courseId is missing", ErrUndecodable)
	case e.Type != CourseEnrolled && e.Type != CourseCompleted:
		return fmt.Errorf("%w: data.eventType %q is not supported", ErrUndecodable, e.Type)
	case e.Type == CourseCompleted && e.CompletionDate == "":
		return fmt.Errorf("%w: data.completionDate is missing on a completion", ErrUndecodable)
	}

	return nil
}

// DecodeMeta reads the delivery state from record headers.
func DecodeMeta(headers []kafka.Header) Meta {
	var m Meta
	for _, h := range headers {
		value := string(h.Value)
		switch h.Key {
		case HeaderAcceptedAt:
			m.AcceptedAt = parseTime(value)
		case HeaderAttempt:
			m.Attempt, _ = strconv.Atoi(value)
		case HeaderFirstSeen:
			m.FirstSeen = parseTime(value)
		case HeaderNotBefore:
			m.NotBefore = parseTime(value)
		case HeaderErrorClass:
			m.ErrorClass = value
		case HeaderErrorMessage:
			m.ErrorMessage = value
		case HeaderArenaStatus:
			m.ArenaStatus, _ = strconv.Atoi(value)
		case HeaderOriginalTopic:
			m.OriginalTopic = value
		case HeaderOriginalPartition:
			m.OriginalPartition, _ = strconv.Atoi(value)
		case HeaderOriginalOffset:
			m.OriginalOffset, _ = strconv.ParseInt(value, 10, 64)
		case HeaderReason:
			m.Reason = value
		case HeaderReplay:
			m.Replay = value
		}
	}

	return m
}

// HeaderValue returns the value of the first header named key, or "".
func HeaderValue(headers []kafka.Header, key string) string {
	for _, h := range headers {
		if h.Key == key {
			return string(h.Value)
		}
	}

	return ""
}

// formatTime formats t with millisecond precision in UTC, or "" when zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}

	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// parseTime parses a time written by formatTime; a bad value yields zero.
func parseTime(value string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}
	}

	return t
}
