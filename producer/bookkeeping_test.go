package producer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/store"
)

// completedBodyWithID returns completedBody with another event id.
func completedBodyWithID(id string) string {
	return strings.Replace(completedBody, "d2c1a7e0-0001", id, 1)
}

// serveWithin runs r through the server's handler and fails the test when
// no response arrives within five seconds.
func serveWithin(t *testing.T, s *testServer, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()

	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- s.serve(r) }()

	select {
	case rec := <-done:
		return rec
	case <-time.After(5 * time.Second):
		t.Fatal("no response within 5s")

		return nil
	}
}

// bookkeepingCounts are the bookkeeping metrics of a server.
type bookkeepingCounts struct {
	queued, done, failed, abandoned, inlineFull, inlineStopped, batches float64
}

// countBookkeeping reads the bookkeeping metrics of s.
func countBookkeeping(s *testServer) bookkeepingCounts {
	m := s.metrics

	return bookkeepingCounts{
		queued:        testutil.ToFloat64(m.bookkeepingQueued),
		done:          testutil.ToFloat64(m.bookkeepingJobs.WithLabelValues(jobDone)),
		failed:        testutil.ToFloat64(m.bookkeepingJobs.WithLabelValues(jobFailed)),
		abandoned:     testutil.ToFloat64(m.bookkeepingJobs.WithLabelValues(jobAbandoned)),
		inlineFull:    testutil.ToFloat64(m.bookkeepingInline.WithLabelValues(inlineQueueFull)),
		inlineStopped: testutil.ToFloat64(m.bookkeepingInline.WithLabelValues(inlineStopped)),
		batches:       testutil.ToFloat64(m.bookkeepingBatches),
	}
}

// oneWorker configures one bookkeeping worker and the given queue
// capacity, so the order of jobs is fixed.
func oneWorker(queue int) func(*Config) {
	return func(c *Config) {
		c.BookkeepingWorkers = 1
		c.BookkeepingQueue = queue
	}
}

// settableClock is a test clock that returns the time last set.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

func (c *settableClock) read() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

// TestBookkeepingAfterResponse checks that the 202 does not wait for the
// bookkeeping and that Close runs every queued job. Jobs queued behind a
// busy worker go to one Remember and one Accepted call, and each event
// keeps its own accepted time.
func TestBookkeepingAfterResponse(t *testing.T) {
	dedupe := newGatedDeduplicator()
	recorder := &fakeAcceptance{}
	clock := &settableClock{}
	s := newTestServer(t, 1, oneWorker(16), WithDeduplicator(dedupe), WithAcceptanceRecorder(recorder), WithClock(clock.read))
	ids := []string{"evt-a", "evt-b", "evt-c", "evt-d"}
	// Each request is accepted one minute after the one before.
	acceptedAt := func(i int) time.Time { return testNow.Add(time.Duration(i) * time.Minute) }

	clock.set(acceptedAt(0))
	first := serveWithin(t, s, webhookRequest("lms", completedBodyWithID(ids[0])))
	<-dedupe.entered
	var codes []int
	for i, id := range ids[1:] {
		clock.set(acceptedAt(i + 1))
		codes = append(codes, serveWithin(t, s, webhookRequest("lms", completedBodyWithID(id))).Code)
	}
	whileBlocked := countBookkeeping(s)
	recordedWhileBlocked := recorder.ids()
	close(dedupe.gate)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if first.Code != http.StatusAccepted {
		t.Errorf("first status = %d, want 202 while Remember is blocked", first.Code)
	}
	if want := []int{http.StatusAccepted, http.StatusAccepted, http.StatusAccepted}; !slices.Equal(codes, want) {
		t.Errorf("later status codes = %v, want %v", codes, want)
	}
	if want := (bookkeepingCounts{queued: 3, batches: 1}); whileBlocked != want {
		t.Errorf("metrics while Remember is blocked = %+v, want %+v", whileBlocked, want)
	}
	if len(recordedWhileBlocked) != 0 {
		t.Errorf("ledger calls while Remember is blocked = %v, want none", recordedWhileBlocked)
	}
	_, remembered := dedupe.calls()
	if want := [][]string{{"evt-a"}, {"evt-b", "evt-c", "evt-d"}}; !slices.EqualFunc(remembered, want, slices.Equal) {
		t.Errorf("Remember calls = %v, want %v", remembered, want)
	}
	if want := [][]string{{"evt-a"}, {"evt-b", "evt-c", "evt-d"}}; !slices.EqualFunc(recorder.ids(), want, slices.Equal) {
		t.Errorf("ledger calls = %v, want %v", recorder.ids(), want)
	}
	wantTimes := [][]time.Time{{acceptedAt(0)}, {acceptedAt(1), acceptedAt(2), acceptedAt(3)}}
	sameTimes := func(a, b []time.Time) bool { return slices.EqualFunc(a, b, time.Time.Equal) }
	if got := recorder.times(); !slices.EqualFunc(got, wantTimes, sameTimes) {
		t.Errorf("ledger accepted times = %v, want %v", got, wantTimes)
	}
	if got, want := countBookkeeping(s), (bookkeepingCounts{done: 4, batches: 2}); got != want {
		t.Errorf("metrics after Close = %+v, want %+v", got, want)
	}
	if n := s.logs.FilterMessage("bookkeeping queue drained").Len(); n != 1 {
		t.Errorf("logged the drain %d times, want 1", n)
	}
}

