package dev

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// finalKind is the final outcome of an event.
type finalKind int

// Final outcomes. Zero means none yet.
const (
	finalDone finalKind = iota + 1
	finalPendingApproval
	finalDeadLettered
)

// trackedEvent is the state of one event id.
type trackedEvent struct {
	// status is the HTTP status of the ingest response: 202 or 422, zero
	// before the response.
	status  int
	retried bool
	// tiers lists the indexes of the retry tiers the event was moved into,
	// each once.
	tiers []int
	final finalKind
	// reason is the dead-letter reason of a dead-lettered event.
	reason pipeline.Reason
	// acceptedAt is when ingest accepted the event, from the record headers.
	acceptedAt time.Time
	finalAt    time.Time
	// inReviewQueue is true once the reconciler stored the event's dead
	// letter as a new review-queue entry.
	inReviewQueue bool
	// reviewCounted is true once the event counts in tracker.reviewCount.
	reviewCounted bool
}

// tracker follows events from the ingest response to their final outcome.
// The response and the outcome arrive from different goroutines in either
// order, because the worker may finish an event before ingest has written
// its 202, so each is stored until the other comes.
type tracker struct {
	mu     sync.Mutex
	now    func() time.Time
	events map[string]*trackedEvent
	// tierNames names the retry tiers in order, such as retry.1s.
	tierNames []string

	// responded counts events with an ingest response. final counts those
	// of them with a final outcome, deadLetterCount those of them whose
	// final outcome is the dead-letter topic, and reviewCount those of the
	// dead-lettered ones that the review queue has taken.
	responded       int
	final           int
	deadLetterCount int
	reviewCount     int

	firstResponse time.Time
	lastFinal     time.Time
}

// newTracker returns a tracker of a run whose retry tiers are tierNames,
// first tier first.
func newTracker(now func() time.Time, tierNames []string) *tracker {
	return &tracker{now: now, events: make(map[string]*trackedEvent), tierNames: tierNames}
}

// entry returns the state of id, creating it. t.mu must be held.
func (t *tracker) entry(id string) *trackedEvent {
	e := t.events[id]
	if e == nil {
		e = &trackedEvent{}
		t.events[id] = e
	}

	return e
}

// recordResponse records the ingest response for event ids: 202 for
// accepted events, 422 for invalid ones. A repeated response for an id
// changes nothing.
func (t *tracker) recordResponse(status int, ids []string) {
	t.mu.Lock()
	defer t.mu.Unlock()

	now := t.now()
	for _, id := range ids {
		e := t.entry(id)
		if e.status != 0 {
			continue
		}

		e.status = status
		t.responded++
		if t.firstResponse.IsZero() {
			t.firstResponse = now
		}
		if e.final != 0 {
			t.countFinal(e)
		}
		t.countReviewed(e)
	}
}

// observe is the worker's consumer.Observer: done, pending approval and
// permanent outcomes are final, retryable ones mark the event as retried.
// A permanent outcome means the dead-letter record is already durable.
//
// A retryable outcome moves the event into the tier after the one it was
// read from. The tier is taken from the attempt count, not from topic: a
// tier's runner also handles main-topic events that were parked behind the
// event it finished, and those go to the first tier. Meta.Attempt counts the
// moves so far, so it is the index of the next tier: 0 for an event of the
// main topic, 1 for one read from the first tier.
func (t *tracker) observe(_ string, env pipeline.Envelope, out pipeline.Outcome) {
	switch out.Kind {
	case pipeline.Done:
		t.finish(env.Event.ID, finalDone, "", env.Meta.AcceptedAt)
	case pipeline.PendingApproval:
		t.finish(env.Event.ID, finalPendingApproval, "", env.Meta.AcceptedAt)
	case pipeline.Permanent:
		t.finish(env.Event.ID, finalDeadLettered, out.Reason, env.Meta.AcceptedAt)
	case pipeline.Retryable:
		t.markRetried(env.Event.ID, env.Meta.Attempt)
	}
}

// deadLettered records a record read from the dead-letter topic.
func (t *tracker) deadLettered(id string, reason pipeline.Reason, acceptedAt time.Time) {
	t.finish(id, finalDeadLettered, reason, acceptedAt)
}

