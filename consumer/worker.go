package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// Worker runs the consumer groups of the main topic and of every retry tier.
type Worker struct {
	cfg     Config
	runners []*runner
	writer  *kafka.Writer
	logger  *zap.Logger
}

// Option changes an optional part of a Worker.
type Option func(*options)

type options struct {
	observer   Observer
	gate       Gate
	holds      Holds
	now        func() time.Time
	unrecorded UnrecordedCompletions
}

// WithObserver calls obs with every durable outcome.
func WithObserver(obs Observer) Option {
	return func(o *options) { o.observer = obs }
}

// WithHolds keeps each enrollment's events in order while one of them
// waits in a retry tier (see the package doc). Without it, a later event of
// an enrollment may reach Arena before an earlier one that is being retried.
func WithHolds(holds Holds) Option {
	return func(o *options) { o.holds = holds }
}

// WithGate pauses fetching on every topic while gate blocks.
func WithGate(gate Gate) Option {
	return func(o *options) { o.gate = gate }
}

// NewWorker builds the runners of cfg around handler. Metrics are
// registered on reg.
func NewWorker(cfg Config, handler Handler, logger *zap.Logger, reg prometheus.Registerer, opts ...Option) (*Worker, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if handler == nil {
		return nil, errors.New("consumer: handler is nil")
	}

	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}

	w := &Worker{cfg: cfg, logger: logger, writer: newWriter(cfg.Brokers)}
	if reg == nil {
		// Metrics are optional for embedders; an unused registry keeps the code paths the same.
		reg = prometheus.NewRegistry()
	}
	m := newMetrics(reg)
	o.observer = registerBacklog(cfg, o, reg, logger)
	var order *ordering
	if o.holds != nil {
		order = &ordering{holds: o.holds, logger: logger}
	}
	rt := &router{tiers: cfg.Tiers(), deadLetter: cfg.DeadLetterTopic, writer: w.writer, order: order, metrics: m, logger: logger, now: o.now}

	w.runners = append(w.runners, w.newRunner(cfg.Topic, cfg.GroupID, -1, handler, rt, m, o))
	for i, tier := range cfg.Tiers() {
		w.runners = append(w.runners, w.newRunner(tier.Topic, tier.GroupID, i, handler, rt, m, o))
	}

	return w, nil
}

// newRunner builds the runner of one topic.
func (w *Worker) newRunner(topic, group string, tierIndex int, h Handler, rt *router, m *metrics, o options) *runner {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           w.cfg.Brokers,
		GroupID:           group,
		Topic:             topic,
		MinBytes:          1,
		MaxBytes:          10 << 20,
		MaxWait:           250 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: 3 * time.Second,
		SessionTimeout:    30 * time.Second,
		RebalanceTimeout:  30 * time.Second,
		JoinGroupBackoff:  time.Second,
		ReadBackoffMax:    time.Second,
		ErrorLogger:       newKafkaLogger(w.logger, topic),
	})

	return &runner{
		topic: topic, group: group, tierIndex: tierIndex, reader: reader, handler: h, router: rt,
		tracker: newTracker(), cfg: w.cfg, gate: o.gate, observer: o.observer, order: rt.order, metrics: m,
		logger: w.logger, now: o.now,
	}
}

// newWriter returns the synchronous, fully acknowledged writer that moves
// records between topics. The hash balancer keeps one key on one partition.
// The writer has its own transport: kafka-go's shared default transport
// caches cluster metadata, and a topic created after that cache was filled
// fails with "Unknown Topic Or Partition" until the cache expires.
func newWriter(brokers []string) *kafka.Writer {
	return &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Transport:              &kafka.Transport{MetadataTTL: 10 * time.Second},
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           2 * time.Millisecond,
		WriteTimeout:           10 * time.Second,
		MaxAttempts:            3,
		AllowAutoTopicCreation: false,
	}
}

// Run consumes every topic until ctx ends, then shuts down within the
// configured grace and returns.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(w.runners))
	for i, r := range w.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.run(ctx)
		}()
	}
	wg.Wait()

	w.logger.Info("flushing the writer")
	errs = append(errs, w.writer.Close())

	return errors.Join(errs...)
}

// Ready returns nil when every runner's last fetch succeeded.
func (w *Worker) Ready() error {
	var errs []error
	for _, r := range w.runners {
		errs = append(errs, r.ready())
	}

	return errors.Join(errs...)
}

// Topics returns every topic the worker reads or writes.
func (w *Worker) Topics() []string {
	return w.cfg.Topics()
}

// CheckTopics verifies that every topic exists, so a worker started before
// its topics were created reports it at once instead of waiting silently.
func CheckTopics(ctx context.Context, brokers []string, topics []string) error {
	conn, err := dialAny(ctx, brokers)
	if err != nil {
		return err
	}
	defer conn.Close()

	var missing []string
	for _, topic := range topics {
		partitions, err := conn.ReadPartitions(topic)
		if err != nil || len(partitions) == 0 {
			if errors.Is(err, kafka.UnknownTopicOrPartition) || len(partitions) == 0 {
				missing = append(missing, topic)

				continue
			}

			return fmt.Errorf("read metadata of topic %s: %w", topic, err)
		}
	}

	if len(missing) > 0 {
		return fmt.Errorf("kafka topics missing: %v: create them with `arenasync topics create` (same --topic and --retry-delays)", missing)
	}

	return nil
}

// dialAny connects to the first reachable broker.
func dialAny(ctx context.Context, brokers []string) (*kafka.Conn, error) {
	var errs []error
	for _, broker := range brokers {
		dialer := &kafka.Dialer{Timeout: 5 * time.Second}
		conn, err := dialer.DialContext(ctx, "tcp", broker)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}

	return nil, fmt.Errorf("no kafka broker of %v is reachable: %w", brokers, errors.Join(errs...))
}

// newKafkaLogger passes kafka-go's error log to zap at warn level, at most
// once every ten seconds per topic, because an unreachable broker makes
// kafka-go log on every retry.
func newKafkaLogger(logger *zap.Logger, topic string) kafka.LoggerFunc {
	var mu sync.Mutex
	var last time.Time

	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 10*time.Second {
			return
		}
		last = time.Now()
		logger.Warn("kafka client error", zap.String(keyTopic, topic), zap.String("detail", fmt.Sprintf(format, args...)))
	}
}
