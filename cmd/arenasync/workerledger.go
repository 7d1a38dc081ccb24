package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/ledger"
)

// workerLedgerOption returns the consumer option that records every
// completion's durable outcome in the ledger, which the daily
// reconciliation compares with Arena.
func workerLedgerOption(rdb redis.UniversalClient, prefix string, logger *zap.Logger, reg prometheus.Registerer) (consumer.Option, error) {
	recorder, err := ledger.NewRecorder(ledger.Config{}, ledger.NewStore(rdb, prefix), logger, reg)
	if err != nil {
		return nil, err
	}

	return consumer.WithObserver(recorder.Observe), nil
}
