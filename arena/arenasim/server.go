package arenasim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// shutdownTimeout bounds how long ListenAndServe and the stop function of
// StartLocal wait for requests in flight.
const shutdownTimeout = 5 * time.Second

// Sim is the simulated Arena server. It is safe for concurrent use.
type Sim struct {
	logger  *zap.Logger
	now     func() time.Time
	handler http.Handler

	mu sync.Mutex

	clients                map[string]ClientCredentials
	tokens                 map[string]issuedToken
	tokenLifetime          time.Duration
	newLoginInvalidatesOld bool

	employees               map[string]Employee
	courses                 map[string]Course
	records                 map[string]*Record
	recordOrder             []string
	lastRecordNumber        int
	externalUpdatesDisabled bool

	sessions sessions
	quota    quota

	faults  faults
	limiter *rate.Limiter
	rng     *rand.Rand

	stats      Stats
	requestLog requestLog
}

// NewServer returns a simulator for cfg. It panics when cfg.Validate fails,
// like regexp.MustCompile, so configuration from user input should be
// validated first. A nil logger logs nothing.
func NewServer(cfg Config, logger *zap.Logger) *Sim {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = zap.NewNop()
	}

	s := &Sim{
		logger:                  logger,
		now:                     cfg.Now,
		clients:                 cfg.Clients,
		tokens:                  make(map[string]issuedToken),
		tokenLifetime:           cfg.TokenLifetime,
		newLoginInvalidatesOld:  cfg.NewLoginInvalidatesOld,
		sessions:                newSessions(cfg.SessionIdleTimeout, cfg.SessionHeader),
		employees:               make(map[string]Employee),
		courses:                 make(map[string]Course),
		records:                 make(map[string]*Record),
		externalUpdatesDisabled: cfg.ExternalUpdatesDisabled,
		faults:                  newFaults(cfg.ErrorRate, cfg.Latency),
		rng:                     rand.New(rand.NewPCG(cfg.RandomSeed, cfg.RandomSeed)),
		stats:                   Stats{Requests: make(map[Endpoint]int)},
		requestLog:              newRequestLog(cfg.RequestLogSize),
	}
	s.SetRateLimit(cfg.RateLimit)
	s.seed(cfg)
	s.handler = s.routes()

	return s
}

func (s *Sim) seed(cfg Config) {
	for _, e := range cfg.Employees {
		s.employees[e.ID] = e
	}
	for _, c := range cfg.Courses {
		s.courses[c.ID] = c
	}
	for _, r := range cfg.Records {
		s.AddRecord(r)
	}
}

// Handler returns the HTTP handler that serves every simulated endpoint.
func (s *Sim) Handler() http.Handler { return s.handler }

func (s *Sim) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+PathToken, s.endpoint(EndpointToken, s.handleToken))
	mux.Handle("POST "+PathLogin, s.endpoint(EndpointLogin, s.handleLogin))
	mux.Handle("POST "+PathRecords, s.endpoint(EndpointCreateRecord, s.handleCreateRecord))
	mux.Handle("GET "+PathRecord, s.endpoint(EndpointGetRecord, s.handleGetRecord))
	mux.Handle("POST "+PathComplete, s.endpoint(EndpointCompleteRecord, s.handleCompleteRecord))
	mux.Handle("GET "+PathUser, s.endpoint(EndpointGetUser, s.handleGetUser))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		// Liveness for containers; not an Arena endpoint, so it is not logged or counted.
		w.WriteHeader(http.StatusOK)
	})
	mux.Handle("/", s.endpoint(EndpointUnknown, s.handleUnknown))
	return mux
}

func (s *Sim) handleUnknown(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, codeNotFound,
		fmt.Sprintf("no Arena endpoint at %s %s", r.Method, r.URL.Path))
}

// ListenAndServe serves on addr until ctx ends, then shuts down, waiting up
// to 5s for requests in flight. It returns nil after a shutdown caused by ctx.
func (s *Sim) ListenAndServe(ctx context.Context, addr string) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("arena simulator: listen on %s: %w", addr, err)
	}

	server := s.newHTTPServer()
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	s.logger.Info("arena simulator listening", zap.String(logKeyAddr, listener.Addr().String()))

	select {
	case err := <-served:
		return fmt.Errorf("arena simulator: serve on %s: %w", addr, err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = server.Shutdown(shutdownCtx)
	s.logger.Info("arena simulator stopped", zap.String(logKeyAddr, listener.Addr().String()))

	if err != nil {
		return fmt.Errorf("arena simulator: shut down: %w", err)
	}
	return nil
}

// StartLocal serves on a free port of 127.0.0.1 and returns the base URL,
// such as "http://127.0.0.1:41234", and a function that stops the server.
func (s *Sim) StartLocal() (url string, stop func(), err error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("arena simulator: listen on 127.0.0.1: %w", err)
	}

	server := s.newHTTPServer()
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("arena simulator stopped serving", zap.Error(err))
		}
	}()

	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := server.Shutdown(ctx); err != nil {
				_ = server.Close()
			}
			<-served
		})
	}

	return "http://" + listener.Addr().String(), stop, nil
}

func (s *Sim) newHTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
	}
}