// TestBookkeepingQueueFull checks that a request that finds the queue full
// does its bookkeeping before it responds, and that the metric counts it.
func TestBookkeepingQueueFull(t *testing.T) {
	dedupe := newGatedDeduplicator()
	recorder := &fakeAcceptance{}
	s := newTestServer(t, 1, oneWorker(1), WithDeduplicator(dedupe), WithAcceptanceRecorder(recorder))

	// evt-a holds the worker, evt-b fills the queue and evt-c finds it full.
	var codes []int
	codes = append(codes, serveWithin(t, s, webhookRequest("lms", completedBodyWithID("evt-a"))).Code)
	<-dedupe.entered
	codes = append(codes, serveWithin(t, s, webhookRequest("lms", completedBodyWithID("evt-b"))).Code)
	codes = append(codes, serveWithin(t, s, webhookRequest("lms", completedBodyWithID("evt-c"))).Code)
	_, rememberedAtResponse := dedupe.calls()
	recordedAtResponse := recorder.ids()
	atResponse := countBookkeeping(s)
	close(dedupe.gate)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if want := []int{http.StatusAccepted, http.StatusAccepted, http.StatusAccepted}; !slices.Equal(codes, want) {
		t.Errorf("status codes = %v, want %v", codes, want)
	}
	if want := [][]string{{"evt-a"}, {"evt-c"}}; !slices.EqualFunc(rememberedAtResponse, want, slices.Equal) {
		t.Errorf("Remember calls at the third response = %v, want %v", rememberedAtResponse, want)
	}
	if want := [][]string{{"evt-c"}}; !slices.EqualFunc(recordedAtResponse, want, slices.Equal) {
		t.Errorf("ledger calls at the third response = %v, want %v", recordedAtResponse, want)
	}
	if want := (bookkeepingCounts{queued: 1, done: 1, inlineFull: 1, batches: 1}); atResponse != want {
		t.Errorf("metrics at the third response = %+v, want %+v", atResponse, want)
	}
	_, remembered := dedupe.calls()
	if want := [][]string{{"evt-a"}, {"evt-c"}, {"evt-b"}}; !slices.EqualFunc(remembered, want, slices.Equal) {
		t.Errorf("Remember calls after Close = %v, want %v", remembered, want)
	}
	if want := [][]string{{"evt-c"}, {"evt-a"}, {"evt-b"}}; !slices.EqualFunc(recorder.ids(), want, slices.Equal) {
		t.Errorf("ledger calls after Close = %v, want %v", recorder.ids(), want)
	}
	if got, want := countBookkeeping(s), (bookkeepingCounts{done: 3, inlineFull: 1, batches: 2}); got != want {
		t.Errorf("metrics after Close = %+v, want %+v", got, want)
	}
}

