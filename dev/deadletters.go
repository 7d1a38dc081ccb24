package dev

import (
	"context"
	"errors"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// deadLetterReader reads the dead-letter topic in its own consumer group and
// reports every record to the tracker, so dead letters are counted from what
// Kafka holds.
type deadLetterReader struct {
	reader  *kafka.Reader
	tracker *tracker
	logger  *zap.Logger
}

// newDeadLetterReader returns a reader of topic in group. A new group starts
// at the oldest record; records of earlier runs carry other event ids and
// are ignored by the tracker.
func newDeadLetterReader(brokers []string, topic, group string, t *tracker, logger *zap.Logger) *deadLetterReader {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        brokers,
		GroupID:        group,
		Topic:          topic,
		MinBytes:       1,
		MaxBytes:       10 << 20,
		MaxWait:        250 * time.Millisecond,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: time.Second,
	})

	return &deadLetterReader{reader: reader, tracker: t, logger: logger}
}

// run reads until ctx ends.
func (d *deadLetterReader) run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for {
		msg, err := d.reader.ReadMessage(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.logger.Warn("reading the dead-letter topic failed; retrying", zap.Error(err))
			sleep(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)

			continue
		}
		backoff = 100 * time.Millisecond

		d.record(msg)
	}
}

// record reports one dead-letter record.
func (d *deadLetterReader) record(msg kafka.Message) {
	id := pipeline.HeaderValue(msg.Headers, pipeline.HeaderEventID)
	reason := pipeline.Reason(pipeline.HeaderValue(msg.Headers, pipeline.HeaderReason))
	if id == "" {
		d.logger.Warn("dead letter without an event id cannot be tracked",
			zap.String(keyReason, string(reason)), zap.Int64(keyOffset, msg.Offset), zap.Int(keyPartition, msg.Partition))

		return
	}

	d.tracker.deadLettered(id, reason, pipeline.DecodeMeta(msg.Headers).AcceptedAt)
}

// close leaves the consumer group and commits what was read.
func (d *deadLetterReader) close() error {
	err := d.reader.Close()
	if errors.Is(err, context.Canceled) {
		return nil
	}

	return err
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}
