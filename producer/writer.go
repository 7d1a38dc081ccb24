package producer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Kafka writer settings that are not part of Config.
const (
	// clientID names ingest connections in the broker's logs and quotas.
	clientID = "arenasync-ingest"

	// writeMaxAttempts bounds the attempts of one batch. The request deadline
	// bounds them as well, and kafka-go's default of 10 attempts would only
	// delay the 503 the LMS needs in order to retry.
	writeMaxAttempts = 3

	// batchTimeout is how long the writer waits to fill a batch. kafka-go's
	// default of 1s would add a second to every synchronous request.
	batchTimeout = 2 * time.Millisecond

	// headerAllowance is room for the key and headers of a record on top of
	// the largest accepted body, in bytes.
	headerAllowance = 64 << 10

	// minBatchBytes is kafka-go's default batch limit, kept when the largest
	// accepted body needs less.
	minBatchBytes = 1 << 20

	// maxDialTimeout bounds connecting to one broker.
	maxDialTimeout = 5 * time.Second
)

// writer writes records to Kafka and waits until every in-sync replica has
// acknowledged them. One writer serves both the main and the dead-letter
// topic: each record names its topic.
type writer struct {
	kafka     *kafka.Writer
	transport *kafka.Transport
	timeout   time.Duration
	duration  *prometheus.HistogramVec
}

// newWriter builds the writer of cfg. It connects lazily, on the first write.
func newWriter(cfg Config, duration *prometheus.HistogramVec) *writer {
	transport := &kafka.Transport{
		DialTimeout:    min(cfg.WriteTimeout, maxDialTimeout),
		MetadataTopics: []string{cfg.Topic, cfg.DeadLetterTopic},
		ClientID:       clientID,
	}

	w := &kafka.Writer{
		Addr:      kafka.TCP(cfg.Brokers...),
		Transport: transport,
		// Hash keeps every record of one key, and so every event of one
		// enrollment, on one partition and in order. kafka-go's default
		// balancer is round-robin, which would spread an enrollment over all
		// partitions. Every other writer of these topics must hash keys the
		// same way: kafka.Hash is FNV-1a, as in Sarama, while the Java
		// client's default partitioner uses murmur2 (kafka.Murmur2Balancer).
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		Async:                  false,
		AllowAutoTopicCreation: false,
		MaxAttempts:            writeMaxAttempts,
		BatchTimeout:           batchTimeout,
		BatchBytes:             max(cfg.MaxBodyBytes+headerAllowance, minBatchBytes),
		ReadTimeout:            cfg.WriteTimeout,
		WriteTimeout:           cfg.WriteTimeout,
	}

	return &writer{kafka: w, transport: transport, timeout: cfg.WriteTimeout, duration: duration}
}

// write sends msgs to topic and returns once Kafka acknowledged all of them
// or the write failed. ctx and the writer's timeout bound the wait.
//
// A batch that is still queued when the wait ends may reach Kafka later,
// so a failed write can leave a record behind.
func (w *writer) write(ctx context.Context, topic string, msgs []kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}

	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()

	for i := range msgs {
		msgs[i].Topic = topic
	}

	start := time.Now()
	err := w.kafka.WriteMessages(ctx, msgs...)
	w.duration.WithLabelValues(topic).Observe(time.Since(start).Seconds())
	if err != nil {
		return fmt.Errorf("write %d records to topic %s: %w", len(msgs), topic, flattenWriteErrors(err))
	}

	return nil
}

// close flushes queued batches and closes the broker connections.
func (w *writer) close() error {
	err := w.kafka.Close()
	w.transport.CloseIdleConnections()

	return err
}

// flattenWriteErrors turns kafka.WriteErrors, which has no Unwrap method,
// into a joined error, so errors.Is finds the per-record causes.
func flattenWriteErrors(err error) error {
	var perRecord kafka.WriteErrors
	if !errors.As(err, &perRecord) {
		return err
	}

	return errors.Join(perRecord...)
}

// isTooLarge reports whether a write failed because a record exceeds the
// writer's batch limit or the broker's message.max.bytes, which no retry
// can fix.
func isTooLarge(err error) bool {
	return errors.Is(err, kafka.MessageSizeTooLarge)
}
