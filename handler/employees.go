package handler

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/pipeline"
)

// Users looks up Arena users; *arena.Client implements it.
type Users interface {
	GetUser(ctx context.Context, requestID, employeeID string) (arena.User, error)
}

// EmployeeCache keeps Arena's confirmations of employees; *store.Employees
// implements it.
type EmployeeCache interface {
	Known(ctx context.Context, employeeID string) (bool, error)
	Remember(ctx context.Context, employeeID string, ttl time.Duration) error
	Forget(ctx context.Context, employeeID string) error
}

// checkEmployee confirms that Arena has e's employee as an active user
// before a record is created for it. ok is false with the outcome to
// return when it does not, or when the lookup failed.
func (h *Handler) checkEmployee(ctx context.Context, e pipeline.Event) (out pipeline.Outcome, ok bool) {
	if h.users == nil {
		return pipeline.Outcome{}, true
	}

	if h.cachedEmployee(ctx, e) {
		h.metrics.employeeChecks.WithLabelValues(checkCached).Inc()

		return pipeline.Outcome{}, true
	}

	user, err := h.users.GetUser(ctx, e.ID, e.EmployeeID)
	if err != nil {
		return h.employeeFailure(e, err), false
	}

	// NOTE: this trusts the "active" field of Arena's user response. An
	// Arena that left the field out would make every employee inactive.
	if !user.Active {
		h.metrics.employeeChecks.WithLabelValues(checkInactive).Inc()

		return pipeline.Reject(pipeline.ReasonEmployeeInactive,
			"Arena marks employee "+e.EmployeeID+" inactive, so no training record was created: reactivate the user in Arena and replay, or resolve the dead letter if the employee has left"), false
	}

	h.metrics.employeeChecks.WithLabelValues(checkFound).Inc()
	if h.employees != nil {
		if err := h.employees.Remember(ctx, e.EmployeeID, h.cfg.EmployeeCacheTTL); err != nil {
			h.logger.Warn("caching the employee check failed; the next record asks Arena again",
				zap.String("event_id", e.ID), zap.String("employee_id", e.EmployeeID), zap.Error(err))
		}
	}

	return pipeline.Outcome{}, true
}

// cachedEmployee reports whether the cache holds a confirmation of e's
// employee. A cache failure counts as a miss, because Arena can still be asked.
func (h *Handler) cachedEmployee(ctx context.Context, e pipeline.Event) bool {
	if h.employees == nil {
		return false
	}

	known, err := h.employees.Known(ctx, e.EmployeeID)
	if err != nil {
		h.logger.Warn("reading the employee cache failed; asking Arena",
			zap.String("event_id", e.ID), zap.String("employee_id", e.EmployeeID), zap.Error(err))

		return false
	}

	return known
}

// employeeFailure classifies a failed user lookup: 404 is employee_not_found.
func (h *Handler) employeeFailure(e pipeline.Event, err error) pipeline.Outcome {
	result := checkFailed
	if arena.IsNotFound(err) {
		result = checkNotFound
	}
	h.metrics.employeeChecks.WithLabelValues(result).Inc()

	out := arenaFailure(pipeline.OpGetUser, err)
	if out.Reason == pipeline.ReasonEmployeeNotFound {
		out.Detail = "Arena has no user with employee id " + e.EmployeeID + ", so no training record was created: add the employee in Arena or correct the LMS user's employee id, then replay. Arena said: " + failureOf(pipeline.OpGetUser, err).Message
	}

	return out
}

// forgetEmployee drops a cached confirmation that Arena has contradicted,
// so the next record for the employee asks Arena again.
func (h *Handler) forgetEmployee(ctx context.Context, e pipeline.Event) {
	if h.employees == nil {
		return
	}

	if err := h.employees.Forget(ctx, e.EmployeeID); err != nil {
		h.logger.Warn("removing the employee from the cache failed",
			zap.String("event_id", e.ID), zap.String("employee_id", e.EmployeeID), zap.Error(err))
	}
}
