package consumer

import (
	"fmt"
	"testing"

	"github.com/segmentio/kafka-go"
)

// BenchmarkDispatch measures queueing a record behind its key, taking it
// and finishing it, which the runner does for every record, with 64 keys
// in turn.
func BenchmarkDispatch(b *testing.B) {
	d := newDispatcher()
	keys := make([][]byte, 64)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("EMP%05d|LMS-SAFETY-101", i))
	}
	var n int
	b.ReportAllocs()

	for b.Loop() {
		d.push(kafka.Message{Key: keys[n%len(keys)], Partition: 3, Offset: int64(n)})
		_, key, _ := d.take()
		d.finish(key)
		n++
	}
}

// BenchmarkTracker measures recording a fetched offset, marking it done
// and reading the committable offsets, once per record as the runner does,
// with a commit every 1,000 records.
func BenchmarkTracker(b *testing.B) {
	t := newTracker()
	var offset int64
	b.ReportAllocs()

	for b.Loop() {
		partition := int(offset % 8)
		t.add(partition, offset)
		t.done(partition, offset)
		if offset%1000 == 0 {
			t.committable()
		}
		offset++
	}
}
