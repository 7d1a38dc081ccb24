package consumer

import (
	"sync"

	"github.com/segmentio/kafka-go"
)

// lane is the queue of one lane: records of the keys that hash to it, in
// fetch order. Pushing never blocks, so one busy lane does not hold the
// fetch loop back from the idle ones. The runner's slots bound the records
// held over all lanes.
type lane struct {
	mu     sync.Mutex
	items  []kafka.Message
	closed bool
	ready  chan struct{}
}

func newLane() *lane {
	return &lane{ready: make(chan struct{}, 1)}
}

// push appends a record and wakes the lane's goroutine.
func (l *lane) push(msg kafka.Message) {
	l.mu.Lock()
	l.items = append(l.items, msg)
	l.mu.Unlock()

	l.wake()
}

// close lets pop return false once the queued records are taken.
func (l *lane) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()

	l.wake()
}

// pop waits for the next record. ok is false when the lane is closed and empty.
func (l *lane) pop() (msg kafka.Message, ok bool) {
	for {
		l.mu.Lock()
		if len(l.items) > 0 {
			msg = l.items[0]
			l.items[0] = kafka.Message{}
			l.items = l.items[1:]
			l.mu.Unlock()

			return msg, true
		}
		if l.closed {
			l.mu.Unlock()

			return kafka.Message{}, false
		}
		l.mu.Unlock()

		<-l.ready
	}
}

// wake signals the lane's goroutine without blocking.
func (l *lane) wake() {
	select {
	case l.ready <- struct{}{}:
	default:
	}
}
