package producer

import "sync"

// pendingIDs counts the event ids that Kafka acknowledged and whose
// Remember has not finished yet. The duplicate check treats them as seen,
// so a delivery repeated right after its 202 gets the duplicate response
// from the same Server although the Deduplicator does not hold its id yet.
type pendingIDs struct {
	mu sync.Mutex
	// counts contains, per id, the number of jobs that carry it. Two concurrent
	// deliveries of one id can both be accepted, so one id can wait twice.
	counts map[string]int
}

// newPendingIDs returns an empty set.
func newPendingIDs() *pendingIDs {
	return &pendingIDs{counts: map[string]int{}}
}

// add marks ids as waiting for Remember.
func (p *pendingIDs) add(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()

	for _, id := range ids {
		p.counts[id]++
	}
}

// remove undoes one add of ids.
func (p *pendingIDs) remove(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()

	for _, id := range ids {
		if p.counts[id] <= 1 {
			delete(p.counts, id)

			continue
		}
		p.counts[id]--
	}
}

// firstIDs returns, for each of ids, the id itself when it waits for
// Remember and "" otherwise.
func (p *pendingIDs) firstIDs(ids []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()

	firstIDs := make([]string, len(ids))
	for i, id := range ids {
		if p.counts[id] > 0 {
			firstIDs[i] = id
		}
	}

	return firstIDs
}
