package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
)

// ingestLedgerOptions is the ingest flag of the completion ledger.
type ingestLedgerOptions struct {
	enabled bool
}

func (o *ingestLedgerOptions) register(flags *pflag.FlagSet) {
	flags.BoolVar(&o.enabled, "ledger", true, "record every accepted completion in the completion ledger in Redis, so the daily reconciliation also sees completions no worker has handled (false: Redis is used only for --dedupe-ttl)")
}

// build returns the producer option that records accepted completions in
// the ledger, with the function that closes its Redis client. Without
// --ledger it returns no option.
func (o *ingestLedgerOptions) build(redisOpts redisOptions, logger *zap.Logger, reg prometheus.Registerer) ([]producer.Option, func() error, error) {
	if !o.enabled {
		return nil, func() error { return nil }, nil
	}

	rdb, prefix, err := store.Open(redisOpts.config())
	if err != nil {
		return nil, nil, err
	}
	recorder, err := ledger.NewRecorder(ledger.Config{}, ledger.NewStore(rdb, prefix), logger, reg)
	if err != nil {
		_ = rdb.Close()

		return nil, nil, err
	}

	return []producer.Option{producer.WithAcceptanceRecorder(recorder)}, rdb.Close, nil
}
