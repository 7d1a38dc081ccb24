package consumer

import (
	"testing"

	"github.com/segmentio/kafka-go"
)

// BenchmarkLaneOf measures picking the lane of a record by its key, which
// the fetch loop does for every record.
func BenchmarkLaneOf(b *testing.B) {
	msg := kafka.Message{Key: []byte("EMP12345|LMS-SAFETY-101"), Partition: 3}
	b.ReportAllocs()

	for b.Loop() {
		laneOf(msg, DefaultConcurrency)
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
