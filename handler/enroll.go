package handler

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// enroll creates the Arena record of an enrollment once. The map is read
// before and after taking the creation lock, so a duplicate event, or a
// retry after a call whose answer was lost, finds the record instead of
// creating a second one.
func (h *Handler) enroll(ctx context.Context, e pipeline.Event) pipeline.Outcome {
	if _, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID); err != nil {
		return storeFailure(err)
	} else if ok {
		return pipeline.Succeeded(0, "")
	}

	release, err := h.mappings.Lock(ctx, e.EmployeeID, e.CourseID, e.ID, h.cfg.LockTTL)
	if err != nil {
		return storeFailure(err)
	}
	if release == nil {
		return h.awaitOtherCreator(ctx, e)
	}
	defer release()

	if _, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID); err != nil {
		return storeFailure(err)
	} else if ok {
		return pipeline.Succeeded(0, "")
	}

	return h.createRecord(ctx, e)
}

// createRecord creates the Arena record and stores its id.
func (h *Handler) createRecord(ctx context.Context, e pipeline.Event) pipeline.Outcome {
	record, err := h.arena.CreateRecord(ctx, e.ID, arena.CreateRecordRequest{EmployeeID: e.EmployeeID, CourseID: e.CourseID, DueDate: e.DueDate})
	if err != nil {
		return arenaFailure(pipeline.OpCreateRecord, err)
	}

	// NOTE: if Redis fails here after every retry, Arena holds a record the
	// map does not know; the retried event then creates a second one. The
	// retries below make that window small, not closed.
	if err := h.storeMapping(ctx, e, record.ID); err != nil {
		h.logger.Error("arena record created but not stored in the enrollment map",
			zap.String("event_id", e.ID), zap.String("employee_id", e.EmployeeID),
			zap.String("training_record_id", record.ID), zap.Error(err))

		return storeFailure(err)
	}

	h.logger.Debug("training record created", zap.String("event_id", e.ID), zap.String("training_record_id", record.ID))

	return pipeline.Succeeded(201, record.Status)
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
// the mapping. When it does not in time, the event is retried later.
func (h *Handler) awaitOtherCreator(ctx context.Context, e pipeline.Event) pipeline.Outcome {
	deadline := time.Now().Add(h.cfg.LockWait)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return pipeline.Retry(pipeline.ReasonMappingNotFound, "another worker is creating this enrollment's record")
		case <-time.After(100 * time.Millisecond):
		}

		if _, ok, err := h.mappings.Get(ctx, e.EmployeeID, e.CourseID); err != nil {
			return storeFailure(err)
		} else if ok {
			return pipeline.Succeeded(0, "")
		}
	}

	return pipeline.Retry(pipeline.ReasonMappingNotFound, "another worker is creating this enrollment's record and has not finished")
}
