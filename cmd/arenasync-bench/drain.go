package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/pipeline"
)

// drainTimeout bounds one drain of preloaded events.
const drainTimeout = 15 * time.Minute

// runDrain measures one worker draining DrainEvents preloaded events into
// a simulator that responds at once, next to a bare reader and a naive
// sequential loop on the same topic.
func (b *bench) runDrain(ctx context.Context) error {
	events := batch{name: "drain", events: b.cfg.DrainEvents}
	cfg := events.workerConfig(b.run, b.cfg.Brokers, b.cfg.WorkerConcurrency)
	if err := b.prepare(ctx, events); err != nil {
		return err
	}

	reader, err := b.measureBareReader(ctx, cfg.Topic, events.events)
	if err != nil {
		return err
	}
	worker, _, err := b.measureWorker(ctx, "worker, one process", cfg, events, 0, nil)
	if err != nil {
		return err
	}
	naive, err := b.measureNaive(ctx, events, b.cfg.NaiveEvents, 0)
	if err != nil {
		return err
	}

	b.results.Drain = []Figure{worker, reader, naive}
	b.results.DrainRatioReader = ratio(worker.PerSecond, reader.PerSecond)
	b.results.DrainRatioNaive = ratio(worker.PerSecond, naive.PerSecond)
	b.logf("drain: worker %.0f/s, bare reader %.0f/s (ratio %.2f), naive loop %.0f/s (ratio %.1f)",
		worker.PerSecond, reader.PerSecond, b.results.DrainRatioReader, naive.PerSecond, b.results.DrainRatioNaive)

	return nil
}

// prepare creates the topics of events, seeds their enrollment map entries
// and preloads them on the main topic.
func (b *bench) prepare(ctx context.Context, events batch) error {
	workerCfg := events.workerConfig(b.run, b.cfg.Brokers, 1)
	if err := createTopics(ctx, b.cfg.Brokers, workerCfg, b.cfg.Partitions); err != nil {
		return err
	}
	if err := seedMappings(ctx, b.rdb, b.prefix, events); err != nil {
		return err
	}
	start := time.Now()
	if err := preload(ctx, b.cfg.Brokers, workerCfg.Topic, events, time.Now()); err != nil {
		return err
	}
	b.logf("preloaded %d events on %s in %s", events.events, workerCfg.Topic, time.Since(start).Round(time.Millisecond))

	return nil
}

// measureWorker drains the events of b with one in-process worker against a
// fresh simulator that responds after latency. endToEnd, when non-nil, receives
// the latency from acceptance to the outcome of each event.
func (b *bench) measureWorker(ctx context.Context, name string, cfg consumer.Config, events batch, latency time.Duration, endToEnd *latencies) (Figure, *outcomes, error) {
	sim, err := startSimulator(latency, events)
	if err != nil {
		return Figure{}, nil, err
	}
	defer sim.stop()

	counts := newOutcomes(events.events, endToEnd)
	reg := prometheus.NewRegistry()
	m := startMeter()
	w, err := startWorker(workerSpec{consumer: cfg, arena: sim.arenaConfig(), redisAddr: b.cfg.RedisAddr, prefix: b.prefix, observer: counts.observe, registry: reg}, zap.NewNop())
	if err != nil {
		return Figure{}, nil, err
	}
	commandsBefore := redisCommands(ctx, b.rdb)
	handlers := make(chan handlerUse, 1)
	go func() { handlers <- countBusyHandlers(counts, events.events) }()
	waitErr := counts.wait(ctx, drainTimeout)
	n, seconds := counts.rate()
	commands := redisCommands(ctx, b.rdb) - commandsBefore

	f := Figure{Name: name, Events: n, Seconds: seconds, PerSecond: float64(n-1) / seconds}
	m.finish(&f, n, 0)
	if endToEnd != nil {
		endToEnd.fill(&f)
	}
	f.Note = fmt.Sprintf("%d done, %d not done; %.1f Redis commands per event; %s",
		counts.done.Load(), counts.failed.Load(), float64(commands)/float64(max(n, 1)), <-handlers)
	if err := w.stop(); err != nil {
		b.logf("stopping the worker of %s: %v", cfg.Topic, err)
	}
	b.logf("%s: mean stage times: %s", name, stageTimes(reg))

	return f, counts, waitErr
}

// measureBareReader reads count records of topic through a consumer group
// with the worker's fetch settings, without handling or committing them.
func (b *bench) measureBareReader(ctx context.Context, topic string, count int) (Figure, error) {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     b.cfg.Brokers,
		GroupID:     "bench-" + b.run + "-bare-reader",
		Topic:       topic,
		MinBytes:    1,
		MaxBytes:    10 << 20,
		MaxWait:     250 * time.Millisecond,
		StartOffset: kafka.FirstOffset,
	})
	defer reader.Close()

	m := startMeter()
	var first time.Time
	for i := range count {
		if _, err := reader.FetchMessage(ctx); err != nil {
			return Figure{}, fmt.Errorf("bare reader: fetch record %d of %s: %w", i, topic, err)
		}
		if i == 0 {
			first = time.Now()
		}
	}
	seconds := time.Since(first).Seconds()

	f := Figure{Name: "bare kafka-go Reader (fetch only)", Events: count, Seconds: seconds, PerSecond: float64(count-1) / seconds}
	m.finish(&f, count, 0)

	return f, nil
}

// measureNaive runs the loop a hand-written integration would: fetch one
// record, make one Arena call, commit it, next. It derives the record id
// from the event instead of reading the enrollment map, which favours it.
func (b *bench) measureNaive(ctx context.Context, events batch, count int, latency time.Duration) (Figure, error) {
	topic := events.topic(b.run)
	sim, err := startSimulator(latency, events)
	if err != nil {
		return Figure{}, err
	}
	defer sim.stop()

	client, err := arena.New(sim.arenaConfig(), &http.Client{}, zap.NewNop())
	if err != nil {
		return Figure{}, err
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: b.cfg.Brokers, GroupID: "bench-" + b.run + "-naive-" + events.name, Topic: topic,
		MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 250 * time.Millisecond, StartOffset: kafka.FirstOffset,
	})
	defer reader.Close()

	m := startMeter()
	var first time.Time
	var lat latencies
	for i := range count {
		began := time.Now()
		if err := naiveStep(ctx, reader, client); err != nil {
			return Figure{}, fmt.Errorf("naive loop, record %d: %w", i, err)
		}
		lat.add(time.Since(began))
		if i == 0 {
			first = time.Now()
		}
	}
	seconds := time.Since(first).Seconds()

	f := Figure{Name: "naive loop (fetch, call, commit)", Events: count, Seconds: seconds, PerSecond: float64(count-1) / seconds}
	lat.fill(&f)
	m.finish(&f, count, 0)
	f.Note = "latency is one loop turn"

	return f, nil
}

// naiveStep handles one record the naive way.
func naiveStep(ctx context.Context, reader *kafka.Reader, client *arena.Client) error {
	msg, err := reader.FetchMessage(ctx)
	if err != nil {
		return err
	}
	env, err := pipeline.DecodeRecord(msg)
	if err != nil {
		return err
	}

	e := env.Event
	req := arena.CompleteRequest{EmployeeID: e.EmployeeID, CompletionDate: e.CompletionDate, Status: e.Status, Score: e.Score}
	if _, err := client.CompleteRecord(ctx, e.ID, recordID(e.EmployeeID), req); err != nil {
		return err
	}

	return reader.CommitMessages(ctx, msg)
}
