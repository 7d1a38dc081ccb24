package handler_test

import (
	"strings"
	"testing"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/pipeline"
)

func TestEnrollmentOfMappedRecord(t *testing.T) {
	cases := []struct {
		name        string
		status      string
		completion  string
		enrolledAt  string
		wantReason  pipeline.Reason
		wantRecords int
		wantMoved   bool
	}{
		{name: "assigned record is a repeat", status: arenasim.StatusAssigned, enrolledAt: "2026-03-01T09:00:00Z",
			wantReason: pipeline.ReasonDuplicate, wantRecords: 1},
		{name: "completed record is a repeat", status: arenasim.StatusCompleted, completion: "2025-02-01T09:00:00Z", enrolledAt: "2026-03-01T09:00:00Z",
			wantReason: pipeline.ReasonDuplicate, wantRecords: 1},
		{name: "expired record is retaken", status: arenasim.StatusExpired, completion: "2025-02-01T09:00:00Z", enrolledAt: "2026-03-01T09:00:00Z",
			wantReason: pipeline.ReasonRetake, wantRecords: 2, wantMoved: true},
		{name: "cancelled record is retaken", status: arenasim.StatusCancelled, enrolledAt: "2026-03-01T09:00:00Z",
			wantReason: pipeline.ReasonRetake, wantRecords: 2, wantMoved: true},
		{name: "expired record and enrollment older than its completion is a late copy", status: arenasim.StatusExpired,
			completion: "2025-02-01T09:00:00Z", enrolledAt: "2025-01-02T09:00:00Z", wantReason: pipeline.ReasonDuplicate, wantRecords: 1},
		{name: "expired record and enrollment without date is retaken", status: arenasim.StatusExpired, completion: "2025-02-01T09:00:00Z",
			wantReason: pipeline.ReasonRetake, wantRecords: 2, wantMoved: true},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			h := r.metered(handler.Config{})
			old := r.sim.AddRecord(arenasim.Record{EmployeeID: employeeAda, CourseID: arenaSafety, Status: tc.status, CompletionDate: tc.completion})
			if err := r.mappings.Set(t.Context(), employeeAda, lmsSafety, old.ID); err != nil {
				t.Fatal(err)
			}

			e := enrollment("enr-again", employeeAda, lmsSafety)
			e.EnrolledAt = tc.enrolledAt
			out := handle(t, h, e)

			if out.Kind != pipeline.Done || out.Reason != tc.wantReason {
				t.Fatalf("outcome = %s %s (%s), want done %s", out.Kind, out.Reason, out.Detail, tc.wantReason)
			}
			records := r.sim.FindRecords(employeeAda, arenaSafety)
			if len(records) != tc.wantRecords {
				t.Fatalf("arena records = %d, want %d", len(records), tc.wantRecords)
			}

			mapped := r.mapped(employeeAda, lmsSafety)
			if !tc.wantMoved {
				if mapped != old.ID {
					t.Errorf("mapping = %s, want the old record %s", mapped, old.ID)
				}

				return
			}
			newest := records[len(records)-1]
			if mapped != newest.ID || newest.ID == old.ID || newest.Status != arenasim.StatusAssigned {
				t.Errorf("mapping = %s, newest record = %+v; want the map moved to a new ASSIGNED record", mapped, newest)
			}
			if got := r.counter("arenasync_handler_records_created_total", "cause", "retake"); got != 1 {
				t.Errorf("retake records created = %v, want 1", got)
			}
			if !strings.Contains(out.Detail, newest.ID) {
				t.Errorf("detail = %q, want the new record id %s", out.Detail, newest.ID)
			}
		})
	}
}

func TestRetakeThenCompletion(t *testing.T) {
	r := newRig(t)
	h := r.handler(handler.Config{})

	if out := handle(t, h, enrollment("enr-1", employeeAda, lmsSafety)); out.Kind != pipeline.Done {
		t.Fatalf("enrollment = %+v", out)
	}
	if out := handle(t, h, completion("cmp-1", employeeAda, lmsSafety, "2025-02-01T09:00:00Z", score(90))); out.Kind != pipeline.Done {
		t.Fatalf("first completion = %+v", out)
	}
	first := r.mapped(employeeAda, lmsSafety)
	r.sim.SetRecordStatus(first, arenasim.StatusExpired)

	late := handle(t, h, completion("cmp-late", employeeAda, lmsSafety, "2026-02-20T09:00:00Z", score(70)))
	if late.Kind != pipeline.Permanent || late.Reason != pipeline.ReasonRecordExpired {
		t.Fatalf("completion of the expired record = %s %s, want permanent record_expired", late.Kind, late.Reason)
	}
	if !strings.Contains(late.Detail, "training record "+first) || !strings.Contains(late.Detail, "enroll the employee again") {
		t.Errorf("detail = %q, want the record id and what to do", late.Detail)
	}

	retake := enrollment("enr-2", employeeAda, lmsSafety)
	retake.EnrolledAt = "2026-03-01T09:00:00Z"
	if out := handle(t, h, retake); out.Reason != pipeline.ReasonRetake {
		t.Fatalf("retake enrollment = %+v, want retake", out)
	}
	second := r.mapped(employeeAda, lmsSafety)

	if out := handle(t, h, completion("cmp-2", employeeAda, lmsSafety, "2026-03-10T09:00:00Z", score(95))); out.Kind != pipeline.Done {
		t.Fatalf("retake completion = %+v, want done", out)
	}

	old, _ := r.sim.Record(first)
	renewed, _ := r.sim.Record(second)
	if old.Status != arenasim.StatusExpired || old.CompletionDate != "2025-02-01T09:00:00Z" {
		t.Errorf("old record = %+v, want EXPIRED with its first completion", old)
	}
	if renewed.Status != arenasim.StatusCompleted || renewed.CompletionDate != "2026-03-10T09:00:00Z" {
		t.Errorf("new record = %+v, want COMPLETED on 2026-03-10", renewed)
	}

	// The dead-lettered completion, replayed after the retake, lands on the new record.
	if out := handle(t, h, completion("cmp-late", employeeAda, lmsSafety, "2026-02-20T09:00:00Z", score(70))); out.Reason != pipeline.ReasonAlreadyCompletedDifferently {
		t.Errorf("replayed late completion = %s %s, want already_completed_differently against the new record", out.Kind, out.Reason)
	}
}

func TestMappedRecordMissingInArena(t *testing.T) {
	r := newRig(t)
	h := r.handler(handler.Config{})
	if err := r.mappings.Set(t.Context(), employeeAda, lmsSafety, "TR-GONE"); err != nil {
		t.Fatal(err)
	}

	out := handle(t, h, enrollment("enr-1", employeeAda, lmsSafety))

	if out.Kind != pipeline.Permanent || out.Reason != pipeline.ReasonRecordNotFound {
		t.Fatalf("outcome = %s %s, want permanent record_not_found", out.Kind, out.Reason)
	}
	if !strings.Contains(out.Detail, "names training record TR-GONE") || !strings.Contains(out.Detail, "arenasync mapping delete") {
		t.Errorf("detail = %q, want the record id and the fix", out.Detail)
	}
	if n := r.sim.Stats().Creates; n != 0 {
		t.Errorf("arena creates = %d, want 0", n)
	}
}
