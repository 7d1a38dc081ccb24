package handler

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// ParkedEvents lists the events the consumer parked behind a record key,
// oldest first, each a JSON pipeline.Envelope; *store.Holds implements it.
type ParkedEvents interface {
	Parked(ctx context.Context, key string) ([][]byte, error)
}

// recordOf returns the record a completion completes: the one the event
// names, or the mapped one. When the enrollment has not been processed
// yet, the record is created first from the enrollment parked behind the
// completion. Without a parked enrollment, Config.CreateOnCompletion
// creates it from the completion itself, and otherwise the completion is
// retried. ok is false with the outcome to return when no record is known.
func (h *Handler) recordOf(ctx context.Context, e pipeline.Event) (recordID string, out pipeline.Outcome, ok bool) {
	if e.TrainingRecordID != "" {
		return e.TrainingRecordID, pipeline.Outcome{}, true
	}

	recordID, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID)
	if err != nil {
		return "", storeFailure(err), false
	}
	if ok {
		return recordID, pipeline.Outcome{}, true
	}

	enrollment, found, err := h.parkedEnrollment(ctx, e)
	if err != nil {
		return "", storeFailure(err), false
	}
	if found {
		return h.enrollFirst(ctx, e, enrollment)
	}

	if h.cfg.CreateOnCompletion {
		recordID, out = h.createOnce(ctx, e, "", causeCompletion)

		return recordID, out, out.Kind == pipeline.Done && recordID != ""
	}

	return "", pipeline.Retry(pipeline.ReasonMappingNotFound,
		"no training record is mapped for employee "+e.EmployeeID+" and course "+e.CourseID+": the enrollment has not been processed yet"), false
}

// parkedEnrollment returns the first enrollment parked behind e's key.
func (h *Handler) parkedEnrollment(ctx context.Context, e pipeline.Event) (pipeline.Event, bool, error) {
	if h.parked == nil {
		return pipeline.Event{}, false, nil
	}

	parked, err := h.parked.Parked(ctx, e.Key())
	if err != nil {
		return pipeline.Event{}, false, err
	}

	for _, data := range parked {
		var env pipeline.Envelope
		if json.Unmarshal(data, &env) != nil {
			continue
		}
		if env.Event.Type == pipeline.CourseEnrolled && env.Event.Key() == e.Key() {
			return env.Event, true, nil
		}
	}

	return pipeline.Event{}, false, nil
}

// enrollFirst handles the parked enrollment of completion e ahead of its
// turn, so e finds its record. When the enrollment is released later, it
// finds its record mapped and is done as a repeat.
func (h *Handler) enrollFirst(ctx context.Context, e, enrollment pipeline.Event) (string, pipeline.Outcome, bool) {
	h.logger.Debug("handling the parked enrollment before its completion",
		zap.String("event_id", e.ID), zap.String("enrollment_event_id", enrollment.ID), zap.String("employee_id", e.EmployeeID))

	out := h.enroll(ctx, enrollment)
	if out.Kind != pipeline.Done && out.Kind != pipeline.PendingApproval {
		out.Detail = "the enrollment " + enrollment.ID + " of this completion failed: " + out.Detail

		return "", out, false
	}

	recordID, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID)
	if err != nil {
		return "", storeFailure(err), false
	}
	if !ok {
		return "", pipeline.Retry(pipeline.ReasonMappingNotFound, "the enrollment "+enrollment.ID+" of this completion was handled but no training record is mapped"), false
	}

	return recordID, pipeline.Outcome{}, true
}
