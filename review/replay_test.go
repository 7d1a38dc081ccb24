package review

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

func TestReplayRecordHeaders(t *testing.T) {
	entry := EntryFromRecord(eventRecord(t, completion("evt-1", "EMP12345"), deadLetterMeta(pipeline.ReasonEmployeeNotFound), 1, 7, t0), t0)
	now := t0.Add(2 * time.Hour)

	msg, err := ReplayRecord(entry, "lms.training.events", now)
	if err != nil {
		t.Fatalf("ReplayRecord: %v", err)
	}

	if msg.Topic != "lms.training.events" {
		t.Errorf("topic = %q, want lms.training.events", msg.Topic)
	}
	if string(msg.Key) != "EMP12345|LMS-SAFETY-101" {
		t.Errorf("key = %q, want EMP12345|LMS-SAFETY-101", msg.Key)
	}
	want := map[string]string{
		pipeline.HeaderEventID:    "evt-1",
		pipeline.HeaderEventType:  "course.completed",
		pipeline.HeaderSource:     "lms",
		pipeline.HeaderAcceptedAt: "2025-01-19T13:00:00.000Z",
		pipeline.HeaderAttempt:    "0",
		pipeline.HeaderFirstSeen:  "2025-01-19T16:00:00.000Z",
		pipeline.HeaderReplay:     "dlt",
		HeaderReplayOf:            entry.ID,
	}
	got := make(map[string]string)
	for _, h := range msg.Headers {
		got[h.Key] = string(h.Value)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("headers =\n%v\nwant\n%v", got, want)
	}

	env, err := pipeline.DecodeRecord(msg)
	if err != nil {
		t.Fatalf("DecodeRecord(replay): %v", err)
	}
	if !reflect.DeepEqual(env.Event, completion("evt-1", "EMP12345")) {
		t.Errorf("replayed event = %+v, want the original", env.Event)
	}
}

func TestReplayRecordRejectsRawPayload(t *testing.T) {
	entry := EntryFromRecord(rawRecord(0, 8, t0), t0)

	_, err := ReplayRecord(entry, "lms.training.events", t0)

	if !errors.Is(err, ErrNotReplayable) {
		t.Fatalf("ReplayRecord(raw) error = %v, want ErrNotReplayable", err)
	}
	want := "dead letter is not replayable: lms.training.events.dlt-0-8 (reason invalid_payload) contains bytes that are not an event: " +
		`undecodable record: specversion is "", want "1.0"; fix them at the source and send them again, or close the entry with ` +
		"`arenasync dlt resolve lms.training.events.dlt-0-8 --note TEXT`"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

// replayRig is a store with entries and a replayer writing to a fresh topic.
type replayRig struct {
	store    *Store
	replayer *Replayer
	brokers  []string
	topic    string
}

func startReplayRig(t *testing.T) *replayRig {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	topic := testenv.UniqueName(t, "events")
	testenv.CreateTopic(t, brokers, topic, 3)

	s := storeWithEntry(t)
	put(t, s, EntryFromRecord(rawRecord(0, 8, t0), t0))

	replayer := NewReplayer(s, brokers, topic)
	t.Cleanup(func() { _ = replayer.Close() })

	return &replayRig{store: s, replayer: replayer, brokers: brokers, topic: topic}
}

// readRecords reads n records of topic from the start, over all partitions.
func readRecords(t *testing.T, brokers []string, topic string, n int) []kafka.Message {
	t.Helper()

	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, GroupID: testenv.UniqueName(t, "reader"), Topic: topic, StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer reader.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var msgs []kafka.Message
	for len(msgs) < n {
		msg, err := reader.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %d of %d records from %s: %v", len(msgs), n, topic, err)
		}
		msgs = append(msgs, msg)
	}

	return msgs
}

// topicSize returns the number of records written to topic, from the end
// offsets of its partitions.
func topicSize(t *testing.T, brokers []string, topic string, partitions int) int64 {
	t.Helper()

	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: transport}

	requests := make([]kafka.OffsetRequest, partitions)
	for p := range requests {
		requests[p] = kafka.LastOffsetOf(p)
	}
	// A partition's leader may not serve offsets for a moment after the
	// topic was created, so errors are retried for a few seconds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		size, err := sumEndOffsets(testContext(t), client, topic, requests)
		if err == nil {
			return size
		}
		if time.Now().After(deadline) {
			t.Fatalf("list offsets of %s: %v", topic, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sumEndOffsets(ctx context.Context, client *kafka.Client, topic string, requests []kafka.OffsetRequest) (int64, error) {
	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: requests}})
	if err != nil {
		return 0, err
	}

	var size int64
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("partition %d: %w", p.Partition, p.Error)
		}
		size += p.LastOffset
	}

	return size, nil
}

