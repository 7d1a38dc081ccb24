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

// memoryDeduplicator is a Deduplicator in memory that records its calls.
// The Redis implementation has its own tests in package store.
type memoryDeduplicator struct {
	// gate, when set, holds the first Remember call until it is closed or
	// the call's context ends. entered is closed when that call starts.
	gate    chan struct{}
	entered chan struct{}

	mu          sync.Mutex
	seen        map[string]bool
	seenErr     error
	rememberErr error
	// noResults makes Seen return no results and no error.
	noResults     bool
	seenCalls     [][]string
	rememberCalls [][]string
}

// newGatedDeduplicator returns a memoryDeduplicator whose first Remember
// waits for the gate.
func newGatedDeduplicator() *memoryDeduplicator {
	return &memoryDeduplicator{gate: make(chan struct{}), entered: make(chan struct{})}
}

func (d *memoryDeduplicator) Seen(_ context.Context, eventIDs []string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()

	d.seenCalls = append(d.seenCalls, slices.Clone(eventIDs))
	if d.seenErr != nil || d.noResults {
		return nil, d.seenErr
	}

	firstIDs := make([]string, len(eventIDs))
	for i, id := range eventIDs {
		if d.seen[id] {
			firstIDs[i] = id
		}
	}

	return firstIDs, nil
}

