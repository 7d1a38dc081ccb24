package consumer

import (
	"context"
	"encoding/json"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// Holds keeps one enrollment's events in order while one of them waits in
// a retry tier. store.Holds implements it in Redis.
type Holds interface {
	Hold(ctx context.Context, key, eventID string) error
	Holder(ctx context.Context, key string) (string, error)
	ParkIfHeld(ctx context.Context, key, eventID string, data []byte) (store.ParkResult, error)
	Parked(ctx context.Context, key string) ([][]byte, error)
	Head(ctx context.Context, key string) (data []byte, ok bool, err error)
	PopHead(ctx context.Context, key string) error
	ReleaseIfEmpty(ctx context.Context, key, eventID string) (bool, error)
}

// ordering applies the per-enrollment order rule of the package doc.
type ordering struct {
	holds  Holds
	logger *zap.Logger
}

// park parks env behind the holder of its key when another event holds it.
// Redis failures are retried in place: handling the event without knowing
// whether an earlier one waits could land a stale event on a newer one.
func (o *ordering) park(ctx context.Context, env pipeline.Envelope) (store.ParkResult, error) {
	data, err := json.Marshal(env)
	if err != nil {
		return store.NotHeld, err
	}

	var result store.ParkResult
	err = retryStore(ctx, o.logger, "park", func() error {
		var parkErr error
		result, parkErr = o.holds.ParkIfHeld(ctx, env.Event.Key(), env.Event.ID, data)

		return parkErr
	})

	return result, err
}

// superseded reports whether a completion parked behind env's key makes the
// completion env stale. Only completions supersede completions; skip leaves
// out the first parked entries (env itself, when env is the parked head).
func (o *ordering) superseded(ctx context.Context, env pipeline.Envelope, skip int) (bool, error) {
	if env.Event.Type != pipeline.CourseCompleted {
		return false, nil
	}

	var parked [][]byte
	err := retryStore(ctx, o.logger, "list parked", func() error {
		var listErr error
		parked, listErr = o.holds.Parked(ctx, env.Event.Key())

		return listErr
	})
	if err != nil {
		return false, err
	}

	for i := skip; i < len(parked); i++ {
		var later pipeline.Envelope
		if json.Unmarshal(parked[i], &later) == nil && later.Event.Type == pipeline.CourseCompleted {
			return true, nil
		}
	}

	return false, nil
}

// retryStore runs op until it succeeds or ctx ends, backing off between
// tries, because an ordering decision must not be skipped.
func retryStore(ctx context.Context, logger *zap.Logger, what string, op func() error) error {
	backoff := 100 * time.Millisecond
	for {
		err := op()
		if err == nil {
			return nil
		}

		logger.Warn("redis failed while keeping enrollment order; retrying", zap.String("step", what), zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
