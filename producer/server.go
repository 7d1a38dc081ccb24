package producer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Server timeouts that follow from Config.
const (
	// responseSlack is added to RequestTimeout for the server's write
	// timeout, so a request that hits its deadline can still send its 503.
	responseSlack = 5 * time.Second

	// idleTimeout closes keep-alive connections that carry no request.
	idleTimeout = 60 * time.Second
)

// Server is the webhook ingest: the HTTP endpoints, the Kafka writer
// behind them and the background bookkeeping of accepted webhooks.
type Server struct {
	cfg         Config
	log         *zap.Logger
	http        *http.Server
	handler     http.Handler
	writer      *writer
	metrics     *metrics
	bookkeeping *bookkeeper

	closeOnce sync.Once
	closeErr  error
}

// New builds a Server from cfg, which it validates. logger may be nil to
// discard logs. reg receives the ingest metrics and may be nil. /metrics
// serves reg when it is also a prometheus.Gatherer, unless WithGatherer
// names another. New does not contact Kafka. It starts the bookkeeping
// workers when a Deduplicator or an AcceptanceRecorder is set, so call Run
// or Close.
func New(cfg Config, logger *zap.Logger, reg prometheus.Registerer, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = zap.NewNop()
	}

	o := collectOptions(reg, opts)
	srcs, err := o.sources(cfg.GenericTimeZone)
	if err != nil {
		return nil, err
	}

	if err := checkSourceSettings(o.perSource, srcs, cfg.MaxBodyBytes); err != nil {
		return nil, err
	}

	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	sm, err := newSourceMetrics(reg)
	if err != nil {
		return nil, err
	}

	s := &Server{
		cfg:         cfg,
		log:         logger,
		writer:      newWriter(cfg, m.produceDuration),
		metrics:     m,
		bookkeeping: newBookkeeper(cfg, logger, m, o.dedupe, o.acceptance),
	}
	hook := &webhook{
		cfg:     cfg,
		log:     logger,
		metrics: m,
		writer:  s.writer,
		sources: srcs,
		dedupe:  o.dedupe,
		auth:    newAuthenticator(cfg.IngestToken),
		now:     o.now,

		perSource:     o.perSource,
		sourceMetrics: sm,
		bookkeeping:   s.bookkeeping,
	}
	ready := &readyHandler{check: newReadiness(cfg, o.now), log: logger}
	s.handler = s.routes(hook, ready, o.gatherer)
	s.http = s.newHTTPServer()

	return s, nil
}

// newHTTPServer builds the HTTP server of s.handler.
func (s *Server) newHTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + responseSlack,
		IdleTimeout:       idleTimeout,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
}

// routes builds the request multiplexer.
func (s *Server) routes(hook, ready http.Handler, gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()

	// The webhook route takes every method, so a wrong one gets a counted
	// problem+json 405 rather than ServeMux's plain-text one.
	mux.Handle(webhookRoute, hook)
	mux.HandleFunc("GET /healthz", serveHealth)
	mux.Handle("GET /readyz", ready)
	if gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("/", notFound)

	return mux
}

// Handler returns the routes of the server, for tests and for mounting in
// another server. Requests through it use the Server's Kafka writer, so
// call Close when Run is not used.
func (s *Server) Handler() http.Handler {
	return s.handler
}

// Run serves on Config.Addr until ctx is cancelled, then stops accepting
// requests, waits for those in flight, finishes the queued bookkeeping and
// closes the Kafka writer. ShutdownTimeout bounds the wait and the
// bookkeeping together. Run returns nil after a shutdown caused by ctx and
// the error otherwise. A Server runs once.
func (s *Server) Run(ctx context.Context) error {
	listener, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on %s: %w", s.cfg.Addr, err), s.Close())
	}
	s.log.Info("ingest listening",
		zap.String(keyAddr, listener.Addr().String()),
		zap.String(keyTopic, s.cfg.Topic),
	)

	served := make(chan error, 1)
	go func() { served <- s.http.Serve(listener) }()

	select {
	case err := <-served:
		s.log.Error("ingest server stopped unexpectedly", zap.Error(err))

		return errors.Join(fmt.Errorf("serve on %s: %w", s.cfg.Addr, err), s.Close())
	case <-ctx.Done():
	}

	stopCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	return errors.Join(s.shutdown(stopCtx, served), s.close(stopCtx))
}

// shutdown stops the HTTP server, waiting until ctx ends for requests in
// flight, and closes what remains after the wait.
func (s *Server) shutdown(ctx context.Context, served <-chan error) error {
	s.log.Info("ingest shutting down", zap.Duration(keyTimeout, s.cfg.ShutdownTimeout))

	err := s.http.Shutdown(ctx)
	if err != nil {
		s.log.Warn("requests still in flight after the shutdown timeout; closing their connections", zap.Error(err))
		err = errors.Join(fmt.Errorf("shut down the HTTP server: %w", err), s.http.Close())
	}

	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	s.log.Info("ingest HTTP server stopped")

	return err
}

// Close finishes the queued bookkeeping within ShutdownTimeout, then
// flushes and closes the Kafka writer. Run calls it, so call it yourself
// only when serving through Handler, after the requests through it ended.
// A request still in flight does its bookkeeping before it responds.
// Calls after the first return the first result.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	return s.close(ctx)
}

// close drains the bookkeeping queue until ctx ends, then closes the Kafka
// writer, once.
func (s *Server) close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.bookkeeping.drain(ctx)

		s.closeErr = s.writer.close()
		if s.closeErr != nil {
			s.log.Error("closing the Kafka writer failed", zap.Error(s.closeErr))

			return
		}
		s.log.Info("ingest Kafka writer closed")
	})

	return s.closeErr
}
