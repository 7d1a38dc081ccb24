package review

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/pipeline"
)

// HeaderReplayOf names the review entry a replayed record came from. The
// worker does not read it; it lets an operator trace a record on the main
// topic back to its dead letter.
const HeaderReplayOf = "arenasync-replay-of"

// replayMarker is the arenasync-replay header value of a dead-letter replay.
const replayMarker = "dlt"

// replayLockTTL bounds how long a crashed replay keeps an entry locked.
const replayLockTTL = time.Minute

// ReplayRecord builds the main-topic record that replays e: the same event
// and event id, the key employeeId|courseId, attempt 0, a first-seen time
// of now, the header arenasync-replay: dlt, and no error or origin
// headers. It returns an error wrapping ErrNotReplayable when e's value is
// not an event.
func ReplayRecord(e Entry, topic string, now time.Time) (kafka.Message, error) {
	if !e.Replayable {
		return kafka.Message{}, fmt.Errorf("%w: %s (reason %s) contains bytes that are not an event: %s; fix them at the source and send them again, or close the entry with `arenasync dlt resolve %s --note TEXT`",
			ErrNotReplayable, e.ID, e.Reason, e.DecodeError, e.ID)
	}

	env, err := pipeline.DecodeRecord(kafka.Message{Value: e.Value})
	if err != nil {
		return kafka.Message{}, fmt.Errorf("%w: %s: %v", ErrNotReplayable, e.ID, err)
	}

	// Accepted-at stays: it is when the LMS delivery arrived. Everything
	// else about earlier handling is cleared, so the worker starts afresh.
	env.Meta = pipeline.Meta{
		AcceptedAt: e.AcceptedAt,
		Attempt:    0,
		FirstSeen:  now,
		Replay:     replayMarker,
	}

	msg, err := pipeline.EncodeRecord(env)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encode replay of dead letter %s: %w", e.ID, err)
	}
	msg.Topic = topic
	msg.Headers = append(msg.Headers, kafka.Header{Key: HeaderReplayOf, Value: []byte(e.ID)})

	return msg, nil
}

// ReplayResult is the position a replay was written to.
type ReplayResult struct {
	// Entry is the entry after the replay was recorded.
	Entry     Entry
	Topic     string
	Partition int
	Offset    int64
}

// Replayer writes dead letters back to the main topic and records each
// replay in the review queue.
type Replayer struct {
	store  *Store
	topic  string
	writer *kafka.Writer
	now    func() time.Time

	mu      sync.Mutex
	written map[string]kafka.Message
}

// NewReplayer returns a replayer that writes to topic on brokers with
// acks=all and the hash balancer, so a replay lands on the partition of its
// enrollment's other events. Close it when done.
func NewReplayer(store *Store, brokers []string, topic string) *Replayer {
	r := &Replayer{store: store, topic: topic, now: time.Now, written: make(map[string]kafka.Message)}

	// The writer has its own transport: kafka-go's shared default transport
	// caches cluster metadata, and a topic created after that cache was
	// filled fails with "Unknown Topic Or Partition" until it expires.
	r.writer = &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Transport:    &kafka.Transport{},
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond,
		WriteTimeout: 10 * time.Second,
		MaxAttempts:  3,
		Completion:   r.completed,
	}

	return r
}

// completed keeps the position of every written replay by entry id.
func (r *Replayer) completed(msgs []kafka.Message, err error) {
	if err != nil {
		return
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for _, msg := range msgs {
		if id := pipeline.HeaderValue(msg.Headers, HeaderReplayOf); id != "" {
			r.written[id] = msg
		}
	}
}

// Close flushes and closes the writer.
func (r *Replayer) Close() error {
	return r.writer.Close()
}

// Replay writes entry id's event to the main topic and records the replay
// with actor and note in the entry and its audit trail. It accepts open
// entries and, on purpose, entries replayed before.
//
// The record is written before the replay is recorded, so a failure in
// between leaves an entry that was replayed but still shows its old
// status. The returned error names the written position. Replaying the
// entry again is harmless because the worker's handlers are idempotent.
func (r *Replayer) Replay(ctx context.Context, id, actor, note string) (ReplayResult, error) {
	if actor == "" {
		return ReplayResult{}, fmt.Errorf("replay dead letter %s: %w: pass --actor NAME", id, ErrActorRequired)
	}

	unlock, err := r.lock(ctx, id)
	if err != nil {
		return ReplayResult{}, err
	}
	defer unlock()

	e, err := r.store.Get(ctx, id)
	if err != nil {
		return ReplayResult{}, err
	}
	if e.Status == StatusResolved {
		return ReplayResult{}, fmt.Errorf("%w: %s is resolved, so it cannot be replayed; see its trail with `arenasync dlt show %s`", ErrWrongStatus, id, id)
	}

	msg, err := ReplayRecord(e, r.topic, r.now())
	if err != nil {
		return ReplayResult{}, err
	}

	written, err := r.write(ctx, msg, id)
	if err != nil {
		return ReplayResult{}, err
	}

	record := AuditRecord{EntryID: id, Action: ActionReplayed, Actor: actor, At: r.now(), Note: note, Details: map[string]string{
		"event_id":  e.EventID,
		"topic":     written.Topic,
		"partition": strconv.Itoa(written.Partition),
		"offset":    strconv.FormatInt(written.Offset, 10),
	}}
	updated, err := r.store.RecordReplay(ctx, record)
	if err != nil {
		return ReplayResult{}, fmt.Errorf("dead letter %s was written to %s partition %d offset %d, but recording the replay failed: %w; check `arenasync dlt show %s` before replaying it again",
			id, written.Topic, written.Partition, written.Offset, err, id)
	}

	return ReplayResult{Entry: updated, Topic: written.Topic, Partition: written.Partition, Offset: written.Offset}, nil
}

// write writes msg and returns it with the topic, partition and offset
// Kafka assigned.
func (r *Replayer) write(ctx context.Context, msg kafka.Message, id string) (kafka.Message, error) {
	if err := r.writer.WriteMessages(ctx, msg); err != nil {
		return kafka.Message{}, fmt.Errorf("write replay of dead letter %s to %s: %w; check that Kafka is up and the topic exists, then replay it again", id, r.topic, err)
	}

	r.mu.Lock()
	written, ok := r.written[id]
	delete(r.written, id)
	r.mu.Unlock()
	if !ok {
		// WriteMessages waits for Completion, so this is unreachable unless
		// kafka-go changes that contract.
		return kafka.Message{Topic: r.topic, Partition: -1, Offset: -1}, nil
	}

	return written, nil
}

// unlockScript deletes a lock only if its value is still this process's token.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// lock keeps two processes from replaying one entry at once. The returned
// function releases the lock.
func (r *Replayer) lock(ctx context.Context, id string) (func(), error) {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("lock dead letter %s: %w", id, err)
	}
	value := hex.EncodeToString(token)
	key := r.store.keys.lock(id)

	ok, err := r.store.client.SetNX(ctx, key, value, replayLockTTL).Result()
	if err != nil {
		return nil, fmt.Errorf("lock dead letter %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s: wait a minute and check `arenasync dlt show %s`", ErrBusy, id, id)
	}

	return func() {
		// A fresh context: the lock must go even when ctx was cancelled.
		releaseCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = unlockScript.Run(releaseCtx, r.store.client, []string{key}, value).Err()
	}, nil
}
