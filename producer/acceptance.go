package producer

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// AcceptanceRecorder records the events that ingest accepted, such as the
// completion ledger's ledger.Recorder, so a completion that never reaches
// a worker is still known to the reconciliation.
type AcceptanceRecorder interface {
	// Accepted records events that Kafka acknowledged, with the accepted
	// time their records carry.
	Accepted(ctx context.Context, events []pipeline.Event, acceptedAt time.Time) error
}

// WithAcceptanceRecorder calls r with the events of every accepted webhook,
// after Kafka acknowledged them and before the response. A failure is
// logged and leaves the response 202, because the events are durable in
// Kafka already. Without it nothing is recorded.
func WithAcceptanceRecorder(r AcceptanceRecorder) Option {
	return func(o *options) { o.acceptance = r }
}

// recordAccepted hands the accepted events to the AcceptanceRecorder, with
// the accepted time of their records.
func (h *webhook) recordAccepted(ctx context.Context, ex *exchange, events []pipeline.Event, msgs []kafka.Message) {
	if h.acceptance == nil || len(msgs) == 0 {
		return
	}

	acceptedAt := pipeline.DecodeMeta(msgs[0].Headers).AcceptedAt
	if err := h.acceptance.Accepted(ctx, events, acceptedAt); err != nil {
		ex.log.Warn("recording the accepted events in the ledger failed; the reconciliation sees them once a worker handles them",
			eventIDField(eventIDs(events)), zap.Error(err))
	}
}
