package dev

import (
	"context"
	"fmt"
	"net/http"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/access"
	"github.com/arenasync/arenasync/catalog"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/ratelimit"
	"github.com/arenasync/arenasync/store"
)

// startWorker checks the Arena credentials and starts the worker with the
// tracker as its observer. The worker has the parts of the worker role:
// the shared token, rate limit and circuit breaker of Arena calls, the
// course catalog, the employee check, holds that keep an enrollment's
// events in order, and metrics.
func (s *starter) startWorker(ctx context.Context, cfg consumer.Config, side arenaSide, rdb *redis.Client, prefix string) error {
	calls, err := s.newArenaCalls(side, rdb, prefix, cfg.Concurrency*(len(cfg.RetryDelays)+1))
	if err != nil {
		return err
	}

	checkCtx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	if err := calls.Client.CheckScopes(checkCtx); err != nil {
		calls.close()

		return fmt.Errorf("arena start-up check failed: %w", err)
	}

	h, holds, err := s.newHandler(checkCtx, side, calls.Client, rdb, prefix)
	if err != nil {
		calls.close()

		return err
	}

	worker, err := consumer.NewWorker(cfg, h, s.logger.Named("worker"), s.registry,
		consumer.WithObserver(s.tracker.observe), consumer.WithHolds(holds), consumer.WithGate(calls.Gate))
	if err != nil {
		calls.close()

		return err
	}

	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(runCtx) }()
	s.stops.push("worker", func(context.Context) error {
		stop()
		err := <-done
		calls.close()

		return err
	})
	s.logger.Info("worker started", zap.Strings(keyTopics, worker.Topics()), zap.String(keyGroup, cfg.GroupID))

	return nil
}

// arenaCalls is the worker's Arena client with the parts that govern its
// calls.
type arenaCalls struct {
	*access.Access
	transport  *http.Transport
	stopProbes context.CancelFunc
}

// close stops the circuit breaker's probes and closes idle connections,
// which would otherwise hold up the simulator's shutdown.
func (c arenaCalls) close() {
	c.stopProbes()
	c.transport.CloseIdleConnections()
}

// newArenaCalls builds the Arena client with its shared token, rate limit
// and circuit breaker, and starts the breaker's probes. idleConns is the
// number of idle connections to Arena kept for reuse.
func (s *starter) newArenaCalls(side arenaSide, rdb *redis.Client, prefix string, idleConns int) (arenaCalls, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = idleConns
	httpClient := &http.Client{
		Transport: transport,
		// A redirected POST would turn into a GET, so a redirect is returned
		// as the response.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	cfg := access.Config{
		Prefix:    prefix,
		RateLimit: ratelimit.Config{RequestsPerSecond: s.opts.ArenaRateLimit, MaxConcurrent: arenaMaxConcurrent},
	}
	arenaAccess, err := access.New(cfg, side.cfg, httpClient, rdb, s.logger.Named("arena"), s.registry)
	if err != nil {
		return arenaCalls{}, err
	}

	probeCtx, stopProbes := context.WithCancel(context.Background())
	go arenaAccess.Run(probeCtx)

	return arenaCalls{Access: arenaAccess, transport: transport, stopProbes: stopProbes}, nil
}

// newHandler builds the worker's handler and the holds it shares with the
// consumer.
func (s *starter) newHandler(ctx context.Context, side arenaSide, client *arena.Client, rdb *redis.Client, prefix string) (*handler.Handler, *store.Holds, error) {
	courses, err := s.courseCatalog(ctx, side, rdb, prefix)
	if err != nil {
		return nil, nil, err
	}

	holds := store.NewHolds(rdb, prefix)
	h := handler.New(handler.Config{}, client, store.NewEnrollments(rdb, prefix), s.logger.Named("handler"),
		handler.WithCatalog(courses),
		handler.WithEmployeeCheck(client, store.NewEmployees(rdb, prefix)),
		handler.WithParkedEvents(holds),
		handler.WithMetrics(s.registry),
	)

	return h, holds, nil
}

// courseCatalog returns the course catalog of the worker. With the
// simulator, the catalogue's LMS to Arena mappings are stored in Redis, as
// `arenasync catalog import` stores them. An outside Arena's course ids are
// unknown, so LMS course ids pass through unchanged.
func (s *starter) courseCatalog(ctx context.Context, side arenaSide, rdb *redis.Client, prefix string) (*catalog.Catalog, error) {
	if side.sim == nil {
		return catalog.New(catalog.Config{Passthrough: true}, nil)
	}

	courses := make(catalog.Courses, len(catalogue))
	for _, c := range catalogue {
		courses[c.id] = c.arenaID
	}

	entries := catalog.NewRedis(rdb, prefix)
	if err := entries.SetAll(ctx, courses); err != nil {
		return nil, fmt.Errorf("store the course catalog: %w", err)
	}

	return catalog.New(catalog.Config{}, entries)
}