// TestBookkeepingBatchLedgerFailure checks that a failed Accepted call of a
// batch counts every job of the batch as failed and logs one warning with
// all their event ids.
func TestBookkeepingBatchLedgerFailure(t *testing.T) {
	dedupe := newGatedDeduplicator()
	recorder := &fakeAcceptance{err: errors.New("redis: connection refused")}
	s := newTestServer(t, 1, oneWorker(16), WithDeduplicator(dedupe), WithAcceptanceRecorder(recorder))

	serveWithin(t, s, webhookRequest("lms", completedBodyWithID("evt-a")))
	<-dedupe.entered
	for _, id := range []string{"evt-b", "evt-c", "evt-d"} {
		serveWithin(t, s, webhookRequest("lms", completedBodyWithID(id)))
	}
	close(dedupe.gate)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if want := [][]string{{"evt-a"}, {"evt-b", "evt-c", "evt-d"}}; !slices.EqualFunc(recorder.ids(), want, slices.Equal) {
		t.Errorf("ledger calls = %v, want %v", recorder.ids(), want)
	}
	if got, want := countBookkeeping(s), (bookkeepingCounts{failed: 4, batches: 2}); got != want {
		t.Errorf("metrics = %+v, want %+v", got, want)
	}
	var logged []any
	for _, entry := range s.logs.FilterMessageSnippet("recording the accepted events in the ledger failed").All() {
		logged = append(logged, entry.ContextMap()[keyEventID])
	}
	if want := []any{"evt-a", "evt-b,evt-c,evt-d"}; !slices.Equal(logged, want) {
		t.Errorf("warnings logged event_id %v, want %v", logged, want)
	}
}

// TestBookkeepingAfterClose checks that a job submitted after Close, as by
// a request that outlived the shutdown, runs inline.
func TestBookkeepingAfterClose(t *testing.T) {
	dedupe := &memoryDeduplicator{}
	recorder := &fakeAcceptance{}
	s := newTestServer(t, 1, nil, WithDeduplicator(dedupe), WithAcceptanceRecorder(recorder))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s.bookkeeping.submit(t.Context(), bookkeepingJob{log: s.log, ids: []string{"evt-late"}})

	if _, remembered := dedupe.calls(); !slices.EqualFunc(remembered, [][]string{{"evt-late"}}, slices.Equal) {
		t.Errorf("Remember calls = %v, want [[evt-late]]", remembered)
	}
	if got, want := countBookkeeping(s), (bookkeepingCounts{done: 1, inlineStopped: 1}); got != want {
		t.Errorf("metrics = %+v, want %+v", got, want)
	}
}

// TestBookkeepingFailures checks that failing bookkeeping leaves the 202,
// logs a warning and counts the job as failed, with fakes and with a Redis
// address where no server listens.
func TestBookkeepingFailures(t *testing.T) {
	downRedis := func(t *testing.T) Deduplicator {
		client := redis.NewClient(&redis.Options{Addr: testenv.FreeAddr(t), MaxRetries: -1, DialTimeout: time.Second})
		t.Cleanup(func() { _ = client.Close() })

		return store.NewDeliveries(client, testenv.RedisPrefix(t), time.Hour)
	}

	cases := []struct {
		name         string
		dedupe       func(t *testing.T) Deduplicator
		recorderErr  error
		wantWarnings []string
	}{
		{
			name: "remember fails",
			dedupe: func(*testing.T) Deduplicator {
				return &memoryDeduplicator{rememberErr: errors.New("redis: connection refused")}
			},
			wantWarnings: []string{"remembering the event ids for duplicate checks failed"},
		},
		{
			name:         "ledger fails",
			dedupe:       func(*testing.T) Deduplicator { return &memoryDeduplicator{} },
			recorderErr:  errors.New("redis: connection refused"),
			wantWarnings: []string{"recording the accepted events in the ledger failed"},
		},
		{
			name:   "redis down",
			dedupe: downRedis,
			wantWarnings: []string{
				"duplicate check failed, accepting the events",
				"remembering the event ids for duplicate checks failed",
			},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recorder := &fakeAcceptance{err: tc.recorderErr}
			s := newTestServer(t, 1, nil, WithDeduplicator(tc.dedupe(t)), WithAcceptanceRecorder(recorder))

			rec := s.serve(webhookRequest("lms", completedBody))
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			if rec.Code != http.StatusAccepted {
				t.Errorf("status = %d, want 202 (body %s)", rec.Code, rec.Body)
			}
			if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != 1 {
				t.Errorf("main topic holds %d records, want 1", got)
			}
			for _, warning := range tc.wantWarnings {
				entries := s.logs.FilterMessageSnippet(warning).All()
				if len(entries) != 1 {
					t.Errorf("logged %q %d times, want once", warning, len(entries))

					continue
				}
				if got := entries[0].ContextMap()[keyEventID]; got != "d2c1a7e0-0001" {
					t.Errorf("%q logged event_id %v, want d2c1a7e0-0001", warning, got)
				}
			}
			if got, want := countBookkeeping(s), (bookkeepingCounts{failed: 1, batches: 1}); got != want {
				t.Errorf("metrics = %+v, want %+v", got, want)
			}
		})
	}
}

