package reconcile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// slotTTL is how long the claim of a scheduled run is kept. It exceeds a
// day, so an instance whose clock lags cannot claim the same run again.
const slotTTL = 48 * time.Hour

// ParseTimeOfDay reads "HH:MM" (24-hour clock) as the time since midnight.
func ParseTimeOfDay(value string) (time.Duration, error) {
	hours, minutes, ok := strings.Cut(strings.TrimSpace(value), ":")
	h, errH := strconv.Atoi(hours)
	m, errM := strconv.Atoi(minutes)
	if !ok || errH != nil || errM != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(minutes) != 2 {
		return 0, fmt.Errorf("%w: time of day %q is not HH:MM on a 24-hour clock, such as 02:00", ErrInvalidConfig, value)
	}

	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// RunFunc runs one reconciliation for the Scheduler.
type RunFunc func(ctx context.Context) (Report, error)

// Scheduler runs a reconciliation once a day at Config.At in
// Config.Location. Instances that share Redis share the schedule: the
// first to claim a day's run in Redis runs it, and the others skip it.
// A failed run is tried again by the claiming instance every
// Config.RetryInterval until the next scheduled time.
type Scheduler struct {
	cfg      Config
	client   redis.UniversalClient
	keys     keys
	run      RunFunc
	logger   *zap.Logger
	now      func() time.Time
	instance string
}

// NewScheduler returns a Scheduler that calls run at the scheduled times.
func NewScheduler(cfg Config, rdb redis.UniversalClient, run RunFunc, logger *zap.Logger) (*Scheduler, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rdb == nil || run == nil {
		return nil, fmt.Errorf("%w: Redis client and run function are required", ErrInvalidConfig)
	}
	if logger == nil {
		logger = zap.NewNop()
	}

	return &Scheduler{cfg: cfg, client: rdb, keys: newKeys(cfg.Prefix), run: run, logger: logger, now: time.Now, instance: instanceName()}, nil
}

// Next returns the first scheduled time after t.
func (s *Scheduler) Next(t time.Time) time.Time {
	local := t.In(s.cfg.Location)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.cfg.Location)
	next := midnight.Add(s.cfg.At)
	for !next.After(t) {
		midnight = midnight.AddDate(0, 0, 1)
		next = midnight.Add(s.cfg.At)
	}

	return next
}

// Run waits for each scheduled time and runs the reconciliation when this
// instance claims it, until ctx ends. It returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	s.logger.Info("reconciliation scheduled", zap.Time(keyNext, s.Next(s.now())), zap.String(keyInstance, s.instance))

	for {
		slot := s.Next(s.now())
		if sleep(ctx, slot.Sub(s.now())) != nil {
			return nil
		}

		s.runSlot(ctx, slot)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// runSlot claims one scheduled run and runs it, trying again after a
// failure until the next scheduled time.
func (s *Scheduler) runSlot(ctx context.Context, slot time.Time) {
	deadline := s.Next(slot)
	for {
		err := s.attempt(ctx, slot)
		if err == nil || ctx.Err() != nil {
			return
		}

		retryAt := s.now().Add(s.cfg.RetryInterval)
		if !retryAt.Before(deadline) {
			s.logger.Error("scheduled reconciliation failed; the next one runs at its scheduled time",
				zap.Time(keySlot, slot), zap.Time(keyNext, deadline), zap.Error(err))

			return
		}
		s.logger.Warn("scheduled reconciliation failed; trying again", zap.Time(keySlot, slot),
			zap.Duration(keyWait, s.cfg.RetryInterval), zap.Error(err))
		if sleep(ctx, s.cfg.RetryInterval) != nil {
			return
		}
	}
}

// attempt claims the slot unless this instance holds it already, and
// runs the reconciliation. Another instance's claim ends the slot for
// this one without an error.
func (s *Scheduler) attempt(ctx context.Context, slot time.Time) error {
	key := s.keys.slot(slot.UTC().Format(time.RFC3339))
	claimed, err := s.client.SetNX(ctx, key, s.instance, slotTTL).Result()
	if err != nil {
		return fmt.Errorf("claim the scheduled reconciliation %s: %w", key, err)
	}
	if !claimed {
		holder, err := s.client.Get(ctx, key).Result()
		if err != nil {
			return fmt.Errorf("read the claim of the scheduled reconciliation %s: %w", key, err)
		}
		if holder != s.instance {
			s.logger.Info("scheduled reconciliation claimed by another instance; skipping it",
				zap.Time(keySlot, slot), zap.String(keyInstance, holder))

			return nil
		}
	}

	report, err := s.run(ctx)
	if err != nil {
		return err
	}
	s.logger.Info("scheduled reconciliation finished", zap.Time(keySlot, slot), zap.String(keyRunID, report.RunID),
		zap.Int(keyDifferences, report.Differences))

	return nil
}