// markRetried records that an event went to the retry tier of index tier,
// clamped to the ladder. A repeated delivery of the same move is counted
// once.
func (t *tracker) markRetried(id string, tier int) {
	t.mu.Lock()
	defer t.mu.Unlock()

	e := t.entry(id)
	e.retried = true

	tier = min(max(tier, 0), len(t.tierNames)-1)
	if tier >= 0 && !slices.Contains(e.tiers, tier) {
		e.tiers = append(e.tiers, tier)
	}
}

// reviewed records that the reconciler stored the dead letter of event id
// as a new review-queue entry. It is the reconciler's alert hook, so it
// may run before or after the event's ingest response and final outcome.
func (t *tracker) reviewed(id string) {
	if id == "" {
		return
	}

	t.mu.Lock()
	defer t.mu.Unlock()

	e := t.entry(id)
	e.inReviewQueue = true
	t.countReviewed(e)
}

// finish records the first final outcome of an event. Later ones, from a
// repeated delivery or from the dead-letter topic after the observer, are
// ignored.
func (t *tracker) finish(id string, kind finalKind, reason pipeline.Reason, acceptedAt time.Time) {
	if id == "" {
		return
	}

	t.mu.Lock()
	defer t.mu.Unlock()

	e := t.entry(id)
	if e.final != 0 {
		return
	}

	e.final, e.reason, e.acceptedAt, e.finalAt = kind, reason, acceptedAt, t.now()
	if e.status != 0 {
		t.countFinal(e)
	}
	t.countReviewed(e)
}

// countFinal counts an event with a response that became final. t.mu must be held.
func (t *tracker) countFinal(e *trackedEvent) {
	t.final++
	if e.final == finalDeadLettered {
		t.deadLetterCount++
	}
	if e.finalAt.After(t.lastFinal) {
		t.lastFinal = e.finalAt
	}
}

// countReviewed counts e in t.reviewCount once it has a response, is
// dead-lettered and is in the review queue. t.mu must be held.
func (t *tracker) countReviewed(e *trackedEvent) {
	if e.reviewCounted || e.status == 0 || e.final != finalDeadLettered || !e.inReviewQueue {
		return
	}

	e.reviewCounted = true
	t.reviewCount++
}

// counts returns the number of events with an ingest response and how many
// of them are final.
func (t *tracker) counts() (responded, final int) {
	t.mu.Lock()
	defer t.mu.Unlock()

	return t.responded, t.final
}

// reviewCounts returns the number of dead-lettered events with an ingest
// response and how many of them the review queue has taken.
func (t *tracker) reviewCounts() (deadLettered, reviewed int) {
	t.mu.Lock()
	defer t.mu.Unlock()

	return t.deadLetterCount, t.reviewCount
}

// settled reports whether every event with an ingest response is final and
// every dead-lettered one is in the review queue.
func (t *tracker) settled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()

	return t.final == t.responded && t.reviewCount == t.deadLetterCount
}

// summary counts the outcomes of the events with an ingest response.
func (t *tracker) summary() Summary {
	t.mu.Lock()
	defer t.mu.Unlock()

	s := Summary{EventsSent: t.responded, DeadLettered: make(map[string]int), RetriesByTier: make(map[string]int)}
	for _, name := range t.tierNames {
		s.RetriesByTier[name] = 0
	}

	var latencies []time.Duration
	for _, e := range t.events {
		if e.status == 0 {
			continue
		}
		if e.retried {
			s.Retried++
		}
		for _, tier := range e.tiers {
			s.RetriesByTier[t.tierNames[tier]]++
		}

		switch e.final {
		case finalDone:
			s.Completed++
		case finalPendingApproval:
			s.PendingApproval++
		case finalDeadLettered:
			s.DeadLettered[string(e.reason)]++
		default:
			s.Lost++

			continue
		}

		// Invalid payloads were never accepted, so they have no end-to-end latency.
		if e.status != http.StatusUnprocessableEntity && !e.acceptedAt.IsZero() {
			latencies = append(latencies, e.finalAt.Sub(e.acceptedAt))
		}
	}

	s.ThroughputPerSecond = throughput(t.final, t.lastFinal.Sub(t.firstResponse))
	s.E2ELatencyMS = latencyPercentiles(latencies)

	return s
}
