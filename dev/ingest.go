package dev

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
)

// ingest is the running webhook ingest.
type ingest struct {
	// url is the webhook URL of the generic LMS source.
	url  string
	addr string
	stop func() error
}

// startIngest serves the webhook ingest on Options.IngestAddr and reports
// every webhook response to the tracker.
func (s *starter) startIngest(brokers []string, token string, rdb *redis.Client, prefix string) (ingest, error) {
	listener, err := net.Listen("tcp", s.opts.IngestAddr)
	if err != nil {
		return ingest{}, fmt.Errorf("listen for the ingest on %s (choose another address with --ingest-addr): %w", s.opts.IngestAddr, err)
	}
	addr := listener.Addr().String()

	cfg := producer.Config{Addr: addr, Topic: s.opts.Topic, Brokers: brokers, IngestToken: token}
	deliveries := store.NewDeliveries(rdb, prefix, dedupeTTL)
	srv, err := producer.New(cfg, s.logger.Named("ingest"), s.registry, producer.WithDeduplicator(deliveries))
	if err != nil {
		return ingest{}, errors.Join(err, listener.Close())
	}

	server := &http.Server{Handler: recordResponses(srv.Handler(), s.tracker), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("the ingest stopped serving", zap.Error(err))
		}
	}()

	stop := s.stops.push("ingest", func(ctx context.Context) error {
		return errors.Join(server.Shutdown(ctx), srv.Close())
	})
	s.logger.Info("ingest started", zap.String(keyAddr, addr))

	return ingest{url: "http://" + addr + webhookPathPrefix + pipeline.SourceGeneric, addr: addr, stop: stop}, nil
}
