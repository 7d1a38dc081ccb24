package pipeline_test

import (
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

func TestClassify(t *testing.T) {
	const refused = "dial tcp 127.0.0.1:8443: connect: connection refused"

	tests := []struct {
		name       string
		failure    pipeline.Failure
		wantKind   pipeline.Kind
		wantReason pipeline.Reason
		// wantDetail is checked when set.
		wantDetail string
	}{
		// No response from Arena.
		{
			name:       "connection refused",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Message: refused},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaUnreachable,
			wantDetail: "Arena could not be reached: " + refused,
		},
		{
			name:       "client timeout",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Timeout: true, Message: "context deadline exceeded"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaTimeout,
			wantDetail: "Arena did not answer in time: context deadline exceeded",
		},

		// Retryable responses.
		{
			name:       "408 request timeout",
			failure:    pipeline.Failure{Op: pipeline.OpCreateRecord, Status: 408, Message: "request timeout"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaTimeout,
		},
		{
			name:       "504 gateway timeout",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 504, Message: "upstream timed out"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaTimeout,
			wantDetail: "Arena did not answer in time: upstream timed out",
		},
		{
			name:       "429 rate limited",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 429, Message: "too many requests"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonRateLimited,
			wantDetail: "Arena's rate limit was reached: too many requests",
		},
		{
			name:       "401 after a token refresh",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 401, Message: "invalid token"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonUnauthorized,
			wantDetail: "Arena rejected a freshly fetched token: invalid token",
		},
		{
			name:       "500 internal error",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 500, Message: "internal error"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaUnavailable,
			wantDetail: "Arena answered 500: internal error",
		},
		{
			name:       "500 wins over a timeout flag",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 500, Timeout: true, Message: "internal error"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaUnavailable,
		},
		{
			name:       "502 bad gateway",
			failure:    pipeline.Failure{Op: pipeline.OpCreateRecord, Status: 502, Message: "bad gateway"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaUnavailable,
		},
		{
			name:       "503 unavailable",
			failure:    pipeline.Failure{Op: pipeline.OpGetUser, Status: 503, Message: "maintenance"},
			wantKind:   pipeline.Retryable,
			wantReason: pipeline.ReasonArenaUnavailable,
			wantDetail: "Arena answered 503: maintenance",
		},

		// 404 by operation.
		{
			name:       "404 on complete",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 404, Message: "record TR-9 not found"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordNotFound,
			wantDetail: "Arena has no such training record: check the enrollment mapping, then replay. Arena said: record TR-9 not found",
		},
		{
			name:       "404 on get record",
			failure:    pipeline.Failure{Op: pipeline.OpGetRecord, Status: 404, Message: "record TR-9 not found"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordNotFound,
		},
		{
			name:       "404 on create record",
			failure:    pipeline.Failure{Op: pipeline.OpCreateRecord, Status: 404, Message: "employee EMP9 not found"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonEmployeeNotFound,
		},
		{
			name:       "404 on get user",
			failure:    pipeline.Failure{Op: pipeline.OpGetUser, Status: 404, Message: "employee EMP9 not found"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonEmployeeNotFound,
			wantDetail: "Arena does not know the employee: add the employee in Arena or fix the LMS user id, then replay. Arena said: employee EMP9 not found",
		},

		// 409 by the record's status.
		{
			name:       "409 completed with the same completion",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "COMPLETED", SameCompletion: true},
			wantKind:   pipeline.Done,
			wantReason: pipeline.ReasonDuplicate,
			wantDetail: "Arena already holds this completion",
		},
		{
			name: "409 completed with a different completion",
			failure: pipeline.Failure{
				Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "COMPLETED",
				Existing: "completionDate 2025-01-18T09:00:00Z, score 80",
			},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonAlreadyCompletedDifferently,
			wantDetail: "Arena already holds a different completion (completionDate 2025-01-18T09:00:00Z, score 80): decide which is right and correct it in Arena",
		},
		{
			name:       "409 pending approval with the same completion",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "PENDING_APPROVAL", SameCompletion: true},
			wantKind:   pipeline.Done,
			wantReason: pipeline.ReasonDuplicate,
		},
		{
			name:       "409 pending approval with a different completion",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "PENDING_APPROVAL"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonAlreadyCompletedDifferently,
		},
		{
			name:       "409 expired",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "EXPIRED"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordExpired,
			wantDetail: "the training record has expired: enroll the employee again (a new record), then replay",
		},
		{
			name:       "409 expired ignores SameCompletion",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "EXPIRED", SameCompletion: true},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordExpired,
		},
		{
			name:       "409 cancelled",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "CANCELLED"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordCancelled,
			wantDetail: "the training record was cancelled in Arena: enroll the employee again or resolve the dead letter",
		},
		{
			name:       "409 cancelled ignores SameCompletion",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "CANCELLED", SameCompletion: true},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordCancelled,
		},
		{
			name:       "409 on an assigned record",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 409, RecordStatus: "ASSIGNED", Message: "version conflict"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordConflict,
			wantDetail: "Arena answered 409: version conflict",
		},
		{
			name:       "409 with unknown record status",
			failure:    pipeline.Failure{Op: pipeline.OpCreateRecord, Status: 409, Message: "record exists", SameCompletion: true},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonRecordConflict,
		},

		// 403 by operation.
		{
			name:       "403 on complete",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 403, Message: "external status updates are disabled"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonExternalUpdatesDisabled,
			wantDetail: `Arena refused the status update (403): enable "external status updates" for training records in the Arena workspace settings, then replay. Arena said: external status updates are disabled`,
		},
		{
			name:       "403 on create record",
			failure:    pipeline.Failure{Op: pipeline.OpCreateRecord, Status: 403, Message: "missing permission"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonForbidden,
			wantDetail: "Arena answered 403: grant the service account access, then replay. Arena said: missing permission",
		},
		{
			name:       "403 on get record",
			failure:    pipeline.Failure{Op: pipeline.OpGetRecord, Status: 403},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonForbidden,
		},
		{
			name:       "403 on get user",
			failure:    pipeline.Failure{Op: pipeline.OpGetUser, Status: 403},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonForbidden,
		},

		// Other client errors.
		{
			name:       "400 bad request",
			failure:    pipeline.Failure{Op: pipeline.OpCompleteRecord, Status: 400, Message: "completionDate is invalid"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonArenaRejected,
			wantDetail: "Arena rejected the request with 400: completionDate is invalid",
		},
		{
			name:       "422 unprocessable",
			failure:    pipeline.Failure{Op: pipeline.OpCreateRecord, Status: 422, Message: "dueDate lies in the past"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonArenaRejected,
			wantDetail: "Arena rejected the request with 422: dueDate lies in the past",
		},
		{
			name:       "418 unexpected status",
			failure:    pipeline.Failure{Op: pipeline.OpGetUser, Status: 418, Message: "teapot"},
			wantKind:   pipeline.Permanent,
			wantReason: pipeline.ReasonArenaRejected,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pipeline.Classify(tt.failure)

			if got.Kind != tt.wantKind {
				t.Errorf("Kind = %v, want %v", got.Kind, tt.wantKind)
			}
			if got.Reason != tt.wantReason {
				t.Errorf("Reason = %q, want %q", got.Reason, tt.wantReason)
			}
			if got.ArenaStatus != tt.failure.Status {
				t.Errorf("ArenaStatus = %d, want %d", got.ArenaStatus, tt.failure.Status)
			}
			if tt.wantDetail != "" && got.Detail != tt.wantDetail {
				t.Errorf("Detail = %q\nwant     %q", got.Detail, tt.wantDetail)
			}
			if got.Detail == "" {
				t.Errorf("Detail is empty; the administrator needs a sentence")
			}
		})
	}
}

func TestSucceeded(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		recordStatus string
		want         pipeline.Outcome
	}{
		{
			name:         "completed",
			status:       200,
			recordStatus: "COMPLETED",
			want:         pipeline.Outcome{Kind: pipeline.Done, ArenaStatus: 200},
		},
		{
			name:         "pending approval",
			status:       200,
			recordStatus: "PENDING_APPROVAL",
			want: pipeline.Outcome{
				Kind:        pipeline.PendingApproval,
				ArenaStatus: 200,
				Detail:      "Arena holds the completion and waits for approval",
			},
		},
		{
			name:         "record created",
			status:       201,
			recordStatus: "ASSIGNED",
			want:         pipeline.Outcome{Kind: pipeline.Done, ArenaStatus: 201},
		},
		{
			name:   "no content",
			status: 204,
			want:   pipeline.Outcome{Kind: pipeline.Done, ArenaStatus: 204},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pipeline.Succeeded(tt.status, tt.recordStatus)

			if got != tt.want {
				t.Errorf("Succeeded(%d, %q) = %+v, want %+v", tt.status, tt.recordStatus, got, tt.want)
			}
		})
	}
}

func TestRetryAndReject(t *testing.T) {
	tests := []struct {
		name string
		got  pipeline.Outcome
		want pipeline.Outcome
	}{
		{
			name: "retry without mapping",
			got:  pipeline.Retry(pipeline.ReasonMappingNotFound, "no record for EMP1|C1 yet"),
			want: pipeline.Outcome{Kind: pipeline.Retryable, Reason: pipeline.ReasonMappingNotFound, Detail: "no record for EMP1|C1 yet"},
		},
		{
			name: "reject invalid payload",
			got:  pipeline.Reject(pipeline.ReasonInvalidPayload, "score: 101 is out of range"),
			want: pipeline.Outcome{Kind: pipeline.Permanent, Reason: pipeline.ReasonInvalidPayload, Detail: "score: 101 is out of range"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("outcome = %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		name string
		kind pipeline.Kind
		want string
	}{
		{name: "done", kind: pipeline.Done, want: "done"},
		{name: "pending approval", kind: pipeline.PendingApproval, want: "pending_approval"},
		{name: "retryable", kind: pipeline.Retryable, want: "retryable"},
		{name: "permanent", kind: pipeline.Permanent, want: "permanent"},
		{name: "zero value", kind: 0, want: "unknown"},
		{name: "parked", kind: pipeline.Parked, want: "parked"},
		{name: "out of range", kind: pipeline.Parked + 1, want: "unknown"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.kind.String(); got != tt.want {
				t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.want)
			}
		})
	}
}
