package review

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// Alerter is called with every entry the consumer creates. It runs on the
// consumer's goroutine, so it must return at once; notify.Notifier's
// Notify does.
type Alerter func(Entry)

// fetcher is the part of kafka.Reader the consumer uses.
type fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// Consumer reads the dead-letter topic in a consumer group and stores one
// review-queue entry per record. See the package doc for its delivery
// guarantee.
type Consumer struct {
	cfg     Config
	store   *Store
	reader  fetcher
	alert   Alerter
	metrics *metrics
	logger  *zap.Logger
	now     func() time.Time

	errMu   sync.Mutex
	lastErr error
}

// NewConsumer returns a consumer of cfg that stores entries in store and
// calls alert for each new one; alert may be nil. Metrics are registered
// on reg.
func NewConsumer(cfg Config, store *Store, alert Alerter, logger *zap.Logger, reg prometheus.Registerer) (*Consumer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("review: store is nil")
	}
	if alert == nil {
		alert = func(Entry) {}
	}

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           cfg.Brokers,
		GroupID:           cfg.GroupID,
		Topic:             cfg.Topic,
		MinBytes:          1,
		MaxBytes:          10 << 20,
		MaxWait:           250 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		CommitInterval:    cfg.CommitInterval,
		HeartbeatInterval: 3 * time.Second,
		SessionTimeout:    30 * time.Second,
		RebalanceTimeout:  30 * time.Second,
		JoinGroupBackoff:  time.Second,
		ReadBackoffMax:    time.Second,
		ErrorLogger:       newKafkaLogger(logger, cfg.Topic),
	})

	return &Consumer{cfg: cfg, store: store, reader: reader, alert: alert, metrics: newMetrics(reg), logger: logger, now: time.Now}, nil
}

// Run consumes until ctx ends, then commits the stored records' offsets
// and closes the reader.
func (c *Consumer) Run(ctx context.Context) error {
	gaugeDone := make(chan struct{})
	go func() {
		defer close(gaugeDone)
		c.gaugeLoop(ctx)
	}()

	c.logger.Info("reconciler consumer started", zap.String(keyTopic, c.cfg.Topic), zap.String(keyGroup, c.cfg.GroupID))
	c.consume(ctx)

	<-gaugeDone
	c.logger.Info("reconciler consumer stopping; committing offsets", zap.String(keyTopic, c.cfg.Topic))
	err := c.reader.Close()
	c.logger.Info("reconciler consumer stopped", zap.String(keyTopic, c.cfg.Topic))

	return err
}

// consume fetches and stores records until ctx ends.
func (c *Consumer) consume(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		msg, err := c.reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.setErr(err)
			c.logger.Warn("fetching from kafka failed; retrying", zap.String(keyTopic, c.cfg.Topic), zap.Error(err))
			sleep(ctx, backoff)
			backoff = min(backoff*2, 10*time.Second)

			continue
		}
		c.setErr(nil)
		backoff = 100 * time.Millisecond

		if err := c.handle(ctx, msg); err != nil {
			return
		}
	}
}

// handle stores the entry of one record, then counts, logs and alerts when
// it is new, and commits. It returns an error only when ctx ended before
// the entry was stored; the record then stays uncommitted.
func (c *Consumer) handle(ctx context.Context, msg kafka.Message) error {
	entry := EntryFromRecord(msg, c.now())

	created, err := c.storeUntilStored(ctx, entry)
	if err != nil {
		return err
	}

	if created {
		c.metrics.received.WithLabelValues(entry.Reason).Inc()
		c.logger.Warn("dead letter waiting for review",
			zap.String(keyEntryID, entry.ID), zap.String(keyEventID, entry.EventID),
			zap.String(keyEmployeeID, entry.EmployeeID), zap.String(keyCourseID, entry.CourseID),
			zap.String(keyReason, entry.Reason), zap.String(keyDetail, entry.ErrorMessage))
		c.alert(entry)
		c.refreshGauge(ctx)
	} else {
		c.metrics.redelivered.Inc()
		c.logger.Debug("dead letter already stored", zap.String(keyEntryID, entry.ID))
	}

	// A context of its own: the offset of a stored entry is committed even
	// when shutdown has begun.
	commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.reader.CommitMessages(commitCtx, msg); err != nil {
		c.logger.Warn("committing offset failed; the record will be read again and skipped as already stored",
			zap.String(keyTopic, msg.Topic), zap.Int(keyPartition, msg.Partition), zap.Int64(keyOffset, msg.Offset), zap.Error(err))
	}

	return nil
}

// storeUntilStored puts entry, retrying while Redis fails, because an
// offset must never be committed for an entry that was not stored.
func (c *Consumer) storeUntilStored(ctx context.Context, entry Entry) (bool, error) {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		created, err := c.store.Put(ctx, entry)
		if err == nil {
			if attempt > 1 {
				c.setErr(nil)
			}

			return created, nil
		}

		c.metrics.storeErrors.Inc()
		c.setErr(err)
		c.logger.Error("storing dead letter in redis failed; retrying",
			zap.String(keyEntryID, entry.ID), zap.Int(keyAttempt, attempt), zap.Error(err))
		if !sleep(ctx, backoff) {
			return false, fmt.Errorf("store dead letter %s: %w (last error: %v)", entry.ID, ctx.Err(), err)
		}
		backoff = min(backoff*2, c.cfg.StoreRetryMax)
	}
}

// gaugeLoop refreshes the open-entry gauge until ctx ends, so replays and
// resolves by other processes show up.
func (c *Consumer) gaugeLoop(ctx context.Context) {
	ticker := time.NewTicker(c.cfg.GaugeInterval)
	defer ticker.Stop()

	c.refreshGauge(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			c.refreshGauge(ctx)
		}
	}
}

// refreshGauge sets the open-entry gauge from Redis; a failure keeps the
// last value.
func (c *Consumer) refreshGauge(ctx context.Context) {
	n, err := c.store.CountOpen(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.logger.Warn("counting open dead letters failed", zap.Error(err))
		}

		return
	}
	c.metrics.open.Set(float64(n))
}

// Ready returns nil when the last fetch and the last store succeeded.
func (c *Consumer) Ready() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()

	if c.lastErr != nil {
		return fmt.Errorf("dead-letter consumer of %s: %w", c.cfg.Topic, c.lastErr)
	}

	return nil
}

func (c *Consumer) setErr(err error) {
	c.errMu.Lock()
	c.lastErr = err
	c.errMu.Unlock()
}

// sleep waits for d and reports whether ctx was still live afterwards.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// newKafkaLogger passes kafka-go's error log to zap at warn level. It drops
// lines that follow the last logged one by less than ten seconds, because
// an unreachable broker makes kafka-go log on every retry.
func newKafkaLogger(logger *zap.Logger, topic string) kafka.LoggerFunc {
	var mu sync.Mutex
	var last time.Time

	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 10*time.Second {
			return
		}
		last = time.Now()
		logger.Warn("kafka client error", zap.String(keyTopic, topic), zap.String(keyDetail, fmt.Sprintf(format, args...)))
	}
}
