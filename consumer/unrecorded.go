package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// UnrecordedCompletions is the set, shared by every worker instance, of
// completions that a worker handled without recording them in Arena yet:
// those waiting in a retry tier and those parked behind an earlier event of
// their enrollment. RedisUnrecorded implements it.
type UnrecordedCompletions interface {
	// Add adds eventID with the time ingest accepted it. An event already
	// present keeps its time.
	Add(ctx context.Context, eventID string, acceptedAt time.Time) error
	// Remove removes eventID; removing an absent event is no error.
	Remove(ctx context.Context, eventID string) error
	// Oldest returns the earliest accepted time; ok is false when the set is empty.
	Oldest(ctx context.Context) (acceptedAt time.Time, ok bool, err error)
}

// WithUnrecorded keeps the set of unrecorded completions up to date and
// exports arenasync_oldest_unrecorded_completion_age_seconds from it.
func WithUnrecorded(set UnrecordedCompletions) Option {
	return func(o *options) { o.unrecorded = set }
}

// unrecordedTimeout bounds one update of the set or one read of it by a scrape.
const unrecordedTimeout = 2 * time.Second

// unrecordedTracker updates the set from the worker's durable outcomes.
type unrecordedTracker struct {
	set    UnrecordedCompletions
	errors prometheus.Counter
	logger *zap.Logger
	now    func() time.Time
}

// observe updates the set after the durable outcome of one record.
// Completions that wait in a retry tier or behind an earlier event are
// added. Completions that Arena holds, that wait for approval, or that went
// to the dead-letter topic for a person are removed. A raw dead letter has
// no event type, so its event id is removed whatever it was.
func (t *unrecordedTracker) observe(env pipeline.Envelope, out pipeline.Outcome) {
	if env.Event.ID == "" || (env.Event.Type != pipeline.CourseCompleted && out.Kind != pipeline.Permanent) {
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), unrecordedTimeout)
	defer cancel()

	var err error
	switch out.Kind {
	case pipeline.Retryable, pipeline.Parked:
		acceptedAt := env.Meta.AcceptedAt
		if acceptedAt.IsZero() {
			acceptedAt = t.now()
		}
		err = t.set.Add(ctx, env.Event.ID, acceptedAt)
	default:
		err = t.set.Remove(ctx, env.Event.ID)
	}

	if err != nil {
		t.errors.Inc()
		t.logger.Warn("updating the set of unrecorded completions failed; arenasync_oldest_unrecorded_completion_age_seconds may be off for this event",
			zap.String(keyEventID, env.Event.ID), zap.String(keyOutcome, out.Kind.String()), zap.Error(err))
	}
}

// unrecordedAgeCollector exports the age of the oldest unrecorded
// completion, read from the shared set on every scrape, so every worker
// instance reports the same value.
type unrecordedAgeCollector struct {
	set    UnrecordedCompletions
	desc   *prometheus.Desc
	errors prometheus.Counter
	now    func() time.Time
	logger *zap.Logger

	warnMu   sync.Mutex
	lastWarn time.Time
}

// Describe sends the description of the age metric.
func (c *unrecordedAgeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
}

// Collect reads the oldest entry and sends its age, 0 when the set is
// empty. A failed read sends nothing and counts an error.
func (c *unrecordedAgeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), unrecordedTimeout)
	defer cancel()

	oldest, ok, err := c.set.Oldest(ctx)
	if err != nil {
		c.errors.Inc()
		c.warn(err)

		return
	}

	age := 0.0
	if ok {
		age = max(c.now().Sub(oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, age)
}

// warn logs a failed read, at most once per lagWarnInterval.
func (c *unrecordedAgeCollector) warn(err error) {
	c.warnMu.Lock()
	defer c.warnMu.Unlock()

	if time.Since(c.lastWarn) < lagWarnInterval {
		return
	}
	c.lastWarn = time.Now()
	c.logger.Warn("reading the oldest unrecorded completion from redis failed", zap.Error(err))
}

// RedisUnrecorded keeps the unrecorded completions in one Redis sorted set:
// member the event id, score the accepted time in Unix milliseconds.
type RedisUnrecorded struct {
	client redis.UniversalClient
	key    string
}

// NewRedisUnrecorded returns the set stored under prefix.
func NewRedisUnrecorded(client redis.UniversalClient, prefix string) *RedisUnrecorded {
	return &RedisUnrecorded{client: client, key: prefix + "unrecorded-completions"}
}

// Add adds eventID unless it is present.
func (r *RedisUnrecorded) Add(ctx context.Context, eventID string, acceptedAt time.Time) error {
	member := redis.Z{Score: float64(acceptedAt.UnixMilli()), Member: eventID}
	if err := r.client.ZAddNX(ctx, r.key, member).Err(); err != nil {
		return fmt.Errorf("add event %s to %s: %w", eventID, r.key, err)
	}

	return nil
}

// Remove removes eventID.
func (r *RedisUnrecorded) Remove(ctx context.Context, eventID string) error {
	if err := r.client.ZRem(ctx, r.key, eventID).Err(); err != nil {
		return fmt.Errorf("remove event %s from %s: %w", eventID, r.key, err)
	}

	return nil
}

// Oldest returns the lowest score as a time.
func (r *RedisUnrecorded) Oldest(ctx context.Context) (time.Time, bool, error) {
	entries, err := r.client.ZRangeWithScores(ctx, r.key, 0, 0).Result()
	if errors.Is(err, redis.Nil) || (err == nil && len(entries) == 0) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read the oldest entry of %s: %w", r.key, err)
	}

	return time.UnixMilli(int64(entries[0].Score)), true, nil
}

// Key returns the Redis key of the sorted set, for operators and tests.
func (r *RedisUnrecorded) Key() string {
	return r.key
}
