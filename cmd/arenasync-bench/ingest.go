package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
)

// dedupeTTL is how long the bench ingest remembers delivery ids.
const dedupeTTL = time.Hour

// ingestServer is a running webhook ingest on 127.0.0.1.
type ingestServer struct {
	url      string
	stop     func() error
	registry *prometheus.Registry
}

// startIngest serves the ingest role on a free loopback port, with the
// Redis de-duplication and completion ledger of `arenasync ingest`.
func (b *bench) startIngest(topic string) (*ingestServer, error) {
	return b.startIngestWith(topic, true)
}

// startIngestWith serves the ingest role, with or without its Redis writes
// (de-duplication and completion ledger).
func (b *bench) startIngestWith(topic string, withRedis bool) (*ingestServer, error) {
	cfg := producer.Config{Addr: "127.0.0.1:0", Topic: topic, Brokers: b.cfg.Brokers, IngestToken: ingestToken}
	reg := prometheus.NewRegistry()
	var opts []producer.Option
	if withRedis {
		recorder, err := ledger.NewRecorder(ledger.Config{}, ledger.NewStore(b.rdb, b.prefix), zap.NewNop(), reg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, producer.WithDeduplicator(store.NewDeliveries(b.rdb, b.prefix, dedupeTTL)), producer.WithAcceptanceRecorder(recorder))
	}
	srv, err := producer.New(cfg, zap.NewNop(), reg, opts...)
	if err != nil {
		return nil, err
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	server := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()

	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()

		return errors.Join(server.Shutdown(ctx), srv.Close())
	}

	return &ingestServer{url: "http://" + listener.Addr().String() + "/v1/webhooks/" + pipeline.SourceGeneric, stop: stop, registry: reg}, nil
}

// postClient returns an HTTP client that keeps one connection per worker
// goroutine alive.
func postClient(conns int) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = conns
	transport.MaxConnsPerHost = conns

	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

// postStats counts the responses of the load generator.
type postStats struct {
	accepted atomic.Int64
	other    atomic.Int64
	latency  latencies
}

// post sends one webhook and records its response.
func (s *postStats) post(client *http.Client, url string, body []byte) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		s.other.Add(1)

		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ingestToken)

	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		s.other.Add(1)

		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	s.latency.add(time.Since(start))

	if resp.StatusCode == http.StatusAccepted {
		s.accepted.Add(1)
	} else {
		s.other.Add(1)
	}
}

// runIngest measures the ingest against a bare kafka-go writer.
func (b *bench) runIngest(ctx context.Context) error {
	ingestBatch := batch{name: "ingest"}
	plainBatch := batch{name: "ingest-no-dedupe"}
	bareBatch := batch{name: "ingest-bare"}
	ingestTopic, plainTopic, bareTopic := ingestBatch.topic(b.run), plainBatch.topic(b.run), bareBatch.topic(b.run)
	for _, topic := range []string{ingestTopic, plainTopic, bareTopic} {
		cfg := batch{}.workerConfig(b.run, b.cfg.Brokers, 1)
		cfg.Topic = topic
		if err := createTopics(ctx, b.cfg.Brokers, cfg, b.cfg.Partitions); err != nil {
			return err
		}
	}

	// A first write phase warms the broker's JIT and page cache, so the
	// measurement that runs first is not the slower one for that reason.
	b.logf("ingest: warming Kafka up for %s", b.cfg.IngestDuration/3)
	warm := *b
	warm.cfg.IngestDuration /= 3
	if _, err := warm.measureBareWriter(ctx, bareTopic, batch{name: "ingest-warm-up"}); err != nil {
		return err
	}

	bare, err := b.measureBareWriter(ctx, bareTopic, bareBatch)
	if err != nil {
		return err
	}
	served, err := b.measureIngest(ctx, ingestTopic, ingestBatch, true)
	if err != nil {
		return err
	}
	plain, err := b.measureIngest(ctx, plainTopic, plainBatch, false)
	if err != nil {
		return err
	}

	records, err := topicRecords(ctx, b.cfg.Brokers, bareTopic, b.cfg.Partitions)
	if err != nil {
		return err
	}
	bare.Note += fmt.Sprintf("; %d records on the topic including the warm-up", records)

	b.results.Ingest = []Figure{served, plain, bare}
	b.results.IngestRatio = ratio(served.PerSecond, bare.PerSecond)
	b.logf("ingest: %.0f requests/s, bare writer %.0f records/s, ratio %.2f", served.PerSecond, bare.PerSecond, b.results.IngestRatio)

	return nil
}

