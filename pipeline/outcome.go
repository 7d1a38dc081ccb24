package pipeline

import (
	"fmt"
	"net/http"
)

// Kind is the final or intermediate result of handling one event.
type Kind int

// Outcome kinds, as the consumer acts on them.
const (
	// Done: Arena holds the event's effect. The ledger is updated.
	Done Kind = iota + 1
	// PendingApproval: Arena accepted the completion and waits for a manager.
	PendingApproval
	// Retryable: the call may succeed later; the event goes to the next retry tier.
	Retryable
	// Permanent: the call cannot succeed without a person; the event goes to the
	// dead-letter topic at once.
	Permanent
	// Parked: an earlier event of the same enrollment waits in a retry tier,
	// so this one waits in Redis behind it and is handled when it is released.
	Parked
)

// String returns the metric label of k.
func (k Kind) String() string {
	switch k {
	case Done:
		return "done"
	case PendingApproval:
		return "pending_approval"
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	case Parked:
		return "parked"
	default:
		return "unknown"
	}
}

// Reason is a machine-readable cause, used as the dead-letter reason header
// and as a metric label.
type Reason string

// Reasons for retryable outcomes.
const (
	ReasonArenaUnavailable Reason = "arena_unavailable"
	ReasonArenaTimeout     Reason = "arena_timeout"
	ReasonArenaUnreachable Reason = "arena_unreachable"
	ReasonRateLimited      Reason = "rate_limited"
	ReasonUnauthorized     Reason = "unauthorized"
	ReasonMappingNotFound  Reason = "mapping_not_found"
	ReasonStoreUnavailable Reason = "store_unavailable"
)

// Reasons for permanent outcomes, each a dead-letter reason.
const (
	ReasonInvalidPayload              Reason = "invalid_payload"
	ReasonUndecodableRecord           Reason = "undecodable_record"
	ReasonHandlerPanic                Reason = "handler_panic"
	ReasonEmployeeNotFound            Reason = "employee_not_found"
	ReasonRecordNotFound              Reason = "record_not_found"
	ReasonAlreadyCompletedDifferently Reason = "already_completed_differently"
	ReasonRecordExpired               Reason = "record_expired"
	ReasonRecordCancelled             Reason = "record_cancelled"
	ReasonRecordConflict              Reason = "record_conflict"
	ReasonExternalUpdatesDisabled     Reason = "external_updates_disabled"
	ReasonForbidden                   Reason = "forbidden"
	ReasonArenaRejected               Reason = "arena_rejected"
	ReasonRetriesExhausted            Reason = "retries_exhausted"
)

// Reasons for done outcomes that are worth counting apart.
const (
	// ReasonDuplicate: Arena already held this same completion.
	ReasonDuplicate Reason = "duplicate"
	// ReasonSuperseded: a later completion of the same enrollment arrived
	// while this one waited in a retry tier, so this stale one is not sent.
	ReasonSuperseded Reason = "superseded"
)

// Outcome is the classified result of handling one event.
type Outcome struct {
	Kind   Kind
	Reason Reason
	// Detail is a sentence for the administrator: what Arena answered and what to do.
	Detail string
	// ArenaStatus is the HTTP status Arena answered, 0 when no answer arrived.
	ArenaStatus int
}

// Operation names the Arena call that failed, because a 404 means an unknown
// employee on one call and an unknown record on another.
type Operation string

// Arena operations as the consumer performs them.
const (
	OpCreateRecord   Operation = "create_record"
	OpCompleteRecord Operation = "complete_record"
	OpGetRecord      Operation = "get_record"
	OpGetUser        Operation = "get_user"
)

// Failure describes a failed Arena call in the terms classification needs.
type Failure struct {
	Op Operation
	// Status is Arena's HTTP status, 0 when the call got no answer.
	Status int
	// Timeout is true when the call or its connection timed out.
	Timeout bool
	// Message is Arena's error message or the transport error.
	Message string
	// RecordStatus is the record's current status after a 409, when known.
	RecordStatus string
	// SameCompletion is true after a 409 when Arena already holds this
	// event's completion date (and score, when one was sent).
	SameCompletion bool
	// Existing describes Arena's differing completion after a 409, for the
	// administrator, such as `completionDate 2025-01-18T09:00:00Z, score 80`.
	Existing string
}

