package consumer

import (
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestLaneKeepsOrderAndDrainsOnClose(t *testing.T) {
	l := newLane()
	for offset := int64(0); offset < 5; offset++ {
		l.push(kafka.Message{Offset: offset})
	}
	l.close()

	for want := int64(0); want < 5; want++ {
		msg, ok := l.pop()
		if !ok {
			t.Fatalf("pop %d: lane reported closed with records queued", want)
		}
		if msg.Offset != want {
			t.Errorf("pop returned offset %d, want %d", msg.Offset, want)
		}
	}
	if _, ok := l.pop(); ok {
		t.Errorf("pop on a closed, empty lane returned a record")
	}
}

func TestLanePopWaitsForPush(t *testing.T) {
	l := newLane()
	got := make(chan int64, 1)
	go func() {
		msg, _ := l.pop()
		got <- msg.Offset
	}()

	select {
	case offset := <-got:
		t.Fatalf("pop returned offset %d before any push", offset)
	case <-time.After(50 * time.Millisecond):
	}

	l.push(kafka.Message{Offset: 42})
	select {
	case offset := <-got:
		if offset != 42 {
			t.Errorf("pop returned offset %d, want 42", offset)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pop did not return after a push")
	}
}
