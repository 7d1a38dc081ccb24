package handler

import (
	"context"
	"net/http"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// complete completes the Arena record of a completion event.
func (h *Handler) complete(ctx context.Context, e pipeline.Event) pipeline.Outcome {
	recordID, out, ok := h.recordOf(ctx, e)
	if !ok {
		return out
	}

	req := arena.CompleteRequest{EmployeeID: e.EmployeeID, CompletionDate: e.CompletionDate, Status: pipeline.StatusCompleted, Score: e.Score}
	record, err := h.arena.CompleteRecord(ctx, e.ID, recordID, req)
	if err == nil {
		return pipeline.Succeeded(http.StatusOK, record.Status)
	}

	if arena.IsConflict(err) {
		return h.conflict(ctx, e, recordID, err)
	}

	return arenaFailure(pipeline.OpCompleteRecord, err)
}

// conflict reads the record after a 409 to tell a repeat of this same
// completion (done) from a different one (dead letter showing both).
func (h *Handler) conflict(ctx context.Context, e pipeline.Event, recordID string, conflictErr error) pipeline.Outcome {
	record, err := h.arena.GetRecord(ctx, e.ID, recordID)
	if err != nil {
		return arenaFailure(pipeline.OpGetRecord, err)
	}

	f := failureOf(pipeline.OpCompleteRecord, conflictErr)
	f.RecordStatus = record.Status
	f.SameCompletion = sameCompletion(e, record)
	f.Existing = "Arena: " + describe(record.CompletionDate, record.Score) + "; LMS: " + describe(e.CompletionDate, e.Score)

	out := pipeline.Classify(f)
	switch out.Reason {
	case pipeline.ReasonDuplicate:
		h.metrics.duplicate(e.Type)
	case pipeline.ReasonAlreadyCompletedDifferently, pipeline.ReasonRecordExpired, pipeline.ReasonRecordCancelled, pipeline.ReasonRecordConflict:
		out.Detail = "training record " + recordID + ": " + out.Detail
	}

	return out
}

// sameCompletion reports whether Arena's record holds the event's completion:
// the same instant and, when the LMS sent a score, the same score.
func sameCompletion(e pipeline.Event, record arena.Record) bool {
	if record.CompletionDate == "" {
		return false
	}

	arenaDate, err := pipeline.DateRule{}.Parse(record.CompletionDate)
	if err != nil {
		return false
	}
	if pipeline.FormatUTC(arenaDate) != e.CompletionDate {
		return false
	}

	if e.Score == nil {
		return true
	}

	return record.Score != nil && *record.Score == *e.Score
}
