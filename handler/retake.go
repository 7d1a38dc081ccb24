package handler

import (
	"context"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// enrolledBefore handles an enrollment whose enrollment map entry exists.
//
// While the mapped record is live (ASSIGNED, IN_PROGRESS, COMPLETED or
// PENDING_APPROVAL) the event repeats the enrollment and is done. When the
// record is EXPIRED or CANCELLED, the enrollment is a retake: a new record
// is created and the map moves to it, so the following completion lands
// on the new record. An enrollment dated before the old record's
// completion is a late copy of the first enrollment, not a retake.
func (h *Handler) enrolledBefore(ctx context.Context, e pipeline.Event, recordID string) pipeline.Outcome {
	record, err := h.arena.GetRecord(ctx, e.ID, recordID)
	if err != nil {
		return h.mappedRecordFailure(e, recordID, err)
	}

	if !retakeable(record.Status) || enrolledBeforeCompletion(e, record) {
		h.metrics.duplicate(e.Type)

		return pipeline.Outcome{Kind: pipeline.Done, Reason: pipeline.ReasonDuplicate,
			Detail: "the enrollment is mapped to training record " + recordID + " (" + record.Status + ") already"}
	}

	h.logger.Info("retake: the mapped training record is "+record.Status+"; creating a new one",
		zap.String("event_id", e.ID), zap.String("employee_id", e.EmployeeID), zap.String("training_record_id", recordID))
	_, out := h.createOnce(ctx, e, recordID, causeRetake)

	return out
}

// mappedRecordFailure classifies a failed read of a mapped record. A 404
// means the map names a record Arena does not have.
func (h *Handler) mappedRecordFailure(e pipeline.Event, recordID string, err error) pipeline.Outcome {
	out := arenaFailure(pipeline.OpGetRecord, err)
	if out.Reason == pipeline.ReasonRecordNotFound {
		out.Detail = "the enrollment map names training record " + recordID + " for employee " + e.EmployeeID + " and course " + e.CourseID +
			", which Arena does not have: correct it with `arenasync mapping set` or remove it with `arenasync mapping delete`, then replay"
	}

	return out
}

// retakeable reports whether a record's status ends its enrollment, so a
// new enrollment needs a new record.
func retakeable(status string) bool {
	return status == arena.StatusExpired || status == arena.StatusCancelled
}

// enrolledBeforeCompletion reports whether e is dated before the record's
// completion. Such an enrollment belongs to the record, not to a retake.
// Without both dates it reports false.
func enrolledBeforeCompletion(e pipeline.Event, record arena.Record) bool {
	if e.EnrolledAt == "" || record.CompletionDate == "" {
		return false
	}

	enrolled, err := pipeline.DateRule{}.Parse(e.EnrolledAt)
	if err != nil {
		return false
	}
	completed, err := pipeline.DateRule{}.Parse(record.CompletionDate)
	if err != nil {
		return false
	}

	return enrolled.Before(completed)
}
