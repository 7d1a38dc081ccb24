package producer

import (
	"context"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// Deduplicator recognises repeated deliveries of one event id. It is
// optional: without one every delivery is written to Kafka, and the
// consumers make repeats harmless.
//
// Seen and Remember are separate steps, so two concurrent deliveries of one
// event can both pass Seen. The check reduces duplicates but does not
// exclude them.
type Deduplicator interface {
	// Seen reports whether eventID was accepted before. firstID is the event
	// id the first delivery was accepted under, which the duplicate response
	// returns to the LMS.
	Seen(ctx context.Context, eventID string) (firstID string, seen bool, err error)

	// Remember marks eventID as accepted. The server calls it only after
	// Kafka acknowledged the event.
	Remember(ctx context.Context, eventID string) error
}

// dropDuplicates returns the events whose ids the Deduplicator has not seen,
// and the first id of the first duplicate. A Deduplicator error lets the
// event through, because the consumers make a duplicate harmless while a
// lost event is not.
func (h *webhook) dropDuplicates(ctx context.Context, ex *exchange, events []pipeline.Event) (fresh []pipeline.Event, firstID string) {
	if h.dedupe == nil {
		return events, ""
	}

	for _, e := range events {
		original, seen, err := h.dedupe.Seen(ctx, e.ID)
		switch {
		case err != nil:
			ex.log.Warn("duplicate check failed, accepting the event", zap.String(keyEventID, e.ID), zap.Error(err))
			fresh = append(fresh, e)
		case seen && firstID == "":
			firstID = original
		case !seen:
			fresh = append(fresh, e)
		}
	}

	return fresh, firstID
}

// remember marks accepted event ids in the Deduplicator. A failure only
// means that a repeated delivery is written again, so it is logged and the
// response stays 202.
func (h *webhook) remember(ctx context.Context, ex *exchange, ids []string) {
	if h.dedupe == nil {
		return
	}

	for _, id := range ids {
		if err := h.dedupe.Remember(ctx, id); err != nil {
			ex.log.Warn("remembering the event id for duplicate checks failed", zap.String(keyEventID, id), zap.Error(err))
		}
	}
}