func TestReplayWritesEventToMainTopic(t *testing.T) {
	rig := startReplayRig(t)
	ctx := testContext(t)
	before := time.Now().Add(-time.Second)

	result, err := rig.replayer.Replay(ctx, entryA, "ada", "Arena user created")
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}

	if size := topicSize(t, rig.brokers, rig.topic, 3); size != 1 {
		t.Fatalf("records on the main topic = %d, want 1", size)
	}
	got := readRecords(t, rig.brokers, rig.topic, 1)[0]
	if string(got.Key) != "EMP12345|LMS-SAFETY-101" {
		t.Errorf("key = %q, want EMP12345|LMS-SAFETY-101", got.Key)
	}
	if h := pipeline.HeaderValue(got.Headers, pipeline.HeaderReplay); h != "dlt" {
		t.Errorf("replay header = %q, want dlt", h)
	}
	env, err := pipeline.DecodeRecord(got)
	if err != nil {
		t.Fatalf("DecodeRecord: %v", err)
	}
	if env.Event.ID != "evt-1" {
		t.Errorf("event id = %q, want evt-1", env.Event.ID)
	}
	if env.Meta.Attempt != 0 {
		t.Errorf("attempt = %d, want 0", env.Meta.Attempt)
	}
	if env.Meta.FirstSeen.Before(before) {
		t.Errorf("first seen = %s, want a fresh time after %s", env.Meta.FirstSeen, before)
	}
	if env.Meta.Reason != "" || env.Meta.ErrorClass != "" || env.Meta.OriginalTopic != "" {
		t.Errorf("meta = %+v, want no reason, error or origin", env.Meta)
	}
	if result.Topic != rig.topic || result.Partition != got.Partition || result.Offset != got.Offset {
		t.Errorf("result position = %s/%d/%d, want %s/%d/%d", result.Topic, result.Partition, result.Offset, rig.topic, got.Partition, got.Offset)
	}

	entry, err := rig.store.Get(ctx, entryA)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if entry.Status != StatusReplayed || entry.ReplayCount != 1 {
		t.Errorf("entry status %q, replay count %d; want replayed, 1", entry.Status, entry.ReplayCount)
	}

	trail, err := rig.store.Trail(ctx, entryA)
	if err != nil {
		t.Fatalf("Trail: %v", err)
	}
	if len(trail) != 2 {
		t.Fatalf("trail = %+v, want received and replayed", trail)
	}
	replayed := trail[1]
	wantDetails := map[string]string{"event_id": "evt-1", "topic": rig.topic, "partition": strconv.Itoa(got.Partition), "offset": strconv.FormatInt(got.Offset, 10)}
	if replayed.Action != ActionReplayed || replayed.Actor != "ada" || replayed.Note != "Arena user created" || !reflect.DeepEqual(replayed.Details, wantDetails) {
		t.Errorf("replay audit record = %+v, want action replayed, actor ada, the note and details %v", replayed, wantDetails)
	}
	if replayed.At.Before(before) || replayed.At.After(time.Now()) {
		t.Errorf("replay audit time = %s, want between %s and now", replayed.At, before)
	}
}

func TestReplayRejects(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		prepare func(t *testing.T, rig *replayRig)
		wantErr error
	}{
		{name: "raw payload", id: "lms.training.events.dlt-0-8", wantErr: ErrNotReplayable},
		{name: "unknown id", id: "lms.training.events.dlt-5-5", wantErr: ErrNotFound},
		{name: "resolved", id: entryA, wantErr: ErrWrongStatus, prepare: func(t *testing.T, rig *replayRig) {
			if _, err := rig.store.Resolve(testContext(t), entryA, "ada", "handled by hand"); err != nil {
				t.Fatalf("Resolve: %v", err)
			}
		}},
		{name: "locked by another process", id: entryA, wantErr: ErrBusy, prepare: func(t *testing.T, rig *replayRig) {
			client := rig.store.client.(*redis.Client)
			if err := client.Set(testContext(t), rig.store.keys.lock(entryA), "other", time.Minute).Err(); err != nil {
				t.Fatalf("set lock: %v", err)
			}
		}},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rig := startReplayRig(t)
			if tc.prepare != nil {
				tc.prepare(t, rig)
			}

			_, err := rig.replayer.Replay(testContext(t), tc.id, "ada", "")

			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Replay error = %v, want %v", err, tc.wantErr)
			}
			if !IsEntryError(err) {
				t.Errorf("IsEntryError(%v) = false, want true", err)
			}
			if size := topicSize(t, rig.brokers, rig.topic, 3); size != 0 {
				t.Errorf("records on the main topic = %d, want 0", size)
			}
		})
	}
}

func TestReplayedEntryCanBeReplayedAgain(t *testing.T) {
	rig := startReplayRig(t)
	ctx := testContext(t)

	if _, err := rig.replayer.Replay(ctx, entryA, "ada", ""); err != nil {
		t.Fatalf("first Replay: %v", err)
	}
	result, err := rig.replayer.Replay(ctx, entryA, "ben", "first replay failed again")
	if err != nil {
		t.Fatalf("second Replay: %v", err)
	}

	if result.Entry.ReplayCount != 2 {
		t.Errorf("replay count = %d, want 2", result.Entry.ReplayCount)
	}
	if size := topicSize(t, rig.brokers, rig.topic, 3); size != 2 {
		t.Errorf("records on the main topic = %d, want 2", size)
	}
}
