package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
	"github.com/arenasync/arenasync/topics"
)

// Fixed parts of every benchmark event.
const (
	benchCourse     = "BENCH-101"
	benchCompletion = "2025-01-19T14:30:00Z"
	benchScore      = 95
	ingestToken     = "bench-ingest-token"
)

// benchRetryDelays are the retry tiers of the bench workers. No event
// fails in the benchmarks, so the tiers only have to exist.
var benchRetryDelays = []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}

// batch names the events, topics and Redis keys of one measurement, so
// measurements never see each other's records.
type batch struct {
	name   string
	events int
}

// employeeID returns the employee of event i; every event has its own
// enrollment, so no two events share a key and a lane.
func (b batch) employeeID(i int) string {
	return "E-" + b.name + "-" + strconv.Itoa(i)
}

// recordID returns the Arena training record of an employee's bench course.
func recordID(employeeID string) string {
	return "REC-" + employeeID
}

// event returns the completion event i of b.
func (b batch) event(i int) pipeline.Event {
	score := float64(benchScore)

	return pipeline.Event{
		ID:             "ev-" + b.name + "-" + strconv.Itoa(i),
		Type:           pipeline.CourseCompleted,
		Source:         pipeline.SourceGeneric,
		EmployeeID:     b.employeeID(i),
		CourseID:       benchCourse,
		CompletionDate: benchCompletion,
		Status:         pipeline.StatusCompleted,
		Score:          &score,
	}
}

// webhookBody returns event i as the generic LMS webhook sends it.
func (b batch) webhookBody(i int) []byte {
	e := b.event(i)

	return fmt.Appendf(nil, `{"eventId":%q,"eventType":"course.completed","employeeId":%q,"courseId":%q,"completionDate":%q,"status":"COMPLETED","score":%d}`,
		e.ID, e.EmployeeID, e.CourseID, e.CompletionDate, benchScore)
}

// topic returns the main topic of b.
func (b batch) topic(run string) string {
	return "bench." + run + "." + b.name
}

// workerConfig returns the consumer configuration of b's topic.
func (b batch) workerConfig(run string, brokers []string, concurrency int) consumer.Config {
	return consumer.Config{
		Brokers:     brokers,
		Topic:       b.topic(run),
		GroupID:     "bench-" + run + "-" + b.name,
		RetryDelays: benchRetryDelays,
		Concurrency: concurrency,
	}
}

// createTopics creates the main topic of b with partitions partitions and
// its retry and dead-letter topics with one each.
func createTopics(ctx context.Context, brokers []string, cfg consumer.Config, partitions int) error {
	specs := []topics.Spec{{Name: cfg.Topic, Partitions: partitions, ReplicationFactor: 1}}
	for _, name := range cfg.Topics()[1:] {
		specs = append(specs, topics.Spec{Name: name, Partitions: 1, ReplicationFactor: 1})
	}
	if _, err := topics.Ensure(ctx, brokers, specs); err != nil {
		return fmt.Errorf("create the topics of %s: %w", cfg.Topic, err)
	}

	return nil
}

// seedMappings stores the enrollment map entry of every event of b, as
// the enrollment events would have.
func seedMappings(ctx context.Context, rdb *redis.Client, prefix string, b batch) error {
	rows := make([]store.MappingRow, b.events)
	for i := range rows {
		employee := b.employeeID(i)
		rows[i] = store.MappingRow{Mapping: store.Mapping{EmployeeID: employee, CourseID: benchCourse, TrainingRecordID: recordID(employee)}, Line: i + 2}
	}
	if _, err := store.NewEnrollments(rdb, prefix).Import(ctx, rows, store.ImportOptions{Overwrite: true}); err != nil {
		return fmt.Errorf("seed %d enrollment mappings: %w", b.events, err)
	}

	return nil
}

// simulator is a running Arena simulator.
type simulator struct {
	sim  *arenasim.Sim
	url  string
	stop func()
}

// startSimulator serves a simulator on 127.0.0.1 that holds an ASSIGNED
// record for every event of the batches and responds after latency.
func startSimulator(latency time.Duration, batches ...batch) (*simulator, error) {
	var records []arenasim.Record
	for _, b := range batches {
		for i := range b.events {
			employee := b.employeeID(i)
			records = append(records, arenasim.Record{ID: recordID(employee), EmployeeID: employee, CourseID: benchCourse, Status: arenasim.StatusAssigned})
		}
	}

	sim := arenasim.NewServer(arenasim.Config{Records: records, Latency: latency, RequestLogSize: 16}, zap.NewNop())
	url, stop, err := sim.StartLocal()
	if err != nil {
		return nil, err
	}

	return &simulator{sim: sim, url: url, stop: stop}, nil
}

// arenaConfig returns the client configuration of the simulator.
func (s *simulator) arenaConfig() arena.Config {
	return arena.Config{BaseURL: s.url, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}
}

// preload writes every event of b to its main topic as ingest would, with
// acceptedAt as the accepted-at time.
func preload(ctx context.Context, brokers []string, topic string, b batch, acceptedAt time.Time) error {
	w := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    1000,
		BatchTimeout: 5 * time.Millisecond,
		Transport:    &kafka.Transport{},
	}
	defer w.Close()

	const chunk = 5000
	msgs := make([]kafka.Message, 0, chunk)
	for i := range b.events {
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: b.event(i), Meta: pipeline.Meta{AcceptedAt: acceptedAt}})
		if err != nil {
			return err
		}
		msgs = append(msgs, msg)
		if len(msgs) == chunk || i == b.events-1 {
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				return fmt.Errorf("preload %d records on %s: %w", b.events, topic, err)
			}
			msgs = msgs[:0]
		}
	}

	return nil
}

// topicRecords returns the number of records on every partition of topic:
// the sum of end offsets minus start offsets.
func topicRecords(ctx context.Context, brokers []string, topic string, partitions int) (int64, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	var requests []kafka.OffsetRequest
	for p := range partitions {
		requests = append(requests, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}

	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: requests}})
	if err != nil {
		return 0, fmt.Errorf("list the offsets of %s: %w", topic, err)
	}

	var total int64
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("list the offsets of %s partition %d: %w", topic, p.Partition, p.Error)
		}
		total += p.LastOffset - p.FirstOffset
	}

	return total, nil
}
