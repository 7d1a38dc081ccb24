package pipeline

import (
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// RawDeadLetter is a dead letter whose bytes are not a valid event: an
// invalid webhook body, or a record a worker could not decode. The bytes are
// kept exactly as received so an administrator can read and replay them.
type RawDeadLetter struct {
	// Raw is the body or record value as received.
	Raw []byte
	// Key is the source record's key; empty for webhook bodies.
	Key []byte
	// Source names the adapter or topic the bytes came from.
	Source string
	// EventID is the event id when one could be read, else "".
	EventID string
	Reason  Reason
	// Message says what was wrong, such as the validation errors.
	Message string
	// At is when the bytes were received.
	At time.Time
	// OriginalTopic, OriginalPartition and OriginalOffset locate a source
	// record; OriginalTopic is empty for webhook bodies.
	OriginalTopic     string
	OriginalPartition int
	OriginalOffset    int64
}

// Record returns the dead-letter Kafka record of d.
func (d RawDeadLetter) Record() kafka.Message {
	headers := []kafka.Header{
		{Key: HeaderReason, Value: []byte(d.Reason)},
		{Key: HeaderErrorClass, Value: []byte(d.Reason)},
		{Key: HeaderErrorMessage, Value: []byte(d.Message)},
		{Key: HeaderSource, Value: []byte(d.Source)},
		{Key: HeaderAcceptedAt, Value: []byte(formatTime(d.At))},
	}
	if d.EventID != "" {
		headers = append(headers, kafka.Header{Key: HeaderEventID, Value: []byte(d.EventID)})
	}
	if d.OriginalTopic != "" {
		headers = append(headers,
			kafka.Header{Key: HeaderOriginalTopic, Value: []byte(d.OriginalTopic)},
			kafka.Header{Key: HeaderOriginalPartition, Value: []byte(strconv.Itoa(d.OriginalPartition))},
			kafka.Header{Key: HeaderOriginalOffset, Value: []byte(strconv.FormatInt(d.OriginalOffset, 10))},
		)
	}

	return kafka.Message{Key: d.Key, Value: d.Raw, Headers: headers}
}
