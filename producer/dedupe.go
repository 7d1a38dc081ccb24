package producer

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// Deduplicator recognises repeated deliveries of one event id. It is
// optional: without one every delivery is written to Kafka, and the
// consumers make repeats harmless.
//
// Seen runs before the Kafka write and Remember after Kafka acknowledged
// it, in the background after the 202 (see bookkeeper). Two concurrent
// deliveries of one event can therefore both pass Seen, and so can a
// repeated delivery that reaches another ingest instance before the first
// delivery's id is remembered. Within one Server the ids that wait for
// Remember count as seen. The check reduces duplicates but does not
// exclude them.
type Deduplicator interface {
	// Seen reports which of eventIDs were accepted before, in one round
	// trip. firstIDs has one entry per id of eventIDs, in the same order:
	// the event id the first delivery was accepted under, which the
	// duplicate response returns to the LMS, or "" for an id not accepted
	// before.
	Seen(ctx context.Context, eventIDs []string) (firstIDs []string, err error)

	// Remember marks every id of eventIDs as accepted, in one round trip.
	// The server calls it only after Kafka acknowledged each of those
	// events, and may pass the ids of several requests in one call.
	Remember(ctx context.Context, eventIDs []string) error
}

// dropDuplicates returns the events whose ids were not accepted before, and
// the first id of the first duplicate.
func (h *webhook) dropDuplicates(ctx context.Context, ex *exchange, events []pipeline.Event) (fresh []pipeline.Event, firstID string) {
	if h.dedupe == nil {
		return events, ""
	}

	firstIDs := h.firstIDs(ctx, ex, eventIDs(events))
	for i, e := range events {
		switch {
		case firstIDs[i] == "":
			fresh = append(fresh, e)
		case firstID == "":
			firstID = firstIDs[i]
		}
	}

	return fresh, firstID
}

// firstIDs returns, for each of ids, the id its first delivery was
// accepted under, or "" for an id not accepted before. Ids that this
// Server accepted but has not remembered yet count as seen without a
// round trip, and the others go to one Seen call. A failed Seen lets every
// event through, because the consumers make a duplicate harmless while a
// lost event is not.
func (h *webhook) firstIDs(ctx context.Context, ex *exchange, ids []string) []string {
	firstIDs := h.bookkeeping.pending.firstIDs(ids)

	var unknown []string
	var positions []int
	for i, id := range ids {
		if firstIDs[i] == "" {
			unknown = append(unknown, id)
			positions = append(positions, i)
		}
	}
	if len(unknown) == 0 {
		return firstIDs
	}

	seen, err := h.dedupe.Seen(ctx, unknown)
	if err == nil && len(seen) != len(unknown) {
		err = fmt.Errorf("the Deduplicator returned %d results for %d event ids", len(seen), len(unknown))
	}
	if err != nil {
		ex.log.Warn("duplicate check failed, accepting the events", eventIDField(unknown), zap.Error(err))

		return firstIDs
	}

	for j, i := range positions {
		firstIDs[i] = seen[j]
	}

	return firstIDs
}

// remember marks ids as accepted in the Deduplicator and reports whether
// that succeeded. A failure only means that a repeated delivery is written
// again, so it is logged and nothing else happens.
func (b *bookkeeper) remember(ctx context.Context, log *zap.Logger, ids []string) bool {
	if b.dedupe == nil || len(ids) == 0 {
		return true
	}

	if err := b.dedupe.Remember(ctx, ids); err != nil {
		log.Warn("remembering the event ids for duplicate checks failed, so a repeated delivery of these events is written to Kafka again",
			eventIDField(ids), zap.Error(err))

		return false
	}

	return true
}
