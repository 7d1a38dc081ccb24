package reconcile_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/ratelimit"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/reconcile/reconciletest"
)

// BenchmarkReconcile10000 reconciles a world of 10,000 enrollments (10 of
// each difference category, with the LMS export) against the simulator
// with 16 reads at once, and reports the Arena GET calls and seconds per
// run. "direct" reads through a plain client. "shared limit" reads through
// the worker's Arena access, as the reconcile command does: a shared token
// and a rate limit in Redis, set to 100,000 calls per second and 16 calls
// in flight.
//
//	scripts/testenv/run.sh go test -run '^$' -bench Reconcile10000 -benchtime 3x ./reconcile/
func BenchmarkReconcile10000(b *testing.B) {
	w := reconciletest.Seed(b, reconciletest.Options{Size: 10_000, Per: 10})
	export := readExport(b, w)

	readers := []struct {
		name   string
		reader func() reconcile.RecordReader
	}{
		{name: "direct", reader: func() reconcile.RecordReader { return arenaClient(b, w) }},
		{name: "shared limit", reader: func() reconcile.RecordReader { return sharedLimitClient(b, w) }},
	}
	for _, rd := range readers {
		b.Run(rd.name, func(b *testing.B) {
			r := newReconcilerWith(b, w, reconcile.Config{Workers: 16}, nil, rd.reader())
			w.Sim.ResetStats()

			var report reconcile.Report
			start := time.Now()
			for b.Loop() {
				var err error
				report, err = r.Run(testContext(b), reconcile.Options{Export: export})
				if err != nil {
					b.Fatal(err)
				}
			}

			if report.Differences != 50 || report.Enrollments != 10_000 {
				b.Fatalf("differences %d, enrollments %d; want 50 and 10000", report.Differences, report.Enrollments)
			}
			b.ReportMetric(float64(getRecordCalls(w.Sim))/float64(b.N), "arena_gets/op")
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/op")
		})
	}
}

// sharedLimitClient returns an Arena client of the world's simulator
// behind the shared token and rate limit in Redis.
func sharedLimitClient(b *testing.B, w *reconciletest.World) reconcile.RecordReader {
	b.Helper()

	cfg := access.Config{Prefix: w.Prefix, RateLimit: ratelimit.Config{RequestsPerSecond: 100_000, MaxConcurrent: 16}}
	arenaCfg := arena.Config{BaseURL: w.URL, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}
	parts, err := access.New(cfg, arenaCfg, nil, w.Redis, zap.NewNop(), prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}

	return parts.Client
}
