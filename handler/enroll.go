package handler

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// enroll creates the Arena record of an enrollment once. An enrollment
// already in the map is a repeat, unless its record expired or was
// cancelled (see enrolledBefore).
func (h *Handler) enroll(ctx context.Context, e pipeline.Event) pipeline.Outcome {
	recordID, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID)
	if err != nil {
		return storeFailure(err)
	}
	if ok {
		return h.enrolledBefore(ctx, e, recordID)
	}

	_, out := h.createOnce(ctx, e, "", causeEnrollment)

	return out
}

// createOnce creates the Arena record of e's enrollment unless another
// event has. stale is a record id the map holds and that is to be
// replaced (a retake), or "" when the map holds none. The map is read
// before and after taking the creation lock, so a duplicate event, or a
// retry after a call whose response was lost, finds the record instead of
// creating a second one. On a done outcome, recordID is the mapped record.
func (h *Handler) createOnce(ctx context.Context, e pipeline.Event, stale, cause string) (recordID string, out pipeline.Outcome) {
	courseID, out, ok := h.arenaCourse(ctx, e)
	if !ok {
		return "", out
	}
	if out, ok := h.checkEmployee(ctx, e); !ok {
		return "", out
	}

	release, err := h.mappings.Lock(ctx, e.EmployeeID, e.CourseID, e.ID, h.cfg.LockTTL)
	if err != nil {
		return "", storeFailure(err)
	}
	if release == nil {
		return h.awaitOtherCreator(ctx, e, stale)
	}
	defer release()

	current, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID)
	if err != nil {
		return "", storeFailure(err)
	}
	if ok && current != stale {
		return current, h.alreadyCreated(e, current)
	}

	return h.createRecord(ctx, e, courseID, cause)
}

// createRecord creates the Arena record and stores its id.
func (h *Handler) createRecord(ctx context.Context, e pipeline.Event, courseID, cause string) (string, pipeline.Outcome) {
	record, err := h.arena.CreateRecord(ctx, e.ID, arena.CreateRecordRequest{EmployeeID: e.EmployeeID, CourseID: courseID, DueDate: e.DueDate})
	if err != nil {
		return "", h.createFailure(ctx, e, courseID, err)
	}
	h.metrics.created.WithLabelValues(cause).Inc()

	// NOTE: if Redis fails here after every retry, Arena holds a record the
	// map does not know; the retried event then creates a second one. The
	// retries below make that window small, not closed.
	if err := h.storeMapping(ctx, e, record.ID); err != nil {
		h.logger.Error("arena record created but not stored in the enrollment map",
			zap.String("event_id", e.ID), zap.String("employee_id", e.EmployeeID),
			zap.String("training_record_id", record.ID), zap.Error(err))

		return "", storeFailure(err)
	}

	h.logger.Debug("training record created", zap.String("event_id", e.ID), zap.String("training_record_id", record.ID),
		zap.String("arena_course_id", courseID), zap.String("cause", cause))

	out := pipeline.Succeeded(http.StatusCreated, record.Status)
	if cause == causeRetake {
		out.Reason = pipeline.ReasonRetake
		out.Detail = "new training record " + record.ID + " replaces the expired or cancelled one"
	}

	return record.ID, out
}

// storeMapping writes the enrollment map, retrying briefly, because losing
// a just-created record's id is costly.
func (h *Handler) storeMapping(ctx context.Context, e pipeline.Event, recordID string) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = h.mappings.Set(ctx, e.EmployeeID, e.CourseID, recordID); err == nil {
			return nil
		}

		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}

	return err
}

// awaitOtherCreator waits for the worker holding the creation lock to store
// a mapping other than stale. When it does not in time, the event is
// retried later.
func (h *Handler) awaitOtherCreator(ctx context.Context, e pipeline.Event, stale string) (string, pipeline.Outcome) {
	deadline := time.Now().Add(h.cfg.LockWait)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return "", pipeline.Retry(pipeline.ReasonMappingNotFound, "another worker is creating this enrollment's record")
		case <-time.After(100 * time.Millisecond):
		}

		recordID, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID)
		if err != nil {
			return "", storeFailure(err)
		}
		if ok && recordID != stale {
			return recordID, h.alreadyCreated(e, recordID)
		}
	}

	return "", pipeline.Retry(pipeline.ReasonMappingNotFound, "another worker is creating this enrollment's record and has not finished")
}

// alreadyCreated is the outcome of an event whose record another event
// created: done, and a duplicate when the event is an enrollment.
func (h *Handler) alreadyCreated(e pipeline.Event, recordID string) pipeline.Outcome {
	if e.Type != pipeline.CourseEnrolled {
		return pipeline.Succeeded(0, "")
	}

	h.metrics.duplicate(e.Type)

	return pipeline.Outcome{Kind: pipeline.Done, Reason: pipeline.ReasonDuplicate, Detail: "the enrollment is mapped to training record " + recordID + " already"}
}
