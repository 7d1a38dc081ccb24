package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/pipeline"
)

// ReplayReconciliation is the arenasync-replay header value of a
// completion that a reconciliation put back on the main topic.
const ReplayReconciliation = "reconciliation"

// SourceLMSExport is the event source of a repaired completion that only
// the LMS export knew.
const SourceLMSExport = "lms-export"

// repairBatch is the number of records written to Kafka in one call.
const repairBatch = 500

// Enqueuer puts completions back on the main topic, where the worker
// handles them like LMS deliveries, with retries and dead letters.
type Enqueuer interface {
	// Topic returns the topic written to.
	Topic() string
	// Enqueue writes events and returns one error per event: nil for the
	// events Kafka acknowledged.
	Enqueue(ctx context.Context, events []pipeline.Event) []error
}

// KafkaEnqueuer writes repaired completions to the main topic with
// acks=all and the hash balancer, so each lands on the partition of its
// enrollment's other events, marked with arenasync-replay: reconciliation.
type KafkaEnqueuer struct {
	writer *kafka.Writer
	topic  string
	now    func() time.Time
}

// NewKafkaEnqueuer returns an enqueuer writing to topic on brokers. Close
// it when done.
func NewKafkaEnqueuer(brokers []string, topic string) *KafkaEnqueuer {
	return &KafkaEnqueuer{
		topic: topic,
		now:   time.Now,
		// The writer has its own transport: kafka-go's shared default
		// transport caches cluster metadata, and a topic created after that
		// cache was filled fails with "Unknown Topic Or Partition" until it
		// expires.
		writer: &kafka.Writer{
			Addr:                   kafka.TCP(brokers...),
			Transport:              &kafka.Transport{},
			Balancer:               &kafka.Hash{},
			RequiredAcks:           kafka.RequireAll,
			BatchTimeout:           2 * time.Millisecond,
			WriteTimeout:           10 * time.Second,
			MaxAttempts:            3,
			AllowAutoTopicCreation: false,
		},
	}
}

// Topic returns the main topic.
func (k *KafkaEnqueuer) Topic() string {
	return k.topic
}

// Enqueue writes the events in batches of 500 and waits for Kafka's
// acknowledgement of each batch.
func (k *KafkaEnqueuer) Enqueue(ctx context.Context, events []pipeline.Event) []error {
	errs := make([]error, len(events))
	for start := 0; start < len(events); start += repairBatch {
		end := min(start+repairBatch, len(events))
		k.write(ctx, events[start:end], errs[start:end])
	}

	return errs
}

// write writes one batch and fills errs, which has one slot per event.
func (k *KafkaEnqueuer) write(ctx context.Context, events []pipeline.Event, errs []error) {
	msgs := make([]kafka.Message, 0, len(events))
	index := make([]int, 0, len(events))
	for i, e := range events {
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: e, Meta: pipeline.Meta{AcceptedAt: k.now(), Replay: ReplayReconciliation}})
		if err != nil {
			errs[i] = err

			continue
		}
		msg.Topic = k.topic
		msgs = append(msgs, msg)
		index = append(index, i)
	}

	err := k.writer.WriteMessages(ctx, msgs...)
	if err == nil {
		return
	}

	var perMessage kafka.WriteErrors
	if errors.As(err, &perMessage) && len(perMessage) == len(msgs) {
		for j, e := range perMessage {
			errs[index[j]] = e
		}

		return
	}
	for _, i := range index {
		errs[i] = fmt.Errorf("write to %s: %w", k.topic, err)
	}
}

// Close flushes and closes the writer.
func (k *KafkaEnqueuer) Close() error {
	return k.writer.Close()
}

// repairEvent builds the completion event that repairs e. A completion of
// the ledger keeps its event and event id. A completion that only the LMS
// export contains gets a new event whose id is derived from the enrollment
// and the completion, so repeated repairs of one row share an id. Both
// name the Arena record that the reconciliation found without the
// completion.
func repairEvent(e *enrollment) pipeline.Event {
	if e.lmsSource == SourceLedger {
		event := e.ledger.Event()
		if e.recordID != "" {
			event.TrainingRecordID = e.recordID
		}

		return event
	}

	date := pipeline.FormatUTC(e.lms.Date)
	sum := sha256.Sum256([]byte(e.employeeID + pipeline.KeySeparator + e.courseID + pipeline.KeySeparator + date + pipeline.KeySeparator + formatScore(e.lms.Score)))

	return pipeline.Event{
		ID:               "reconcile-" + hex.EncodeToString(sum[:12]),
		Type:             pipeline.CourseCompleted,
		Source:           SourceLMSExport,
		EmployeeID:       e.employeeID,
		CourseID:         e.courseID,
		TrainingRecordID: e.recordID,
		CompletionDate:   date,
		Status:           pipeline.StatusCompleted,
		Score:            e.lms.Score,
	}
}
