package review

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

// t0 is the base time of the test data.
var t0 = time.Date(2025, 1, 19, 14, 0, 0, 0, time.UTC)

// newTestStore returns a store on the test Redis under a prefix of its own.
func newTestStore(t *testing.T) *Store {
	t.Helper()

	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })

	return NewStore(client, testenv.RedisPrefix(t))
}

// testContext returns a context that ends with the test or after 60s.
func testContext(t *testing.T) context.Context {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)

	return ctx
}

// completion returns a completion event of employee on LMS-SAFETY-101.
func completion(eventID, employee string) pipeline.Event {
	score := 95.0

	return pipeline.Event{
		ID: eventID, Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: employee, CourseID: "LMS-SAFETY-101",
		CompletionDate: "2025-01-19T14:30:00Z", Status: pipeline.StatusCompleted, Score: &score,
	}
}

// deadLetterMeta returns the delivery state the worker writes with a
// dead letter of reason.
func deadLetterMeta(reason pipeline.Reason) pipeline.Meta {
	return pipeline.Meta{
		AcceptedAt:        t0.Add(-time.Hour),
		Attempt:           3,
		FirstSeen:         t0.Add(-59 * time.Minute),
		ErrorClass:        string(reason),
		ErrorMessage:      "Arena answered 404: employee not found",
		ArenaStatus:       404,
		OriginalTopic:     "lms.training.events",
		OriginalPartition: 2,
		OriginalOffset:    41,
		Reason:            string(reason),
	}
}

// eventRecord encodes a dead-lettered event as the worker writes it, placed
// at topic/partition/offset with Kafka timestamp at.
func eventRecord(t *testing.T, event pipeline.Event, meta pipeline.Meta, partition int, offset int64, at time.Time) kafka.Message {
	t.Helper()

	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: meta})
	if err != nil {
		t.Fatalf("encode %s: %v", event.ID, err)
	}
	msg.Topic, msg.Partition, msg.Offset, msg.Time = "lms.training.events.dlt", partition, offset, at

	return msg
}

// rawRecord returns an invalid webhook body as ingest dead-letters it.
func rawRecord(partition int, offset int64, at time.Time) kafka.Message {
	msg := pipeline.RawDeadLetter{
		Raw:     []byte(`{"eventId":"evt-raw","eventType":"course.completed","employeeId":"EMP77777","courseId":"LMS-FIRE-200","score":"high"}`),
		Source:  "lms",
		EventID: "evt-raw",
		Reason:  pipeline.ReasonInvalidPayload,
		Message: "score: must be a number from 0 to 100",
		At:      t0.Add(-time.Minute),
	}.Record()
	msg.Topic, msg.Partition, msg.Offset, msg.Time = "lms.training.events.dlt", partition, offset, at

	return msg
}

// put stores e and fails the test unless it was created.
func put(t *testing.T, s *Store, e Entry) {
	t.Helper()

	created, err := s.Put(testContext(t), e)
	if err != nil {
		t.Fatalf("Put(%s): %v", e.ID, err)
	}
	if !created {
		t.Fatalf("Put(%s) created = false, want true", e.ID)
	}
}

// ids returns the ids of entries in order.
func ids(entries []Entry) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.ID)
	}

	return out
}

// actions returns the actions of a trail in order.
func actions(trail []AuditRecord) []Action {
	out := make([]Action, 0, len(trail))
	for _, r := range trail {
		out = append(out, r.Action)
	}

	return out
}
