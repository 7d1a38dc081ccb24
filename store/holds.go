package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Holds keeps the order of one enrollment's events while one of them waits
// in a retry tier. The waiting event holds its key; later events of the key
// are parked in a Redis list in arrival order and released, in that order,
// when the holder reaches a final outcome.
type Holds struct {
	client redis.UniversalClient
	prefix string
}

// NewHolds returns the holds stored under prefix.
func NewHolds(client redis.UniversalClient, prefix string) *Holds {
	return &Holds{client: client, prefix: prefix}
}

// holdKey returns the key naming the event that holds a record key.
func (h *Holds) holdKey(key string) string {
	return h.prefix + "hold:" + key
}

// parkedKey returns the list of events parked behind a record key's holder.
func (h *Holds) parkedKey(key string) string {
	return h.prefix + "parked:" + key
}

// Hold makes eventID the holder of key.
func (h *Holds) Hold(ctx context.Context, key, eventID string) error {
	if err := h.client.Set(ctx, h.holdKey(key), eventID, 0).Err(); err != nil {
		return fmt.Errorf("hold key %s for event %s: %w", key, eventID, err)
	}

	return nil
}

// Holder returns the event holding key, or "" when none does.
func (h *Holds) Holder(ctx context.Context, key string) (string, error) {
	holder, err := h.client.Get(ctx, h.holdKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read holder of key %s: %w", key, err)
	}

	return holder, nil
}

// parkScript appends an event to the parked list only while the key is
// held by another event, in one step, so a release cannot slip between the
// check and the append.
var parkScript = redis.NewScript(`
local holder = redis.call("GET", KEYS[1])
if not holder then
  return 0
end
if holder == ARGV[1] then
  return 2
end
redis.call("RPUSH", KEYS[2], ARGV[2])
return 1`)

// ParkResult says what ParkIfHeld did.
type ParkResult int

// Results of ParkIfHeld.
const (
	// NotHeld: no event holds the key; nothing was parked.
	NotHeld ParkResult = iota
	// ParkedBehind: another event holds the key; the event was parked.
	ParkedBehind
	// HeldBySelf: the event itself holds the key, as after a redelivery.
	HeldBySelf
)

// ParkIfHeld parks data behind the holder of key when another event holds it.
func (h *Holds) ParkIfHeld(ctx context.Context, key, eventID string, data []byte) (ParkResult, error) {
	result, err := parkScript.Run(ctx, h.client, []string{h.holdKey(key), h.parkedKey(key)}, eventID, data).Int()
	if err != nil {
		return NotHeld, fmt.Errorf("park event %s behind key %s: %w", eventID, key, err)
	}

	switch result {
	case 1:
		return ParkedBehind, nil
	case 2:
		return HeldBySelf, nil
	default:
		return NotHeld, nil
	}
}

// Parked returns the events parked behind key, oldest first.
func (h *Holds) Parked(ctx context.Context, key string) ([][]byte, error) {
	items, err := h.client.LRange(ctx, h.parkedKey(key), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list events parked behind key %s: %w", key, err)
	}

	out := make([][]byte, len(items))
	for i, item := range items {
		out[i] = []byte(item)
	}

	return out, nil
}

// Head returns the oldest event parked behind key. ok is false when none is.
func (h *Holds) Head(ctx context.Context, key string) (data []byte, ok bool, err error) {
	item, err := h.client.LIndex(ctx, h.parkedKey(key), 0).Result()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the event parked first behind key %s: %w", key, err)
	}

	return []byte(item), true, nil
}

// PopHead removes the oldest parked event of key, once it has a durable outcome.
func (h *Holds) PopHead(ctx context.Context, key string) error {
	if err := h.client.LPop(ctx, h.parkedKey(key)).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("remove the event parked first behind key %s: %w", key, err)
	}

	return nil
}

// releaseHoldScript ends a hold when nothing is parked and the caller still
// holds the key.
var releaseHoldScript = redis.NewScript(`
if redis.call("LLEN", KEYS[2]) > 0 then
  return 0
end
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("DEL", KEYS[1])
end
return 1`)

// ReleaseIfEmpty ends eventID's hold of key when no event is parked behind
// it. It returns false when events are parked; the caller releases them first.
func (h *Holds) ReleaseIfEmpty(ctx context.Context, key, eventID string) (bool, error) {
	released, err := releaseHoldScript.Run(ctx, h.client, []string{h.holdKey(key), h.parkedKey(key)}, eventID).Int()
	if err != nil {
		return false, fmt.Errorf("release key %s held by event %s: %w", key, eventID, err)
	}

	return released == 1, nil
}
