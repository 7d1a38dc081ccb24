package handler

import (
	"context"
	"errors"
	"fmt"
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
}

// setDefaults fills the zero fields with their defaults.
func (c *Config) setDefaults() {
	if c.LockTTL == 0 {
		c.LockTTL = 30 * time.Second
	}
	if c.LockWait == 0 {
		c.LockWait = 5 * time.Second
	}
}

// Handler handles enrollment and completion events.
type Handler struct {
	cfg      Config
	arena    Arena
	mappings EnrollmentMap
	logger   *zap.Logger
}

// New returns a handler calling client and storing mappings in mappings.
func New(cfg Config, client Arena, mappings EnrollmentMap, logger *zap.Logger) *Handler {
	cfg.setDefaults()

	return &Handler{cfg: cfg, arena: client, mappings: mappings, logger: logger}
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