// Succeeded classifies a successful Arena answer by the record status it returned.
func Succeeded(status int, recordStatus string) Outcome {
	if recordStatus == "PENDING_APPROVAL" {
		return Outcome{Kind: PendingApproval, ArenaStatus: status, Detail: "Arena holds the completion and waits for approval"}
	}

	return Outcome{Kind: Done, ArenaStatus: status}
}

// Retry builds a retryable outcome that did not come from an Arena answer,
// such as a completion whose enrollment has not been processed yet.
func Retry(reason Reason, detail string) Outcome {
	return Outcome{Kind: Retryable, Reason: reason, Detail: detail}
}

// Reject builds a permanent outcome that did not come from an Arena answer.
func Reject(reason Reason, detail string) Outcome {
	return Outcome{Kind: Permanent, Reason: reason, Detail: detail}
}

// Classify maps a failed Arena call to its outcome. It is the one place where
// status codes become retry or dead-letter decisions.
func Classify(f Failure) Outcome {
	out := Outcome{ArenaStatus: f.Status}
	kind, reason, detail := classify(f)
	out.Kind, out.Reason, out.Detail = kind, reason, detail

	return out
}

// classify holds the decision table of Classify.
func classify(f Failure) (Kind, Reason, string) {
	switch {
	case f.Status == 0 && f.Timeout, f.Status == http.StatusRequestTimeout, f.Status == http.StatusGatewayTimeout:
		return Retryable, ReasonArenaTimeout, "Arena did not answer in time: " + f.Message
	case f.Status == 0:
		return Retryable, ReasonArenaUnreachable, "Arena could not be reached: " + f.Message
	case f.Status == http.StatusTooManyRequests:
		return Retryable, ReasonRateLimited, "Arena's rate limit was reached: " + f.Message
	case f.Status == http.StatusUnauthorized:
		return Retryable, ReasonUnauthorized, "Arena rejected a freshly fetched token: " + f.Message
	case f.Status >= 500:
		return Retryable, ReasonArenaUnavailable, fmt.Sprintf("Arena answered %d: %s", f.Status, f.Message)
	case f.Status == http.StatusNotFound:
		return classifyNotFound(f)
	case f.Status == http.StatusConflict:
		return classifyConflict(f)
	case f.Status == http.StatusForbidden && f.Op == OpCompleteRecord:
		return Permanent, ReasonExternalUpdatesDisabled, "Arena refused the status update (403): enable \"external status updates\" for training records in the Arena workspace settings, then replay. Arena said: " + f.Message
	case f.Status == http.StatusForbidden:
		return Permanent, ReasonForbidden, "Arena answered 403: grant the service account access, then replay. Arena said: " + f.Message
	default:
		return Permanent, ReasonArenaRejected, fmt.Sprintf("Arena rejected the request with %d: %s", f.Status, f.Message)
	}
}

// classifyNotFound tells an unknown employee from an unknown record.
func classifyNotFound(f Failure) (Kind, Reason, string) {
	if f.Op == OpCompleteRecord || f.Op == OpGetRecord {
		return Permanent, ReasonRecordNotFound, "Arena has no such training record: check the enrollment mapping, then replay. Arena said: " + f.Message
	}

	return Permanent, ReasonEmployeeNotFound, "Arena does not know the employee: add the employee in Arena or fix the LMS user id, then replay. Arena said: " + f.Message
}

// classifyConflict decides a 409 by the record's current status.
func classifyConflict(f Failure) (Kind, Reason, string) {
	switch f.RecordStatus {
	case "COMPLETED", "PENDING_APPROVAL":
		if f.SameCompletion {
			return Done, ReasonDuplicate, "Arena already holds this completion"
		}

		return Permanent, ReasonAlreadyCompletedDifferently, "Arena already holds a different completion (" + f.Existing + "): decide which is right and correct it in Arena"
	case "EXPIRED":
		return Permanent, ReasonRecordExpired, "the training record has expired: enroll the employee again (a new record), then replay"
	case "CANCELLED":
		return Permanent, ReasonRecordCancelled, "the training record was cancelled in Arena: enroll the employee again or resolve the dead letter"
	default:
		return Permanent, ReasonRecordConflict, "Arena answered 409: " + f.Message
	}
}