// TestBookkeepingDrainTimeout checks that Close gives up on the queue when
// the shutdown timeout ends, and logs how many jobs it left.
func TestBookkeepingDrainTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	dedupe := newGatedDeduplicator()
	recorder := &fakeAcceptance{}
	s := newTestServer(t, 1, func(c *Config) {
		oneWorker(16)(c)
		c.ShutdownTimeout = timeout
	}, WithDeduplicator(dedupe), WithAcceptanceRecorder(recorder))

	serveWithin(t, s, webhookRequest("lms", completedBodyWithID("evt-a")))
	<-dedupe.entered
	for _, id := range []string{"evt-b", "evt-c", "evt-d"} {
		serveWithin(t, s, webhookRequest("lms", completedBodyWithID(id)))
	}
	start := time.Now()
	err := s.Close()
	elapsed := time.Since(start)

	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	if elapsed < timeout || elapsed > timeout+2*time.Second {
		t.Errorf("Close took %s, want about the shutdown timeout %s", elapsed, timeout)
	}
	// evt-a was in progress: its Remember ended with the timeout, and its
	// ledger write saw the ended context.
	if got, want := countBookkeeping(s), (bookkeepingCounts{failed: 1, abandoned: 3, batches: 1}); got != want {
		t.Errorf("metrics = %+v, want %+v", got, want)
	}
	if got := recorder.ids(); len(got) != 0 {
		t.Errorf("ledger calls = %v, want none", got)
	}
	entries := s.logs.FilterMessageSnippet("bookkeeping jobs not done before the shutdown timeout").All()
	if len(entries) != 1 {
		t.Fatalf("logged the abandoned jobs %d times, want once", len(entries))
	}
	if got := entries[0].ContextMap()[keyJobs]; got != int64(3) {
		t.Errorf("abandoned jobs logged = %v, want 3", got)
	}
}

// TestRunDrainsBookkeeping checks that Run's shutdown waits for the queued
// bookkeeping after the HTTP server stopped.
func TestRunDrainsBookkeeping(t *testing.T) {
	dedupe := newGatedDeduplicator()
	s := newTestServer(t, 1, func(c *Config) {
		oneWorker(16)(c)
		c.Addr = testenv.FreeAddr(t)
	}, WithDeduplicator(dedupe))
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	base := "http://" + s.cfg.Addr
	waitHealthy(t, base)

	var codes []int
	codes = append(codes, postWebhook(t, base, completedBodyWithID("evt-a")).StatusCode)
	<-dedupe.entered
	codes = append(codes, postWebhook(t, base, completedBodyWithID("evt-b")).StatusCode)
	cancel()
	waitFor(t, "the HTTP server to stop", func() bool { return s.logs.FilterMessage("ingest HTTP server stopped").Len() == 1 })
	close(dedupe.gate)

	checkRunStopped(t, s, ran)

	if want := []int{http.StatusAccepted, http.StatusAccepted}; !slices.Equal(codes, want) {
		t.Errorf("status codes = %v, want %v", codes, want)
	}
	_, remembered := dedupe.calls()
	if want := [][]string{{"evt-a"}, {"evt-b"}}; !slices.EqualFunc(remembered, want, slices.Equal) {
		t.Errorf("Remember calls = %v, want %v", remembered, want)
	}
	if got, want := countBookkeeping(s), (bookkeepingCounts{done: 2, batches: 2}); got != want {
		t.Errorf("metrics = %+v, want %+v", got, want)
	}
	drained := s.logs.FilterMessage("bookkeeping queue drained").All()
	if len(drained) != 1 || drained[0].ContextMap()[keyJobs] != int64(1) {
		t.Errorf("drain log entries = %v, want one with jobs=1", drained)
	}
}