func (d *memoryDeduplicator) Remember(ctx context.Context, eventIDs []string) error {
	d.mu.Lock()
	d.rememberCalls = append(d.rememberCalls, slices.Clone(eventIDs))
	first := len(d.rememberCalls) == 1
	d.mu.Unlock()

	if first && d.gate != nil {
		close(d.entered)
		select {
		case <-d.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if d.rememberErr != nil {
		return d.rememberErr
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	for _, id := range eventIDs {
		d.seen[id] = true
	}

	return nil
}

// calls returns copies of the recorded Seen and Remember calls.
func (d *memoryDeduplicator) calls() (seen, remember [][]string) {
	d.mu.Lock()
	defer d.mu.Unlock()

	return slices.Clone(d.seenCalls), slices.Clone(d.rememberCalls)
}

// waitFor polls cond every few milliseconds and fails the test when it is
// still false after five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWebhookDuplicate checks the response to a repeated delivery and to
// a failing duplicate check, and which ids reach Seen and Remember.
func TestWebhookDuplicate(t *testing.T) {
	const id = "d2c1a7e0-0001"
	accepted := `{"eventId":"d2c1a7e0-0001","status":"accepted","accepted":1}` + "\n"
	duplicate := `{"eventId":"d2c1a7e0-0001","status":"duplicate"}` + "\n"

	cases := []struct {
		name string
		// seen lists the ids the Deduplicator contains before the first
		// delivery.
		seen      []string
		seenErr   error
		noResults bool
		// gate holds the first Remember until the last delivery got its
		// response. Without it the test waits for the first Remember
		// before the next delivery.
		gate         bool
		deliveries   int
		wantCodes    []int
		wantLastBody string
		wantRecords  int
		wantSeen     [][]string
		wantRemember [][]string
		wantWarning  bool
	}{
		{
			name:         "repeat while Remember waits",
			gate:         true,
			deliveries:   2,
			wantCodes:    []int{http.StatusAccepted, http.StatusOK},
			wantLastBody: duplicate,
			wantRecords:  1,
			wantSeen:     [][]string{{id}},
			wantRemember: [][]string{{id}},
		},
		{
			name:         "repeat after Remember",
			deliveries:   2,
			wantCodes:    []int{http.StatusAccepted, http.StatusOK},
			wantLastBody: duplicate,
			wantRecords:  1,
			wantSeen:     [][]string{{id}, {id}},
			wantRemember: [][]string{{id}},
		},
		{
			name:         "remembered before",
			seen:         []string{id},
			deliveries:   1,
			wantCodes:    []int{http.StatusOK},
			wantLastBody: duplicate,
			wantRecords:  0,
			wantSeen:     [][]string{{id}},
			wantRemember: nil,
		},
		{
			name:         "check failure accepts",
			seen:         []string{id},
			seenErr:      errors.New("redis: connection refused"),
			deliveries:   1,
			wantCodes:    []int{http.StatusAccepted},
			wantLastBody: accepted,
			wantRecords:  1,
			wantSeen:     [][]string{{id}},
			wantRemember: [][]string{{id}},
			wantWarning:  true,
		},
		{
			name:         "missing results accept",
			seen:         []string{id},
			noResults:    true,
			deliveries:   1,
			wantCodes:    []int{http.StatusAccepted},
			wantLastBody: accepted,
			wantRecords:  1,
			wantSeen:     [][]string{{id}},
			wantRemember: [][]string{{id}},
			wantWarning:  true,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dedupe := &memoryDeduplicator{seenErr: tc.seenErr, noResults: tc.noResults, seen: map[string]bool{}}
			if tc.gate {
				dedupe = newGatedDeduplicator()
				dedupe.seen = map[string]bool{}
			}
			for _, seen := range tc.seen {
				dedupe.seen[seen] = true
			}
			s := newTestServer(t, 1, nil, WithDeduplicator(dedupe))

			var codes []int
			var last string
			for i := range tc.deliveries {
				rec := s.serve(webhookRequest("lms", completedBody))
				codes = append(codes, rec.Code)
				last = rec.Body.String()
				if i == 0 && tc.gate {
					<-dedupe.entered
				}
				if i == 0 && !tc.gate && rec.Code == http.StatusAccepted {
					waitFor(t, "the first Remember", func() bool {
						_, remember := dedupe.calls()

						return len(remember) == 1 && s.bookkeeping.pending.empty()
					})
				}
			}
			if tc.gate {
				close(dedupe.gate)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			if !slices.Equal(codes, tc.wantCodes) {
				t.Errorf("status codes = %v, want %v", codes, tc.wantCodes)
			}
			if last != tc.wantLastBody {
				t.Errorf("last body = %q, want %q", last, tc.wantLastBody)
			}
			if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != tc.wantRecords {
				t.Errorf("main topic holds %d records, want %d", got, tc.wantRecords)
			}
			seenCalls, rememberCalls := dedupe.calls()
			if !slices.EqualFunc(seenCalls, tc.wantSeen, slices.Equal) {
				t.Errorf("Seen calls = %v, want %v", seenCalls, tc.wantSeen)
			}
			if !slices.EqualFunc(rememberCalls, tc.wantRemember, slices.Equal) {
				t.Errorf("Remember calls = %v, want %v", rememberCalls, tc.wantRemember)
			}
			warned := s.logs.FilterMessage("duplicate check failed, accepting the events").Len() == 1
			if warned != tc.wantWarning {
				t.Errorf("duplicate check warning logged = %v, want %v", warned, tc.wantWarning)
			}
		})
	}
}

// TestWebhookDuplicateBatch checks a delivery of three events: one Seen
// call carries every id, and only the events not seen are written.
func TestWebhookDuplicateBatch(t *testing.T) {
	batch := func([]byte) ([]pipeline.Event, error) {
		return []pipeline.Event{
			{ID: "b-1", Type: pipeline.CourseEnrolled, Source: "batchlms", EmployeeID: "E1", CourseID: "C1"},
			{ID: "b-2", Type: pipeline.CourseEnrolled, Source: "batchlms", EmployeeID: "E2", CourseID: "C2"},
			{ID: "b-3", Type: pipeline.CourseEnrolled, Source: "batchlms", EmployeeID: "E3", CourseID: "C3"},
		}, nil
	}

	cases := []struct {
		name         string
		seen         []string
		wantCode     int
		wantBody     string
		wantRecords  int
		wantRemember [][]string
	}{
		{
			name:         "none seen",
			wantCode:     http.StatusAccepted,
			wantBody:     `{"eventId":"b-1","status":"accepted","accepted":3,"eventIds":["b-1","b-2","b-3"]}` + "\n",
			wantRecords:  3,
			wantRemember: [][]string{{"b-1", "b-2", "b-3"}},
		},
		{
			name:         "middle seen",
			seen:         []string{"b-2"},
			wantCode:     http.StatusAccepted,
			wantBody:     `{"eventId":"b-1","status":"accepted","accepted":2,"eventIds":["b-1","b-3"]}` + "\n",
			wantRecords:  2,
			wantRemember: [][]string{{"b-1", "b-3"}},
		},
		{
			name:         "all seen",
			seen:         []string{"b-3", "b-2", "b-1"},
			wantCode:     http.StatusOK,
			wantBody:     `{"eventId":"b-1","status":"duplicate"}` + "\n",
			wantRecords:  0,
			wantRemember: nil,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dedupe := &memoryDeduplicator{seen: map[string]bool{}}
			for _, id := range tc.seen {
				dedupe.seen[id] = true
			}
			s := newTestServer(t, 1, nil, WithSource("batchlms", batch), WithDeduplicator(dedupe))

			rec := s.serve(webhookRequest("batchlms", `{}`))
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			if rec.Code != tc.wantCode {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantCode)
			}
			if got := rec.Body.String(); got != tc.wantBody {
				t.Errorf("body = %q, want %q", got, tc.wantBody)
			}
			if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != tc.wantRecords {
				t.Errorf("main topic holds %d records, want %d", got, tc.wantRecords)
			}
			seenCalls, rememberCalls := dedupe.calls()
			if want := [][]string{{"b-1", "b-2", "b-3"}}; !slices.EqualFunc(seenCalls, want, slices.Equal) {
				t.Errorf("Seen calls = %v, want one call %v", seenCalls, want)
			}
			if !slices.EqualFunc(rememberCalls, tc.wantRemember, slices.Equal) {
				t.Errorf("Remember calls = %v, want %v", rememberCalls, tc.wantRemember)
			}
		})
	}
}
