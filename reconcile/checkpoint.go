package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Fields of the run hash.
const (
	fieldRunID     = "id"
	fieldStartedAt = "started_at"
)

// saveTimeout bounds the write of one record to the checkpoint. The write
// does not use the run's context, so a record read just before an
// interruption is kept.
const saveTimeout = 5 * time.Second

// checkpoint is the progress of one run in Redis: the Arena records read
// so far. It expires ResumeWindow after the run started.
type checkpoint struct {
	client    redis.UniversalClient
	keys      keys
	id        string
	startedAt time.Time
	expires   time.Time
	resumed   bool
}

// beginRun continues the unfinished run, unless restart is set or it
// started longer than window ago, and starts a new run otherwise.
func beginRun(ctx context.Context, client redis.UniversalClient, k keys, window time.Duration, restart bool, now time.Time) (*checkpoint, error) {
	h, err := client.HGetAll(ctx, k.run()).Result()
	if err != nil {
		return nil, fmt.Errorf("read the unfinished reconciliation: %w", err)
	}

	if id, started := h[fieldRunID], parseRunTime(h[fieldStartedAt]); id != "" && !restart && now.Sub(started) < window {
		return &checkpoint{client: client, keys: k, id: id, startedAt: started, expires: started.Add(window), resumed: true}, nil
	}

	if id := h[fieldRunID]; id != "" {
		if err := client.Del(ctx, k.records(id)).Err(); err != nil {
			return nil, fmt.Errorf("discard the records of run %s: %w", id, err)
		}
	}

	c := &checkpoint{client: client, keys: k, id: newRunID(), startedAt: now.UTC()}
	c.expires = c.startedAt.Add(window)
	_, err = client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, k.run(), fieldRunID, c.id, fieldStartedAt, c.startedAt.Format(time.RFC3339Nano))
		pipe.ExpireAt(ctx, k.run(), c.expires)

		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("start reconciliation run %s: %w", c.id, err)
	}

	return c, nil
}

// load returns the records read by earlier parts of the run.
func (c *checkpoint) load(ctx context.Context) (map[string]arenaRecord, error) {
	records := map[string]arenaRecord{}
	iter := c.client.HScan(ctx, c.keys.records(c.id), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		id := iter.Val()
		if !iter.Next(ctx) {
			break
		}

		var rec arenaRecord
		if err := json.Unmarshal([]byte(iter.Val()), &rec); err != nil {
			// A damaged value is read from Arena again.
			continue
		}
		records[id] = rec
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("read the saved records of run %s: %w", c.id, err)
	}

	return records, nil
}

// save keeps one record read from Arena, within saveTimeout even after the
// run's context ended.
func (c *checkpoint) save(ctx context.Context, recordID string, rec arenaRecord) error {
	value, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode record %s: %w", recordID, err)
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()

	key := c.keys.records(c.id)
	_, err = c.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, key, recordID, value)
		pipe.ExpireAt(ctx, key, c.expires)

		return nil
	})
	if err != nil {
		return fmt.Errorf("save record %s of run %s: %w", recordID, c.id, err)
	}

	return nil
}

// finish removes the run and its records once the report is made.
func (c *checkpoint) finish(ctx context.Context) error {
	// Another run may have replaced this one if the lock was lost, so only
	// this run's own id is removed.
	id, err := c.client.HGet(ctx, c.keys.run(), fieldRunID).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("finish run %s: %w", c.id, err)
	}

	keys := []string{c.keys.records(c.id)}
	if id == c.id {
		keys = append(keys, c.keys.run())
	}
	if err := c.client.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("finish run %s: %w", c.id, err)
	}

	return nil
}

// parseRunTime reads the run's start time; zero when it does not parse.
func parseRunTime(value string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}
	}

	return t
}

// newRunID returns a random run id of 16 hex digits.
func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)

	return hex.EncodeToString(b)
}
