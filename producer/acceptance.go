package producer

import (
	"context"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// AcceptanceRecorder records the events that ingest accepted, such as the
// completion ledger's ledger.Recorder, so a completion that never reaches
// a worker is still known to the reconciliation.
type AcceptanceRecorder interface {
	// Accepted records events that Kafka acknowledged. Each envelope's
	// Meta.AcceptedAt is the accepted time its record carries. One call
	// holds the events of every webhook that a bookkeeping worker took
	// together, so an implementation should write them in one round trip.
	// It runs after the 202, so a worker may have stored an outcome of the
	// same event already, and Accepted must not overwrite it.
	// ledger.Store.PutAll keeps such an outcome.
	Accepted(ctx context.Context, accepted []pipeline.Envelope) error
}

// WithAcceptanceRecorder calls r with the events of accepted webhooks,
// after Kafka acknowledged them. The call runs in the background after the
// 202, with the events of every webhook queued together, or before the 202
// with the events of one webhook when the bookkeeping queue is full. A
// failure is logged and leaves the response 202, because the events are
// durable in Kafka already. Without it nothing is recorded.
func WithAcceptanceRecorder(r AcceptanceRecorder) Option {
	return func(o *options) { o.acceptance = r }
}

// recordAccepted hands accepted to the AcceptanceRecorder and reports
// whether that succeeded. log carries the request id when accepted belongs
// to one request.
func (b *bookkeeper) recordAccepted(ctx context.Context, log *zap.Logger, accepted []pipeline.Envelope) bool {
	if b.acceptance == nil || len(accepted) == 0 {
		return true
	}

	if err := b.acceptance.Accepted(ctx, accepted); err != nil {
		log.Warn("recording the accepted events in the ledger failed, so the reconciliation sees them only once a worker handles them",
			eventIDField(envelopeIDs(accepted)), zap.Error(err))

		return false
	}

	return true
}

// envelopeIDs returns the event ids of accepted.
func envelopeIDs(accepted []pipeline.Envelope) []string {
	ids := make([]string, len(accepted))
	for i, env := range accepted {
		ids[i] = env.Event.ID
	}

	return ids
}
