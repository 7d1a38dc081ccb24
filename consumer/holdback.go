package consumer

import (
	"context"

	"github.com/arenasync/arenasync/pipeline"
)

// RetryHolder is an optional interface of a Gate. A runner consults it
// for every retryable outcome before moving the event to a retry tier.
type RetryHolder interface {
	// HoldRetry reports whether out was caused by Arena being unavailable
	// to every event (an open circuit, a pause after 429) and, if so, waits
	// until the gate opens again. The runner then handles the event again in
	// place instead of moving it to a retry tier, so an outage neither
	// spends the event's retries nor fills the dead-letter topic. It returns
	// false at once for other outcomes, and when ctx ends.
	HoldRetry(ctx context.Context, out pipeline.Outcome) bool
}

// holdRetry consults the gate on whether to handle a retryable outcome again in
// place. While the runner shuts down, the wait lasts until the shutdown
// grace ends, and the event then stays uncommitted.
func (r *runner) holdRetry(ctx context.Context, out pipeline.Outcome) bool {
	if out.Kind != pipeline.Retryable {
		return false
	}
	holder, ok := r.gate.(RetryHolder)
	if !ok {
		return false
	}
	return holder.HoldRetry(ctx, out)
}