// gatedRedis is a store.Deliveries whose first Remember waits for a gate,
// so the jobs behind it queue up.
type gatedRedis struct {
	*store.Deliveries
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (g *gatedRedis) Remember(ctx context.Context, eventIDs []string) error {
	g.once.Do(func() {
		close(g.entered)
		<-g.gate
	})

	return g.Deliveries.Remember(ctx, eventIDs)
}

// TestBookkeepingRedisBatch checks against Redis that jobs queued together
// cost two pipelines, one that remembers their ids and one that writes
// their ledger entries, and that each id is then seen.
func TestBookkeepingRedisBatch(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	prefix := testenv.RedisPrefix(t)
	deliveries := store.NewDeliveries(client, prefix, time.Hour)
	dedupe := &gatedRedis{Deliveries: deliveries, gate: make(chan struct{}), entered: make(chan struct{})}
	entries := ledger.NewStore(client, prefix)
	recorder, err := ledger.NewRecorder(ledger.Config{}, entries, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, 1, oneWorker(16), WithDeduplicator(dedupe), WithAcceptanceRecorder(recorder))
	ids := []string{"evt-a", "evt-b", "evt-c", "evt-d", "evt-e"}

	serveWithin(t, s, webhookRequest("lms", completedBodyWithID(ids[0])))
	<-dedupe.entered
	for _, id := range ids[1:] {
		serveWithin(t, s, webhookRequest("lms", completedBodyWithID(id)))
	}
	trips := testenv.RecordRoundTrips(client)
	close(dedupe.gate)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// A ledger test flushes the script cache of the shared Redis server,
	// and a fresh server starts with an empty one. A ledger write that
	// meets an empty cache takes one more pipeline, which starts with
	// SCRIPT LOAD and is left out here.
	var pipelines [][]string
	for _, names := range trips.Take() {
		if names[0] != "script load" {
			pipelines = append(pipelines, names)
		}
	}
	want := [][]string{{"set"}, {"evalsha"}, slices.Repeat([]string{"set"}, 4), slices.Repeat([]string{"evalsha"}, 4)}
	if !slices.EqualFunc(pipelines, want, slices.Equal) {
		t.Errorf("pipelines = %v, want %v: evt-a alone, then the four queued jobs", pipelines, want)
	}
	seen, err := deliveries.Seen(t.Context(), ids)
	if err != nil {
		t.Fatalf("Seen: %v", err)
	}
	if !slices.Equal(seen, ids) {
		t.Errorf("Seen after Close = %q, want every id %q", seen, ids)
	}
	if got, want := countBookkeeping(s), (bookkeepingCounts{done: 5, batches: 2}); got != want {
		t.Errorf("metrics = %+v, want %+v", got, want)
	}
	// Every event is a completion of one enrollment, accepted at testNow,
	// so the last one written holds the entry.
	got, ok, err := entries.Get(t.Context(), "EMP12345", "LMS-SAFETY-101")
	if err != nil || !ok {
		t.Fatalf("ledger entry: ok %v, %v; want one", ok, err)
	}
	if got.EventID != "evt-e" || got.Outcome != ledger.OutcomeAccepted || !got.AcceptedAt.Equal(testNow) {
		t.Errorf("ledger entry = event %s %s accepted %s, want evt-e accepted %s", got.EventID, got.Outcome, got.AcceptedAt, testNow)
	}
}
