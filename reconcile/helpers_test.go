package reconcile_test

import (
	"bytes"
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/reconcile/reconciletest"
)

// testContext returns a context that ends with the test or after 60s.
func testContext(t testing.TB) context.Context {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)

	return ctx
}

// newReconciler returns a Reconciler of the world w that reads Arena
// through a plain client.
func newReconciler(t testing.TB, w *reconciletest.World, cfg reconcile.Config, metrics *reconcile.Metrics) *reconcile.Reconciler {
	t.Helper()

	return newReconcilerWith(t, w, cfg, metrics, arenaClient(t, w))
}

// arenaClient returns an Arena client of the world's simulator. Its idle
// connections are closed before the simulator stops, which otherwise waits
// for connections that were opened but never used.
func arenaClient(t testing.TB, w *reconciletest.World) *arena.Client {
	t.Helper()

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	t.Cleanup(transport.CloseIdleConnections)

	httpClient := &http.Client{Transport: transport}
	client, err := arena.New(arena.Config{BaseURL: w.URL, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}, httpClient, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}

	return client
}

// newReconcilerWith returns a Reconciler of the world w that reads Arena
// through client.
func newReconcilerWith(t testing.TB, w *reconciletest.World, cfg reconcile.Config, metrics *reconcile.Metrics, client reconcile.RecordReader) *reconcile.Reconciler {
	t.Helper()

	cfg.Prefix = w.Prefix
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}
	if cfg.FetchBackoff == 0 {
		cfg.FetchBackoff = 10 * time.Millisecond
	}

	r, err := reconcile.New(cfg, w.Redis, client, metrics, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}

	return r
}

// readExport reads the world's LMS export.
func readExport(t testing.TB, w *reconciletest.World) *reconcile.Export {
	t.Helper()

	export, err := reconcile.ReadExport(bytes.NewReader(w.Export), "world.csv", reconcile.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}

	return export
}

// employeesOf returns the sorted employee ids of the rows of category c.
func employeesOf(r reconcile.Report, c reconcile.Category) []string {
	var ids []string
	for _, row := range r.Rows {
		if row.Category == c {
			ids = append(ids, row.EmployeeID)
		}
	}
	sort.Strings(ids)

	return ids
}

// getRecordCalls returns the number of GET record calls the simulator received.
func getRecordCalls(sim *arenasim.Sim) int {
	return sim.Stats().Requests[arenasim.EndpointGetRecord]
}

// waitSimQuiet waits until the simulator's count of record reads has not
// changed for 100 ms, far longer than the simulated latency of a call.
func waitSimQuiet(t *testing.T, sim *arenasim.Sim) {
	t.Helper()

	const quiet = 100 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	last, since := getRecordCalls(sim), time.Now()
	for time.Since(since) < quiet {
		if time.Now().After(deadline) {
			t.Fatalf("the simulator still received record reads 10s after the run stopped")
		}
		time.Sleep(10 * time.Millisecond)

		if n := getRecordCalls(sim); n != last {
			last, since = n, time.Now()
		}
	}
}

// fakeEnqueuer records the events of a repair; fail makes the write of
// the events whose ids it holds fail.
type fakeEnqueuer struct {
	events []pipeline.Event
	fail   map[string]error
}

func (f *fakeEnqueuer) Topic() string { return "lms.training.events" }

func (f *fakeEnqueuer) Enqueue(_ context.Context, events []pipeline.Event) []error {
	errs := make([]error, len(events))
	for i, e := range events {
		if err := f.fail[e.ID]; err != nil {
			errs[i] = err

			continue
		}
		f.events = append(f.events, e)
	}

	return errs
}

// contextWithCancel returns a test context and its cancel function.
func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	t.Helper()

	return context.WithCancel(testContext(t))
}

// failingReader fails the reads of the records in fail with Arena's status
// and passes every other read to the next reader. calls counts the reads
// per record.
type failingReader struct {
	next reconcile.RecordReader

	mu    sync.Mutex
	fail  map[string]int
	calls map[string]int
}

func newFailingReader(next reconcile.RecordReader, status int, ids ...string) *failingReader {
	f := &failingReader{next: next, fail: map[string]int{}, calls: map[string]int{}}
	for _, id := range ids {
		f.fail[id] = status
	}

	return f
}

func (f *failingReader) GetRecord(ctx context.Context, requestID, id string) (arena.Record, error) {
	f.mu.Lock()
	f.calls[id]++
	status, fail := f.fail[id]
	f.mu.Unlock()

	if fail {
		return arena.Record{}, &arena.Error{Op: arena.EndpointGetRecord, StatusCode: status, Message: "injected"}
	}

	return f.next.GetRecord(ctx, requestID, id)
}

// heal makes every record readable again.
func (f *failingReader) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.fail)
}

// newRedis returns a client of the test Redis.
func newRedis(t testing.TB) *redis.Client {
	t.Helper()

	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })

	return client
}

// prefixOf returns a Redis key prefix of the test's own.
func prefixOf(t testing.TB) string {
	t.Helper()

	return testenv.RedisPrefix(t)
}
