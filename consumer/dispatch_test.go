package consumer

import (
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestDispatcherKeepsKeyOrderAndDrainsOnClose(t *testing.T) {
	d := newDispatcher()
	for offset := int64(0); offset < 5; offset++ {
		d.push(kafka.Message{Key: []byte("E1|C1"), Offset: offset})
	}
	d.close()

	for want := int64(0); want < 5; want++ {
		msg, key, ok := d.take()
		if !ok {
			t.Fatalf("take %d: dispatcher reported closed with records queued", want)
		}
		if msg.Offset != want {
			t.Errorf("take returned offset %d, want %d", msg.Offset, want)
		}
		d.finish(key)
	}
	if _, _, ok := d.take(); ok {
		t.Errorf("take on a closed, empty dispatcher returned a record")
	}
}

func TestDispatcherHandsOtherKeysWhileOneIsBusy(t *testing.T) {
	tests := []struct {
		name string
		msgs []kafka.Message
		// want is the offsets that take returns without any finish.
		want []int64
	}{
		{
			name: "second record of a busy key waits, other keys go ahead",
			msgs: []kafka.Message{
				{Key: []byte("A"), Offset: 0}, {Key: []byte("A"), Offset: 1},
				{Key: []byte("B"), Offset: 2}, {Key: []byte("C"), Offset: 3},
			},
			want: []int64{0, 2, 3},
		},
		{
			name: "records without a key are ordered by partition",
			msgs: []kafka.Message{
				{Partition: 0, Offset: 10}, {Partition: 0, Offset: 11},
				{Partition: 1, Offset: 20},
			},
			want: []int64{10, 20},
		},
		{
			name: "a key equal to nothing else stays apart from keyless records",
			msgs: []kafka.Message{
				{Key: []byte("A"), Partition: 0, Offset: 0}, {Partition: 0, Offset: 1},
			},
			want: []int64{0, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDispatcher()
			for _, msg := range tt.msgs {
				d.push(msg)
			}

			got := takeReady(t, d)
			if len(got) != len(tt.want) {
				t.Fatalf("ready offsets %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("ready offsets %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// takeReady takes every record that is ready now without finishing any.
func takeReady(t *testing.T, d *dispatcher) []int64 {
	t.Helper()

	var offsets []int64
	for {
		d.mu.Lock()
		empty := len(d.ready) == 0
		d.mu.Unlock()
		if empty {
			return offsets
		}

		msg, _, _ := d.take()
		offsets = append(offsets, msg.Offset)
	}
}

func TestDispatcherReleasesNextRecordOfKeyOnFinish(t *testing.T) {
	d := newDispatcher()
	d.push(kafka.Message{Key: []byte("A"), Offset: 0})
	d.push(kafka.Message{Key: []byte("A"), Offset: 1})

	_, key, _ := d.take()
	got := make(chan int64, 1)
	go func() {
		msg, _, _ := d.take()
		got <- msg.Offset
	}()

	select {
	case offset := <-got:
		t.Fatalf("take returned offset %d while offset 0 of the same key was in handling", offset)
	case <-time.After(50 * time.Millisecond):
	}

	d.finish(key)
	select {
	case offset := <-got:
		if offset != 1 {
			t.Errorf("take returned offset %d, want 1", offset)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("take did not return after the key's record finished")
	}
}

func TestDispatcherCloseWaitsForRecordsInHandling(t *testing.T) {
	d := newDispatcher()
	d.push(kafka.Message{Key: []byte("A"), Offset: 0})
	d.push(kafka.Message{Key: []byte("A"), Offset: 1})
	_, key, _ := d.take()
	d.close()

	// An idle handler must not stop while offset 1 can still become ready.
	var wg sync.WaitGroup
	var offsets []int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			msg, k, ok := d.take()
			if !ok {
				return
			}
			offsets = append(offsets, msg.Offset)
			d.finish(k)
		}
	}()

	time.Sleep(50 * time.Millisecond)
	d.finish(key)
	wg.Wait()

	if len(offsets) != 1 || offsets[0] != 1 {
		t.Errorf("idle handler took offsets %v after close, want [1]", offsets)
	}
}

func TestDispatcherHandlersNeverShareAKey(t *testing.T) {
	d := newDispatcher()
	const keys, perKey, handlers = 20, 50, 8
	for i := range perKey {
		for k := range keys {
			d.push(kafka.Message{Key: []byte{byte('a' + k)}, Offset: int64(i)})
		}
	}
	d.close()

	var mu sync.Mutex
	busy := map[string]bool{}
	last := map[string]int64{}
	var failures []string
	var wg sync.WaitGroup
	for range handlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				msg, k, ok := d.take()
				if !ok {
					return
				}
				key := string(msg.Key)

				mu.Lock()
				if busy[key] {
					failures = append(failures, "key "+key+" taken twice at once")
				}
				if prev, seen := last[key]; seen && msg.Offset != prev+1 {
					failures = append(failures, "key "+key+" out of order")
				}
				busy[key], last[key] = true, msg.Offset
				mu.Unlock()

				time.Sleep(time.Microsecond)

				mu.Lock()
				busy[key] = false
				mu.Unlock()
				d.finish(k)
			}
		}()
	}
	wg.Wait()

	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %s", len(failures), failures[0])
	}
	for k := range keys {
		key := string([]byte{byte('a' + k)})
		if last[key] != perKey-1 {
			t.Errorf("key %s: last offset %d, want %d", key, last[key], perKey-1)
		}
	}
}
