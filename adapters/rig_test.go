package adapters_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/adapters"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
	"github.com/arenasync/arenasync/webhookauth"
)

// Secrets of the ingest rig. The Moodle token and the Standard Webhooks
// secret are those of the sample deliveries in testdata.
const (
	rigIngestToken = "rig-ingest-token-7c2e"
	rigMoodleToken = "moodle-shared-token-example"
	rig360Secret   = "whsec_c2FtcGxlLXNlY3JldC1mb3ItZG9jcy0wMDAx"
	rigDoceboToken = "rig-docebo-token-41aa"
	sampleSignedAt = 1737297000
	rigDedupeTTL   = time.Hour
	rigTopicPrefix = "adapters"
)

// ingestRig is an ingest server on fresh topics with every source wired as
// `arenasync ingest` wires it, and a Redis de-duplication set.
type ingestRig struct {
	server  *producer.Server
	brokers []string
	topic   string
	reg     *prometheus.Registry
	redis   *redis.Client
	prefix  string
}

// startIngest starts the server on topic and its dead-letter topic. An
// empty topic creates both under a new name.
func startIngest(t *testing.T, topic string) *ingestRig {
	t.Helper()

	brokers := testenv.KafkaBrokers(t)
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = rdb.Close() })

	if topic == "" {
		topic = testenv.UniqueName(t, rigTopicPrefix)
		testenv.CreateTopic(t, brokers, topic, 1)
		testenv.CreateTopic(t, brokers, topic+producer.DeadLetterSuffix, 1)
	}

	rig := &ingestRig{brokers: brokers, topic: topic, reg: prometheus.NewRegistry(), redis: rdb, prefix: testenv.RedisPrefix(t)}
	opts := append(rig.sourceOptions(t), producer.WithDeduplicator(store.NewDeliveries(rdb, rig.prefix, rigDedupeTTL)))

	server, err := producer.New(producer.Config{Brokers: brokers, Topic: topic, IngestToken: rigIngestToken}, nil, rig.reg, opts...)
	if err != nil {
		t.Fatalf("producer.New: %v", err)
	}
	t.Cleanup(func() { _ = server.Close() })
	rig.server = server

	return rig
}

// sourceOptions registers every adapter with its authentication.
func (r *ingestRig) sourceOptions(t *testing.T) []producer.Option {
	t.Helper()

	metrics, err := adapters.NewMetrics(r.reg)
	if err != nil {
		t.Fatal(err)
	}
	verifier := func(cfg webhookauth.Config) webhookauth.Verifier {
		v, err := webhookauth.New(cfg)
		if err != nil {
			t.Fatalf("verifier %s: %v", cfg.Mode, err)
		}

		return v
	}
	signedAt := time.Unix(sampleSignedAt, 0)

	var opts []producer.Option
	for _, kind := range adapters.Kinds() {
		a, err := adapters.New(testConfig(t, kind), nil, metrics)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, producer.WithRequestSource(a.Source(), a.ParseRequest))
	}

	return append(opts,
		producer.WithSourceAuth("moodle", verifier(webhookauth.Config{Mode: webhookauth.ModeBodyToken, Secrets: []string{rigMoodleToken}})),
		producer.WithSourceAuth("docebo", verifier(webhookauth.Config{Mode: webhookauth.ModeBearer, Secrets: []string{rigDoceboToken}})),
		producer.WithSourceAuth("360learning", verifier(webhookauth.Config{
			Mode: webhookauth.ModeStandardWebhooks, Secrets: []string{rig360Secret},
			Now: func() time.Time { return signedAt.Add(time.Minute) },
		})),
	)
}

// delivery is one webhook request of a fixture.
type delivery struct {
	source  string
	fixture string
}

// send posts a fixture with the authentication its source expects.
func (r *ingestRig) send(t *testing.T, d delivery) *httptest.ResponseRecorder {
	t.Helper()

	body := readFixture(t, d.source, d.fixture)
	req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/"+d.source, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	switch d.source {
	case "docebo":
		req.Header.Set("Authorization", "Bearer "+rigDoceboToken)
	case "moodle":
	case "360learning":
		for name, values := range readHeaders(t, "testdata/360learning/"+strings.TrimSuffix(d.fixture, ".json")+".headers") {
			req.Header[name] = values
		}
	default:
		req.Header.Set("Authorization", "Bearer "+rigIngestToken)
	}

	rec := httptest.NewRecorder()
	r.server.Handler().ServeHTTP(rec, req)

	return rec
}

// records returns every record of the rig's single-partition main topic.
func (r *ingestRig) records(t *testing.T) []kafka.Message {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	conn, err := kafka.DialLeader(ctx, "tcp", r.brokers[0], r.topic, 0)
	if err != nil {
		t.Fatalf("dial leader of %s: %v", r.topic, err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)

	first, last, err := conn.ReadOffsets()
	if err != nil {
		t.Fatalf("read offsets: %v", err)
	}
	if _, err := conn.Seek(first, kafka.SeekAbsolute); err != nil {
		t.Fatalf("seek: %v", err)
	}

	var msgs []kafka.Message
	for int64(len(msgs)) < last-first {
		batch := conn.ReadBatch(1, 10<<20)
		for {
			msg, err := batch.ReadMessage()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("read %s: %v", r.topic, err)
				}

				break
			}
			msgs = append(msgs, msg)
		}
		_ = batch.Close()
	}

	return msgs
}
