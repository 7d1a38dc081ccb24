package consumer

import "sync"

// tracker follows the records in flight per partition and computes which
// offset may be committed: the offset after the longest run of handled
// records from the start of the partition's queue.
type tracker struct {
	mu         sync.Mutex
	partitions map[int]*partitionOffsets
}

// partitionOffsets holds one partition's records in fetch order.
type partitionOffsets struct {
	// inFlight lists fetched offsets not yet committable, ascending.
	inFlight []int64
	// handled marks offsets of inFlight whose outcome is durable.
	handled map[int64]bool
	// next is the offset to commit: everything below it is handled.
	next int64
	// dirty is true when next moved since the last commit.
	dirty bool
}

func newTracker() *tracker {
	return &tracker{partitions: make(map[int]*partitionOffsets)}
}

// add records a fetched offset. An offset at or below the newest tracked
// one means the partition was fetched again from its committed offset, after
// a rebalance or a reader restart. The earlier state is then dropped,
// because its records are read again and commit through their new entries.
func (t *tracker) add(partition int, offset int64) {
	t.mu.Lock()
	defer t.mu.Unlock()

	p := t.partitions[partition]
	if p == nil || (len(p.inFlight) > 0 && offset <= p.inFlight[len(p.inFlight)-1]) || (len(p.inFlight) == 0 && offset < p.next) {
		p = &partitionOffsets{handled: make(map[int64]bool)}
		t.partitions[partition] = p
	}

	p.inFlight = append(p.inFlight, offset)
}

// done marks an offset handled and advances the committable offset.
func (t *tracker) done(partition int, offset int64) {
	t.mu.Lock()
	defer t.mu.Unlock()

	p := t.partitions[partition]
	if p == nil || len(p.inFlight) == 0 || offset < p.inFlight[0] || offset > p.inFlight[len(p.inFlight)-1] {
		// A record from before a reset: its new copy is tracked instead.
		return
	}

	p.handled[offset] = true
	for len(p.inFlight) > 0 && p.handled[p.inFlight[0]] {
		delete(p.handled, p.inFlight[0])
		p.next = p.inFlight[0] + 1
		p.inFlight = p.inFlight[1:]
		p.dirty = true
	}
}

// committable returns, per partition, the offset to commit now, and clears
// the dirty marks. The caller commits offset-1 through kafka-go, which
// commits the message offset plus one.
func (t *tracker) committable() map[int]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()

	out := make(map[int]int64)
	for partition, p := range t.partitions {
		if p.dirty {
			out[partition] = p.next
			p.dirty = false
		}
	}

	return out
}

// redirty marks partitions dirty again after a failed commit.
func (t *tracker) redirty(partitions map[int]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()

	for partition, next := range partitions {
		if p := t.partitions[partition]; p != nil && p.next == next {
			p.dirty = true
		}
	}
}

// pending returns the number of records in flight over all partitions.
func (t *tracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()

	n := 0
	for _, p := range t.partitions {
		n += len(p.inFlight)
	}

	return n
}
