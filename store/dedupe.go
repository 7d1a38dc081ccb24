package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deliveries remembers the event ids ingest has accepted, for a while, so a
// repeated webhook delivery is answered without a second Kafka record.
type Deliveries struct {
	client redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewDeliveries returns a de-duplication set whose entries live for ttl.
func NewDeliveries(client redis.UniversalClient, prefix string, ttl time.Duration) *Deliveries {
	return &Deliveries{client: client, prefix: prefix, ttl: ttl}
}

// key returns the Redis key of one event id.
func (d *Deliveries) key(eventID string) string {
	return d.prefix + "delivery:" + eventID
}

// Seen reports which of eventIDs were accepted within the TTL, in one
// pipelined round trip of one EXISTS per id. firstIDs has one entry per id
// of eventIDs: the id the first delivery was accepted under, which is the
// id itself, or "" for an id not accepted before.
//
// A pipeline rather than one multi-key command keeps the ids on keys of
// their own, which a Redis Cluster spreads over its slots.
func (d *Deliveries) Seen(ctx context.Context, eventIDs []string) (firstIDs []string, err error) {
	if len(eventIDs) == 0 {
		return nil, nil
	}

	pipe := d.client.Pipeline()
	checks := make([]*redis.IntCmd, len(eventIDs))
	for i, id := range eventIDs {
		checks[i] = pipe.Exists(ctx, d.key(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("check %d deliveries starting with %s: %w", len(eventIDs), eventIDs[0], err)
	}

	firstIDs = make([]string, len(eventIDs))
	for i, check := range checks {
		if check.Val() == 1 {
			firstIDs[i] = eventIDs[i]
		}
	}

	return firstIDs, nil
}

// Remember records every id of eventIDs as accepted now, in one pipelined
// round trip of one SET with the TTL per id.
func (d *Deliveries) Remember(ctx context.Context, eventIDs []string) error {
	if len(eventIDs) == 0 {
		return nil
	}

	at := time.Now().UTC().Format(time.RFC3339)
	pipe := d.client.Pipeline()
	for _, id := range eventIDs {
		pipe.Set(ctx, d.key(id), at, d.ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("remember %d deliveries starting with %s: %w", len(eventIDs), eventIDs[0], err)
	}

	return nil
}
