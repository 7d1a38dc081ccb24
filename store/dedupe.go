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

// Seen reports whether eventID was accepted within the TTL. firstID is the
// id the first delivery was accepted under, which is eventID itself.
func (d *Deliveries) Seen(ctx context.Context, eventID string) (firstID string, seen bool, err error) {
	n, err := d.client.Exists(ctx, d.key(eventID)).Result()
	if err != nil {
		return "", false, fmt.Errorf("check delivery %s: %w", eventID, err)
	}

	return eventID, n == 1, nil
}

// Remember records eventID as accepted now.
func (d *Deliveries) Remember(ctx context.Context, eventID string) error {
	at := time.Now().UTC().Format(time.RFC3339)
	if err := d.client.Set(ctx, d.key(eventID), at, d.ttl).Err(); err != nil {
		return fmt.Errorf("remember delivery %s: %w", eventID, err)
	}

	return nil
}
