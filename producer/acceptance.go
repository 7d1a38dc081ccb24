package producer

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// AcceptanceRecorder records the events that ingest accepted, such as the
// completion ledger's ledger.Recorder, so a completion that never reaches
// a worker is still known to the reconciliation.
type AcceptanceRecorder interface {
	// Accepted records events that Kafka acknowledged, with the accepted
	// time their records carry. It runs after the 202, so a worker may
	// have stored an outcome of the same event already, and Accepted must
	// not overwrite it. ledger.Store.Put keeps such an outcome.
	Accepted(ctx context.Context, events []pipeline.Event, acceptedAt time.Time) error
}

// WithAcceptanceRecorder calls r with the events of every accepted webhook,
// after Kafka acknowledged them. The call runs in the background after the
// 202, or before it when the bookkeeping queue is full. A failure is logged
// and leaves the response 202, because the events are durable in Kafka
// already. Without it nothing is recorded.
func WithAcceptanceRecorder(r AcceptanceRecorder) Option {
	return func(o *options) { o.acceptance = r }
}

// recordAccepted hands the events of job to the AcceptanceRecorder and
// reports whether that succeeded.
func (b *bookkeeper) recordAccepted(ctx context.Context, job bookkeepingJob) bool {
	if b.acceptance == nil || len(job.events) == 0 {
		return true
	}

	if err := b.acceptance.Accepted(ctx, job.events, job.acceptedAt); err != nil {
		job.log.Warn("recording the accepted events in the ledger failed; the reconciliation sees them once a worker handles them",
			eventIDField(job.ids), zap.Error(err))

		return false
	}

	return true
}
