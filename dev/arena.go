package dev

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
)

// arenaSide is the Arena of a run: the simulator, or an outside Arena.
type arenaSide struct {
	cfg arena.Config
	// sim and conflicts are nil with an outside Arena.
	sim       *arenasim.Sim
	conflicts *completionConflicts
}

// duplicateCompletions returns the completions Arena received for records
// the run had already completed, zero with an outside Arena.
func (a arenaSide) duplicateCompletions() int {
	if a.conflicts == nil {
		return 0
	}

	return int(a.conflicts.repeated.Load())
}

// startArena returns the Arena of the run: the outside one of the options,
// or the simulator seeded for p on 127.0.0.1.
func (s *starter) startArena(p plan) (arenaSide, error) {
	opts, logger := s.opts, s.logger
	if opts.Arena.BaseURL != "" {
		logger.Warn("using an outside Arena: the generator cannot seed it, so unknown-employee and already-completed faults may end differently, and duplicate completions are not measured",
			zap.String(keyArenaURL, opts.Arena.BaseURL))

		return arenaSide{cfg: opts.Arena}, nil
	}

	sim := arenasim.NewServer(simConfig(opts, p), logger.Named("arenasim"))
	conflicts := newCompletionConflicts(p.seeded)

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return arenaSide{}, fmt.Errorf("listen for the Arena simulator: %w", err)
	}
	server := &http.Server{Handler: conflicts.wrap(sim.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("the Arena simulator stopped serving", zap.Error(err))
		}
	}()
	s.stops.push("Arena simulator", server.Shutdown)

	cfg := opts.Arena
	cfg.BaseURL = "http://" + listener.Addr().String()
	cfg.ClientID = arenasim.DefaultClientID
	cfg.ClientSecret = arenasim.DefaultClientSecret
	logger.Info("Arena simulator started", zap.String(keyAddr, cfg.BaseURL),
		zap.Int(keyEmployees, len(p.employees)), zap.Int(keyCompletedRecords, len(p.seeded)))

	return arenaSide{cfg: cfg, sim: sim, conflicts: conflicts}, nil
}

// simConfig seeds the simulator with the plan's employees, the course
// catalogue and the records that are already completed.
func simConfig(opts Options, p plan) arenasim.Config {
	cfg := arenasim.Config{
		ErrorRate:  opts.ArenaErrorRate,
		RandomSeed: opts.Seed,
		Records:    p.seeded,
	}
	for _, id := range p.employees {
		cfg.Employees = append(cfg.Employees, arenasim.Employee{ID: id, Name: "Employee " + id, Active: true})
	}
	for _, c := range catalogue {
		cfg.Courses = append(cfg.Courses, arenasim.Course{ID: c.arenaID, NeedsApproval: c.needsApproval})
	}

	return cfg
}

// completionConflicts counts completion calls that the simulator rejects
// with 409 for records the run created. The simulator's own DuplicateCompletions
// counter cannot tell them apart: it also counts the conflicts the plan
// provokes on seeded records, and it leaves out records pending approval.
type completionConflicts struct {
	seeded   map[string]bool
	repeated atomic.Int64
}

func newCompletionConflicts(seeded []arenasim.Record) *completionConflicts {
	c := &completionConflicts{seeded: make(map[string]bool, len(seeded))}
	for _, r := range seeded {
		c.seeded[r.ID] = true
	}

	return c
}

// wrap counts the 409 responses of next to completions of unseeded records.
func (c *completionConflicts) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recordID, isCompletion := completedRecordID(r)
		if !isCompletion {
			next.ServeHTTP(w, r)

			return
		}

		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status() == http.StatusConflict && !c.seeded[recordID] {
			c.repeated.Add(1)
		}
	})
}

// completedRecordID returns the record id of a completion request.
func completedRecordID(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		return "", false
	}

	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/training/records/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/complete")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}

	return id, true
}

// statusRecorder keeps the status of a response passed through it.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

// WriteHeader records the status and sends it.
func (r *statusRecorder) WriteHeader(status int) {
	if r.code == 0 {
		r.code = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write sends body bytes; without an earlier WriteHeader the status is 200.
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}

	return r.ResponseWriter.Write(b)
}

// status returns the recorded status.
func (r *statusRecorder) status() int {
	return r.code
}
