package main

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
)

// ingestOptions are the flags of `arenasync ingest`.
type ingestOptions struct {
	kafka              kafkaOptions
	redis              redisOptions
	log                logOptions
	dedupeTTL          time.Duration
	addr               string
	token              string
	maxBody            int64
	requestTimeout     time.Duration
	retryAfter         time.Duration
	timeZone           string
	bookkeepingQueue   int
	bookkeepingWorkers int
	sources            ingestSourceOptions
	ledger             ingestLedgerOptions
}

func newIngestCommand() *cobra.Command {
	var o ingestOptions
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Serve the LMS webhook endpoint and write accepted events to Kafka",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := o.log.build()
			if err != nil {
				return err
			}
			defer func() { _ = logger.Sync() }()

			cfg, err := o.config()
			if err != nil {
				return err
			}

			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			opts := []producer.Option{producer.WithGatherer(reg)}
			if o.dedupeTTL > 0 {
				rdb, prefix, err := store.Open(o.redis.config())
				if err != nil {
					return err
				}
				defer rdb.Close()
				opts = append(opts, producer.WithDeduplicator(store.NewDeliveries(rdb, prefix, o.dedupeTTL)))
			}

			sourceOpts, closeSources, err := o.sources.build(logger, reg, o.redis, cfg.GenericTimeZone)
			if err != nil {
				return err
			}
			defer func() { _ = closeSources() }()
			opts = append(opts, sourceOpts...)

			ledgerOpts, closeLedger, err := o.ledger.build(o.redis, logger, reg)
			if err != nil {
				return err
			}
			defer func() { _ = closeLedger() }()
			opts = append(opts, ledgerOpts...)

			server, err := producer.New(cfg, logger, reg, opts...)
			if err != nil {
				return err
			}

			return server.Run(cmd.Context())
		},
	}

	flags := cmd.Flags()
	o.kafka.register(flags)
	o.redis.register(flags)
	o.log.register(flags, "json")
	flags.DurationVar(&o.dedupeTTL, "dedupe-ttl", 72*time.Hour, "how long a delivered event id is remembered, so a repeated delivery is answered 200 without a second event (0: no de-duplication)")
	flags.StringVar(&o.addr, "addr", producer.DefaultAddr, "listen address of the webhook, /healthz, /readyz and /metrics")
	flags.StringVar(&o.token, "ingest-token", "", "bearer token the LMS must send as \"Authorization: Bearer <token>\" (required)")
	flags.Int64Var(&o.maxBody, "max-body-bytes", producer.DefaultMaxBodyBytes, "largest accepted webhook body in bytes; larger bodies get 413")
	flags.DurationVar(&o.requestTimeout, "request-timeout", producer.DefaultRequestTimeout, "deadline of one webhook request, the Kafka write included; keep it below the LMS's own timeout")
	flags.DurationVar(&o.retryAfter, "retry-after", producer.DefaultRetryAfter, "wait sent in Retry-After when Kafka cannot take an event")
	flags.IntVar(&o.bookkeepingQueue, "bookkeeping-queue", producer.DefaultBookkeepingQueue, "accepted webhooks whose de-duplication and ledger writes wait to run after the 202; when it is full a request writes them before responding")
	flags.IntVar(&o.bookkeepingWorkers, "bookkeeping-workers", producer.DefaultBookkeepingWorkers, "goroutines that run the de-duplication and ledger writes queued after a 202")
	flags.StringVar(&o.timeZone, "lms-time-zone", "", "IANA time zone of generic-webhook timestamps without an offset, such as Europe/Berlin (empty: an offset is required)")
	markSecret(flags, "ingest-token")
	o.sources.register(flags)
	o.ledger.register(flags)

	return withEnv(cmd)
}

// config returns the producer configuration of the flags.
func (o ingestOptions) config() (producer.Config, error) {
	cfg := producer.Config{
		Addr:           o.addr,
		Topic:          o.kafka.topic,
		Brokers:        o.kafka.brokers,
		IngestToken:    o.token,
		MaxBodyBytes:   o.maxBody,
		RequestTimeout: o.requestTimeout,
		RetryAfter:     o.retryAfter,

		BookkeepingQueue:   o.bookkeepingQueue,
		BookkeepingWorkers: o.bookkeepingWorkers,
	}

	if o.timeZone != "" {
		zone, err := time.LoadLocation(o.timeZone)
		if err != nil {
			return cfg, fmt.Errorf("--lms-time-zone %q is not an IANA time zone such as Europe/Berlin: %w", o.timeZone, err)
		}
		cfg.GenericTimeZone = zone
	}

	return cfg, cfg.Validate()
}
