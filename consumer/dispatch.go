package consumer

import (
	"sync"

	"github.com/segmentio/kafka-go"
)

// dispatcher hands fetched records to a fixed number of handler goroutines.
// Records of one key are handled one at a time in fetch order, and any idle
// handler takes the next key that has a record waiting. With lanes chosen by
// a hash of the key, a lane could idle while records of other keys queued
// behind a busy lane. Here every handler works while any key has a record.
type dispatcher struct {
	mu   sync.Mutex
	wake *sync.Cond

	// queues contains the waiting records of every key that has a record
	// waiting or in handling. A key in handling may have an empty queue.
	queues map[dispatchKey][]kafka.Message
	// ready lists, oldest first, the keys with a waiting record and no
	// record in handling.
	ready []dispatchKey
	// handling counts the records taken and not yet finished.
	handling int
	closed   bool
}

// dispatchKey identifies the records that must be handled in order: the
// record key, or the partition for records without a key.
type dispatchKey struct {
	key       string
	partition int
}

func newDispatcher() *dispatcher {
	d := &dispatcher{queues: make(map[dispatchKey][]kafka.Message)}
	d.wake = sync.NewCond(&d.mu)

	return d
}

// keyOf returns the order key of a record.
func keyOf(msg kafka.Message) dispatchKey {
	if len(msg.Key) == 0 {
		return dispatchKey{partition: msg.Partition}
	}

	return dispatchKey{key: string(msg.Key), partition: -1}
}

// push queues a record behind the earlier records of its key. It does not
// wait for a handler, because the runner's slots already bound the records held.
func (d *dispatcher) push(msg kafka.Message) {
	k := keyOf(msg)

	d.mu.Lock()
	defer d.mu.Unlock()

	queue, known := d.queues[k]
	d.queues[k] = append(queue, msg)
	if !known {
		d.ready = append(d.ready, k)
		d.wake.Signal()
	}
}

// take waits for the oldest ready key and returns its next record. ok is
// false once the dispatcher is closed and every record has been handled.
func (d *dispatcher) take() (msg kafka.Message, k dispatchKey, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()

	for len(d.ready) == 0 {
		if d.closed && d.handling == 0 {
			return kafka.Message{}, dispatchKey{}, false
		}
		d.wake.Wait()
	}

	k = d.ready[0]
	d.ready[0] = dispatchKey{}
	d.ready = d.ready[1:]

	queue := d.queues[k]
	msg = queue[0]
	queue[0] = kafka.Message{}
	d.queues[k] = queue[1:]
	d.handling++

	return msg, k, true
}

// finish marks the record taken for k as handled, so the key's next record
// becomes ready.
func (d *dispatcher) finish(k dispatchKey) {
	d.mu.Lock()
	defer d.mu.Unlock()

	d.handling--
	if len(d.queues[k]) > 0 {
		d.ready = append(d.ready, k)
		d.wake.Signal()
	} else {
		delete(d.queues, k)
	}

	// Idle handlers of a closed dispatcher wait in take until this point.
	if d.closed && d.handling == 0 && len(d.ready) == 0 {
		d.wake.Broadcast()
	}
}

// close lets take return false once the queued records are handled.
func (d *dispatcher) close() {
	d.mu.Lock()
	defer d.mu.Unlock()

	d.closed = true
	d.wake.Broadcast()
}
