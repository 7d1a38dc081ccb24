package producer

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
)

// memoryDeduplicator is a Deduplicator in memory. It replaces the
// Redis store, which the ingest tests do not cover.
type memoryDeduplicator struct {
	mu       sync.Mutex
	seen     map[string]bool
	seenErr  error
	remember int
}

func (d *memoryDeduplicator) Seen(_ context.Context, eventID string) (string, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()

	if d.seenErr != nil {
		return "", false, d.seenErr
	}

	return eventID, d.seen[eventID], nil
}

func (d *memoryDeduplicator) Remember(_ context.Context, eventID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()

	d.remember++
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	d.seen[eventID] = true

	return nil
}

// TestWebhookDuplicate checks that a repeated delivery gets 200 with
// the first id and not written again, and that a failing duplicate check
// lets the delivery through.
func TestWebhookDuplicate(t *testing.T) {
	cases := []struct {
		name        string
		seenErr     error
		wantSecond  int
		wantBody    string
		wantRecords int
	}{
		{
			name:        "repeat gets 200",
			wantSecond:  http.StatusOK,
			wantBody:    `{"eventId":"d2c1a7e0-0001","status":"duplicate"}` + "\n",
			wantRecords: 1,
		},
		{
			name:        "check failure accepts",
			seenErr:     errors.New("redis: connection refused"),
			wantSecond:  http.StatusAccepted,
			wantBody:    `{"eventId":"d2c1a7e0-0001","status":"accepted","accepted":1}` + "\n",
			wantRecords: 2,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dedupe := &memoryDeduplicator{seenErr: tc.seenErr}
			s := newTestServer(t, 1, nil, WithDeduplicator(dedupe))

			first := s.serve(webhookRequest("lms", completedBody))
			second := s.serve(webhookRequest("lms", completedBody))

			if first.Code != http.StatusAccepted {
				t.Fatalf("first status = %d, want 202 (body %s)", first.Code, first.Body)
			}
			if second.Code != tc.wantSecond {
				t.Fatalf("second status = %d, want %d (body %s)", second.Code, tc.wantSecond, second.Body)
			}
			if got := second.Body.String(); got != tc.wantBody {
				t.Errorf("second body = %q, want %q", got, tc.wantBody)
			}
			if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != tc.wantRecords {
				t.Errorf("main topic holds %d records, want %d", got, tc.wantRecords)
			}
			if dedupe.remember != tc.wantRecords {
				t.Errorf("Remember called %d times, want once per written record (%d)", dedupe.remember, tc.wantRecords)
			}
		})
	}
}
