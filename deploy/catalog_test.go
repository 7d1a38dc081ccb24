package deploy

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/adapters"
	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/metricscatalog"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/reconcile"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// update rewrites docs/metrics.md from the catalogue instead of comparing.
var update = flag.Bool("update", false, "rewrite docs/metrics.md from the metrics the roles register")

// metricsDoc is the generated metric table, relative to this folder.
const metricsDoc = "../docs/metrics.md"

// Markers around the generated table in docs/metrics.md.
const (
	tableStart = "<!-- metrics-table:start -->"
	tableEnd   = "<!-- metrics-table:end -->"
)

var (
	catalogOnce    sync.Once
	catalogMetrics []metricscatalog.Metric
	catalogErr     error
)

// roleCatalog returns the metrics of every role, built once per test binary.
func roleCatalog(t *testing.T) []metricscatalog.Metric {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	redisAddr := testenv.RedisAddr(t)
	catalogOnce.Do(func() {
		catalogMetrics, catalogErr = buildCatalog(t, brokers, redisAddr)
	})
	if catalogErr != nil {
		t.Fatalf("build the metric catalogue: %v", catalogErr)
	}

	return catalogMetrics
}

// buildCatalog builds the parts of each role that register metrics, on
// one Recorder per role, with the same constructors and options as
// cmd/arenasync, against the test Kafka and Redis. The lag collector reads
// real offsets, so the worker's topics are created first.
// NOTE: this repeats the role wiring of cmd/arenasync rather than calling
// it, because that wiring is in package main. A metric that cmd/arenasync
// registers and this set-up does not is caught by the real scrape test,
// which compares the scraped names with this catalogue.
func buildCatalog(t *testing.T, brokers []string, redisAddr string) ([]metricscatalog.Metric, error) {
	logger := zap.NewNop()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := testenv.RedisPrefix(t)

	ingest := newRoleRecorder()
	server, err := producer.New(producer.Config{Brokers: brokers, IngestToken: "catalog", Addr: "127.0.0.1:0"}, logger, ingest)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = server.Close() })
	if _, err := adapters.NewMetrics(ingest); err != nil {
		return nil, err
	}
	if _, err := ledger.NewRecorder(ledger.Config{}, ledger.NewStore(rdb, prefix), logger, ingest); err != nil {
		return nil, err
	}

	worker := newRoleRecorder()
	cfg := consumer.Config{Brokers: brokers, Topic: testenv.UniqueName(t, "catalog"), GroupID: testenv.UniqueName(t, "catalog-group")}
	for _, topic := range cfg.Topics() {
		testenv.CreateTopic(t, brokers, topic, 1)
	}
	// Nothing listens on port 1, and nothing here calls Arena.
	parts, err := access.New(access.Config{Prefix: prefix}, arena.Config{BaseURL: "http://127.0.0.1:1", ClientID: "catalog", ClientSecret: "catalog"}, nil, rdb, logger, worker)
	if err != nil {
		return nil, err
	}
	h := handler.New(handler.Config{}, parts.Client, store.NewEnrollments(rdb, prefix), logger, handler.WithMetrics(worker))
	recorder, err := ledger.NewRecorder(ledger.Config{}, ledger.NewStore(rdb, prefix), logger, worker)
	if err != nil {
		return nil, err
	}
	w, err := consumer.NewWorker(cfg, h, logger, worker, consumer.WithGate(parts.Gate), consumer.WithObserver(recorder.Observe),
		consumer.WithHolds(store.NewHolds(rdb, prefix)), consumer.WithUnrecorded(consumer.NewRedisUnrecorded(rdb, prefix)))
	if err != nil {
		return nil, err
	}
	stopRunners(t, w.Run)

	reconciler := newRoleRecorder()
	if _, err := notify.New(notify.Config{}, nil, logger, reconciler); err != nil {
		return nil, err
	}
	dlt, err := review.NewConsumer(review.Config{Brokers: brokers, Topic: cfg.DeadLetterTopic, GroupID: testenv.UniqueName(t, "catalog-dlt")}, review.NewStore(rdb, prefix), nil, logger, reconciler)
	if err != nil {
		return nil, err
	}
	stopRunners(t, dlt.Run)
	// The scheduled reconciliation registers these when --arena-url is set.
	reconcile.NewMetrics(reconciler)
	if _, err := access.New(access.Config{Prefix: prefix}, arena.Config{BaseURL: "http://127.0.0.1:1", ClientID: "catalog", ClientSecret: "catalog"}, nil, rdb, logger, reconciler); err != nil {
		return nil, err
	}

	var lists [][]metricscatalog.Metric
	for role, rec := range map[string]*metricscatalog.Recorder{"ingest": ingest, "worker": worker, "reconciler": reconciler} {
		metrics, err := rec.Metrics(role)
		if err != nil {
			return nil, err
		}
		lists = append(lists, metrics)
	}

	return metricscatalog.Merge(lists...)
}

// newRoleRecorder returns a Recorder holding the Go and process collectors
// that every role registers.
func newRoleRecorder() *metricscatalog.Recorder {
	rec := metricscatalog.NewRecorder()
	rec.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	return rec
}

// stopRunners runs run with a cancelled context, which closes the Kafka
// readers that the constructors started.
func stopRunners(t *testing.T, run func(context.Context) error) {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()

	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("stopping a role's consumers took longer than 30 s")
	}
}

// ownMetrics returns the metrics with the arenasync_ prefix.
func ownMetrics(metrics []metricscatalog.Metric) []metricscatalog.Metric {
	var out []metricscatalog.Metric
	for _, m := range metrics {
		if strings.HasPrefix(m.Name, metricscatalog.Prefix) {
			out = append(out, m)
		}
	}

	return out
}

func TestMetricNames(t *testing.T) {
	metrics := ownMetrics(roleCatalog(t))
	if len(metrics) == 0 {
		t.Fatal("the catalogue holds no arenasync_ metric")
	}

	for _, m := range metrics {
		for _, problem := range metricscatalog.Lint(m) {
			t.Error(problem)
		}
	}
}

func TestMetricsDocUpToDate(t *testing.T) {
	var table bytes.Buffer
	if err := metricscatalog.WriteMarkdown(&table, ownMetrics(roleCatalog(t))); err != nil {
		t.Fatal(err)
	}

	doc, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), tableStart+"\n")
	_, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %s and %s around the table", metricsDoc, tableStart, tableEnd)
	}
	want := before + tableStart + "\n" + table.String() + tableEnd + after

	if *update {
		if err := os.WriteFile(metricsDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}

		return
	}
	if string(doc) != want {
		path, _ := filepath.Abs(metricsDoc)
		t.Errorf("%s is out of date with the metrics the roles register; start the test servers with make testenv, source the env.sh it prints, then run: go test ./deploy -run TestMetricsDocUpToDate -update", path)
	}
}
