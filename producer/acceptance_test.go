package producer

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// fakeAcceptance records the calls of an AcceptanceRecorder. A call with
// an ended context fails without being recorded, as a Redis write does.
type fakeAcceptance struct {
	mu    sync.Mutex
	calls [][]string
	// at holds the accepted time of every event of every call.
	at  [][]time.Time
	err error
}

func (f *fakeAcceptance) Accepted(ctx context.Context, accepted []pipeline.Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}

	f.mu.Lock()
	defer f.mu.Unlock()

	var ids []string
	var at []time.Time
	for _, env := range accepted {
		ids = append(ids, env.Event.ID)
		at = append(at, env.Meta.AcceptedAt)
	}
	f.calls = append(f.calls, ids)
	f.at = append(f.at, at)

	return f.err
}

func TestAcceptanceRecorder(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		err       error
		wantCode  int
		wantCalls int
		wantWarn  bool
	}{
		{name: "accepted completion", body: completedBody, wantCode: http.StatusAccepted, wantCalls: 1},
		{name: "recorder fails", body: completedBody, err: errors.New("redis down"), wantCode: http.StatusAccepted, wantCalls: 1, wantWarn: true},
		{name: "invalid event", body: `{"eventId": "x", "eventType": "course.completed"}`, wantCode: http.StatusUnprocessableEntity, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := &fakeAcceptance{err: tt.err}
			s := newTestServer(t, 1, nil, WithAcceptanceRecorder(recorder))

			rec := s.serve(webhookRequest("lms", tt.body))
			// Close finishes the bookkeeping that runs after the response.
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tt.wantCode, rec.Body)
			}
			if len(recorder.calls) != tt.wantCalls {
				t.Fatalf("recorder calls = %v, want %d", recorder.calls, tt.wantCalls)
			}
			if tt.wantCalls > 0 && (!slices.Equal(recorder.calls[0], []string{"d2c1a7e0-0001"}) || !slices.EqualFunc(recorder.at[0], []time.Time{testNow}, time.Time.Equal)) {
				t.Errorf("recorder got %v at %v, want [d2c1a7e0-0001] at %s", recorder.calls[0], recorder.at[0], testNow)
			}
			warned := s.logs.FilterMessageSnippet("recording the accepted events in the ledger failed").Len() == 1
			if warned != tt.wantWarn {
				t.Errorf("warning logged = %v, want %v", warned, tt.wantWarn)
			}
		})
	}
}

// ids returns a copy of the event ids of each recorded call.
func (f *fakeAcceptance) ids() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()

	return slices.Clone(f.calls)
}

// times returns a copy of the accepted times of each recorded call.
func (f *fakeAcceptance) times() [][]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()

	return slices.Clone(f.at)
}
