package consumer

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// publisher writes moved records to a retry tier or the dead-letter topic.
// kafka.Writer satisfies it.
type publisher interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// router decides where a handled record goes next and puts it there.
type router struct {
	tiers      []Tier
	deadLetter string
	writer     publisher
	order      *ordering
	metrics    *metrics
	logger     *zap.Logger
	now        func() time.Time
}

// route makes the outcome of one record durable and returns the outcome
// after routing, because a retryable outcome of the last tier becomes a
// permanent retries_exhausted one. The error is set (only on shutdown) when
// the move could not be confirmed, so the record stays uncommitted.
func (r *router) route(ctx context.Context, env pipeline.Envelope, out pipeline.Outcome, tierIndex int) (pipeline.Outcome, error) {
	switch out.Kind {
	case pipeline.Done, pipeline.PendingApproval:
		return out, nil
	case pipeline.Retryable:
		next := tierIndex + 1
		if next < len(r.tiers) {
			return out, r.toTier(ctx, env, out, next)
		}
		exhausted := out
		exhausted.Kind = pipeline.Permanent
		exhausted.Reason = pipeline.ReasonRetriesExhausted
		exhausted.Detail = fmt.Sprintf("%d retries failed, the last with %s: %s", len(r.tiers), out.Reason, out.Detail)

		return exhausted, r.toDeadLetter(ctx, env, exhausted, out.Reason)
	default:
		return out, r.toDeadLetter(ctx, env, out, out.Reason)
	}
}

// toTier moves a record to retry tier index with a fresh not-before time.
func (r *router) toTier(ctx context.Context, env pipeline.Envelope, out pipeline.Outcome, index int) error {
	tier := r.tiers[index]

	env.Meta.Attempt++
	env.Meta.NotBefore = r.now().Add(tier.Delay)
	env.Meta.ErrorClass = string(out.Reason)
	env.Meta.ErrorMessage = out.Detail
	env.Meta.ArenaStatus = out.ArenaStatus

	// Hold the key before the record enters the tier, so later events of the
	// enrollment wait behind it instead of overtaking it.
	if r.order != nil {
		key, id := env.Event.Key(), env.Event.ID
		if err := retryStore(ctx, r.logger, "hold", func() error { return r.order.holds.Hold(ctx, key, id) }); err != nil {
			return err
		}
	}

	if err := r.publish(ctx, tier.Topic, env); err != nil {
		return err
	}

	r.metrics.retries.WithLabelValues(tier.Topic).Inc()
	r.logger.Info("event moved to retry tier",
		zap.String(keyEventID, env.Event.ID), zap.String(keyTopic, tier.Topic),
		zap.Int(keyAttempt, env.Meta.Attempt), zap.String(keyReason, string(out.Reason)))

	return nil
}

// toDeadLetter moves a record to the dead-letter topic. lastError is the
// class of the failure that ended the record's handling.
func (r *router) toDeadLetter(ctx context.Context, env pipeline.Envelope, out pipeline.Outcome, lastError pipeline.Reason) error {
	env.Meta.Reason = string(out.Reason)
	env.Meta.ErrorClass = string(lastError)
	env.Meta.ErrorMessage = out.Detail
	env.Meta.NotBefore = time.Time{}
	if out.ArenaStatus != 0 {
		env.Meta.ArenaStatus = out.ArenaStatus
	}

	if err := r.publish(ctx, r.deadLetter, env); err != nil {
		return err
	}

	r.metrics.deadLetters.WithLabelValues(string(out.Reason)).Inc()
	r.logger.Warn("event moved to dead-letter topic",
		zap.String(keyEventID, env.Event.ID), zap.String(keyEmployeeID, env.Event.EmployeeID),
		zap.String(keyReason, string(out.Reason)), zap.String(keyDetail, out.Detail))

	return nil
}

// deadLetterRaw moves bytes that are not a valid event to the dead-letter topic.
func (r *router) deadLetterRaw(ctx context.Context, dl pipeline.RawDeadLetter) error {
	msg := dl.Record()
	msg.Topic = r.deadLetter
	if err := r.write(ctx, msg); err != nil {
		return err
	}

	r.metrics.deadLetters.WithLabelValues(string(dl.Reason)).Inc()
	r.logger.Warn("record moved to dead-letter topic",
		zap.String(keyTopic, dl.OriginalTopic), zap.Int(keyPartition, dl.OriginalPartition),
		zap.Int64(keyOffset, dl.OriginalOffset), zap.String(keyReason, string(dl.Reason)), zap.String(keyDetail, dl.Message))

	return nil
}

// publish encodes env and writes it to topic.
func (r *router) publish(ctx context.Context, topic string, env pipeline.Envelope) error {
	msg, err := pipeline.EncodeRecord(env)
	if err != nil {
		return err
	}
	msg.Topic = topic

	return r.write(ctx, msg)
}

// write retries a write until Kafka acknowledges it or ctx ends. A record
// that cannot be moved must not be committed, and dropping it is never an
// option, so the only way out without success is shutdown.
func (r *router) write(ctx context.Context, msg kafka.Message) error {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := r.writer.WriteMessages(ctx, msg)
		if err == nil {
			return nil
		}

		r.logger.Error("writing moved record failed; retrying",
			zap.String(keyTopic, msg.Topic), zap.Int(keyAttempt, attempt), zap.Error(err))

		select {
		case <-ctx.Done():
			return fmt.Errorf("move record to %s: %w (last error: %v)", msg.Topic, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