// measureIngest posts for IngestDuration from IngestClients connections
// and checks that every 202 left a record on the topic. withRedis turns the
// Redis de-duplication of delivery ids and the completion ledger on.
func (b *bench) measureIngest(ctx context.Context, topic string, events batch, withRedis bool) (Figure, error) {
	srv, err := b.startIngestWith(topic, withRedis)
	if err != nil {
		return Figure{}, err
	}

	clients := b.cfg.IngestClients
	client := postClient(clients)
	var stats postStats
	var next atomic.Int64
	m := startMeter()
	deadline := time.Now().Add(b.cfg.IngestDuration)
	start := time.Now()

	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				stats.post(client, srv.url, events.webhookBody(int(next.Add(1))))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	accepted := int(stats.accepted.Load())
	name := "ingest (HTTP, de-duplication and ledger in Redis, acks=all)"
	if !withRedis {
		name = "ingest without Redis (HTTP, acks=all)"
	}
	f := Figure{Name: name, Events: accepted, Seconds: elapsed.Seconds(), PerSecond: float64(accepted) / elapsed.Seconds()}
	stats.latency.fill(&f)
	stages := stageTimes(srv.registry)
	b.logf("%s: mean stage times: %s", name, stages)

	// Stopping drains the Redis writes queued after the 202s, so the CPU
	// figure includes them.
	if err := srv.stop(); err != nil {
		return f, fmt.Errorf("stop the ingest: %w", err)
	}
	m.finish(&f, accepted, 0)
	bookkeeping := counterTotals(srv.registry, "ingest_bookkeeping_")

	records, err := topicRecords(ctx, b.cfg.Brokers, topic, b.cfg.Partitions)
	if err != nil {
		return f, err
	}
	f.Note = fmt.Sprintf("%d responses 202, %d other; %d records on the topic; mean %s", accepted, stats.other.Load(), records, stages)
	if bookkeeping != "" {
		f.Note += "; " + bookkeeping
	}
	if records != int64(accepted) {
		return f, fmt.Errorf("ingest responded 202 %d times but topic %s contains %d records: an accepted event has no record", accepted, topic, records)
	}

	return f, nil
}

// measureBareWriter writes the same records with a bare kafka-go writer:
// same acks, balancer and batch timeout as ingest, one synchronous write
// per record from IngestClients goroutines.
func (b *bench) measureBareWriter(ctx context.Context, topic string, events batch) (Figure, error) {
	w := &kafka.Writer{
		Addr:         kafka.TCP(b.cfg.Brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 2 * time.Millisecond,
		Transport:    &kafka.Transport{},
	}

	var written, failed atomic.Int64
	var lat latencies
	var next atomic.Int64
	m := startMeter()
	deadline := time.Now().Add(b.cfg.IngestDuration)
	start := time.Now()

	var wg sync.WaitGroup
	for range b.cfg.IngestClients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: events.event(int(next.Add(1))), Meta: pipeline.Meta{AcceptedAt: time.Now()}})
				if err != nil {
					failed.Add(1)

					continue
				}
				began := time.Now()
				if err := w.WriteMessages(ctx, msg); err != nil {
					failed.Add(1)

					continue
				}
				lat.add(time.Since(began))
				written.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	n := int(written.Load())
	f := Figure{Name: "bare kafka-go Writer (acks=all, same records)", Events: n, Seconds: elapsed.Seconds(), PerSecond: float64(n) / elapsed.Seconds()}
	lat.fill(&f)
	m.finish(&f, n, 0)
	f.Note = fmt.Sprintf("%d failed writes", failed.Load())

	return f, w.Close()
}

// ratio returns a / b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}

	return a / b
}
