package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// Arena is the part of the Arena client the handler calls.
type Arena interface {
	CreateRecord(ctx context.Context, requestID string, req arena.CreateRecordRequest) (arena.Record, error)
	GetRecord(ctx context.Context, requestID, trainingRecordID string) (arena.Record, error)
	CompleteRecord(ctx context.Context, requestID, trainingRecordID string, req arena.CompleteRequest) (arena.Record, error)
}

// EnrollmentMap stores the Arena record of each enrollment.
type EnrollmentMap interface {
	Get(ctx context.Context, employeeID, courseID string) (recordID string, ok bool, err error)
	Set(ctx context.Context, employeeID, courseID, recordID string) error
	// Lock takes the creation lock of an enrollment; it returns nil when
	// another worker holds it.
	Lock(ctx context.Context, employeeID, courseID, owner string, ttl time.Duration) (func(), error)
}

// Config tunes the handler.
type Config struct {
	// LockTTL bounds how long one worker may hold an enrollment's creation
	// lock. It must exceed one Arena call's timeout. Default 30s.
	LockTTL time.Duration
	// LockWait is how long a worker that finds the lock taken waits for the
	// other worker's mapping before it retries later. Default 5s.
	LockWait time.Duration
	// EmployeeCacheTTL is how long Arena's confirmation that an employee
	// exists is cached, with WithEmployeeCheck and a cache. Default 1h.
	EmployeeCacheTTL time.Duration
	// CreateOnCompletion creates the Arena record from a completion whose
	// enrollment has not been processed, then completes it. Default false:
	// such a completion is retried (mapping_not_found) until the
	// enrollment has created the record.
	CreateOnCompletion bool
}

// DefaultEmployeeCacheTTL is the default of Config.EmployeeCacheTTL.
const DefaultEmployeeCacheTTL = time.Hour

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.LockTTL == 0 {
		c.LockTTL = 30 * time.Second
	}
	if c.LockWait == 0 {
		c.LockWait = 5 * time.Second
	}
	if c.EmployeeCacheTTL == 0 {
		c.EmployeeCacheTTL = DefaultEmployeeCacheTTL
	}
}

// Validate reports the first invalid field. New does not call it, so a
// caller that takes the values from an operator calls it first.
func (c Config) Validate() error {
	durations := []struct {
		name  string
		value time.Duration
	}{{"lock TTL", c.LockTTL}, {"lock wait", c.LockWait}, {"employee cache TTL", c.EmployeeCacheTTL}}
	for _, d := range durations {
		if d.value < 0 {
			return fmt.Errorf("handler %s %s is negative: use a positive duration, or 0 for the default", d.name, d.value)
		}
	}

	return nil
}

// Handler handles enrollment and completion events.
type Handler struct {
	cfg      Config
	arena    Arena
	mappings EnrollmentMap
	logger   *zap.Logger
	options
}

// New returns a handler calling client and storing mappings in mappings.
// Without options, LMS course ids go to Arena unchanged and employees are
// not checked before a record is created. A nil logger discards logs.
func New(cfg Config, client Arena, mappings EnrollmentMap, logger *zap.Logger, opts ...Option) *Handler {
	cfg.setDefaults()
	if logger == nil {
		logger = zap.NewNop()
	}

	h := &Handler{cfg: cfg, arena: client, mappings: mappings, logger: logger}
	for _, opt := range opts {
		opt(&h.options)
	}
	if h.metrics == nil {
		h.metrics = newMetrics(nil)
	}

	return h
}

// Handle dispatches one event by its type.
func (h *Handler) Handle(ctx context.Context, env pipeline.Envelope) pipeline.Outcome {
	switch env.Event.Type {
	case pipeline.CourseEnrolled:
		return h.enroll(ctx, env.Event)
	case pipeline.CourseCompleted:
		return h.complete(ctx, env.Event)
	default:
		return pipeline.Reject(pipeline.ReasonInvalidPayload, fmt.Sprintf("event type %q is not supported", env.Event.Type))
	}
}

// storeFailure classifies a Redis failure: retryable, because Redis comes back.
func storeFailure(err error) pipeline.Outcome {
	return pipeline.Retry(pipeline.ReasonStoreUnavailable, "the Redis store failed: "+err.Error())
}

// arenaFailure classifies a failed Arena call. A call the client refused to
// send, because an id in its path was empty, cannot succeed later.
func arenaFailure(op pipeline.Operation, err error) pipeline.Outcome {
	if errors.Is(err, arena.ErrInvalidArgument) {
		return pipeline.Reject(pipeline.ReasonArenaRejected, "the Arena call was not sent: "+err.Error())
	}

	return pipeline.Classify(failureOf(op, err))
}

// failureOf describes an Arena client error for classification.
func failureOf(op pipeline.Operation, err error) pipeline.Failure {
	// The client-side rate limit kept the call back because a pause after
	// 429 lasts longer than a call waits. Arena sent no response, but the
	// cause is its rate limit.
	if errors.Is(err, arena.ErrNotAdmitted) {
		return pipeline.Failure{Op: op, Status: http.StatusTooManyRequests, Message: "the call was not sent: " + err.Error()}
	}

	var ae *arena.Error
	if !errors.As(err, &ae) {
		return pipeline.Failure{Op: op, Message: err.Error(), Timeout: errors.Is(err, context.DeadlineExceeded)}
	}

	message := ae.Message
	if message == "" {
		message = ae.Error()
	}

	return pipeline.Failure{Op: op, Status: ae.StatusCode, Timeout: ae.Timeout, Message: message}
}

// describe writes a completion for messages: date and score.
func describe(date string, score *float64) string {
	if score == nil {
		return "completionDate " + date + ", no score"
	}

	return "completionDate " + date + ", score " + strconv.FormatFloat(*score, 'f', -1, 64)
}
