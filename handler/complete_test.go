package handler_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

func TestCompletionOfCompletedRecord(t *testing.T) {
	cases := []struct {
		name           string
		status         string
		date           string
		score          *float64
		wantKind       pipeline.Kind
		wantReason     pipeline.Reason
		wantDetail     []string
		wantDuplicates float64
	}{
		{name: "same completion is a counted duplicate", status: arenasim.StatusCompleted, date: "2025-01-19T14:30:00Z", score: score(80),
			wantKind: pipeline.Done, wantReason: pipeline.ReasonDuplicate, wantDuplicates: 1},
		{name: "same date without score is a duplicate", status: arenasim.StatusCompleted, date: "2025-01-19T14:30:00Z",
			wantKind: pipeline.Done, wantReason: pipeline.ReasonDuplicate, wantDuplicates: 1},
		{name: "other date shows both values", status: arenasim.StatusCompleted, date: "2025-01-21T10:00:00Z", score: score(80),
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonAlreadyCompletedDifferently,
			wantDetail: []string{"Arena: completionDate 2025-01-19T14:30:00Z, score 80", "LMS: completionDate 2025-01-21T10:00:00Z, score 80"}},
		{name: "other score shows both values", status: arenasim.StatusCompleted, date: "2025-01-19T14:30:00Z", score: score(60),
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonAlreadyCompletedDifferently,
			wantDetail: []string{"Arena: completionDate 2025-01-19T14:30:00Z, score 80", "LMS: completionDate 2025-01-19T14:30:00Z, score 60"}},
		{name: "pending approval with the same completion is a duplicate", status: arenasim.StatusPendingApproval, date: "2025-01-19T14:30:00Z", score: score(80),
			wantKind: pipeline.Done, wantReason: pipeline.ReasonDuplicate, wantDuplicates: 1},
		{name: "cancelled record", status: arenasim.StatusCancelled, date: "2025-01-19T14:30:00Z", score: score(80),
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonRecordCancelled, wantDetail: []string{"was cancelled in Arena"}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			h := r.metered(handler.Config{})
			rec := r.sim.AddRecord(arenasim.Record{EmployeeID: employeeAda, CourseID: arenaSafety, Status: tc.status,
				CompletionDate: "2025-01-19T14:30:00Z", Score: score(80)})
			if err := r.mappings.Set(t.Context(), employeeAda, lmsSafety, rec.ID); err != nil {
				t.Fatal(err)
			}

			out := handle(t, h, completion("cmp-1", employeeAda, lmsSafety, tc.date, tc.score))

			if out.Kind != tc.wantKind || out.Reason != tc.wantReason {
				t.Errorf("outcome = %s %s (%s), want %s %s", out.Kind, out.Reason, out.Detail, tc.wantKind, tc.wantReason)
			}
			if out.ArenaStatus != http.StatusConflict {
				t.Errorf("arena status = %d, want 409", out.ArenaStatus)
			}
			for _, want := range tc.wantDetail {
				if !strings.Contains(out.Detail, want) {
					t.Errorf("detail = %q, want it to contain %q", out.Detail, want)
				}
			}
			if got := r.counter("arenasync_handler_duplicates_total", "type", "course.completed"); got != tc.wantDuplicates {
				t.Errorf("completion duplicates = %v, want %v", got, tc.wantDuplicates)
			}
			if stats := r.sim.Stats(); stats.Completions != 0 {
				t.Errorf("arena completions = %d, want 0", stats.Completions)
			}
		})
	}
}

func TestApprovalCourseEndsPendingApproval(t *testing.T) {
	r := newRig(t)
	h := r.handler(handler.Config{})

	if out := handle(t, h, enrollment("enr-1", employeeAda, lmsApproval)); out.Kind != pipeline.Done {
		t.Fatalf("enrollment = %+v", out)
	}
	out := handle(t, h, completion("cmp-1", employeeAda, lmsApproval, "2025-01-19T14:30:00Z", score(91)))
	again := handle(t, h, completion("cmp-1", employeeAda, lmsApproval, "2025-01-19T14:30:00Z", score(91)))

	if out.Kind != pipeline.PendingApproval {
		t.Errorf("completion = %s %s, want pending_approval", out.Kind, out.Reason)
	}
	if again.Kind != pipeline.Done || again.Reason != pipeline.ReasonDuplicate {
		t.Errorf("repeat = %s %s, want done duplicate", again.Kind, again.Reason)
	}
	rec, _ := r.sim.Record(r.mapped(employeeAda, lmsApproval))
	if rec.Status != arenasim.StatusPendingApproval || rec.CourseID != arenaApproval {
		t.Errorf("arena record = %+v, want PENDING_APPROVAL for %s", rec, arenaApproval)
	}
}

func TestExternalUpdatesDisabledNamesTheSetting(t *testing.T) {
	r := newRig(t)
	h := r.handler(handler.Config{})
	if out := handle(t, h, enrollment("enr-1", employeeAda, lmsSafety)); out.Kind != pipeline.Done {
		t.Fatalf("enrollment = %+v", out)
	}
	r.sim.SetExternalUpdatesDisabled(true)

	out := handle(t, h, completion("cmp-1", employeeAda, lmsSafety, "2025-01-19T14:30:00Z", nil))

	if out.Kind != pipeline.Permanent || out.Reason != pipeline.ReasonExternalUpdatesDisabled {
		t.Fatalf("outcome = %s %s, want permanent external_updates_disabled", out.Kind, out.Reason)
	}
	for _, want := range []string{`enable "external status updates"`, "Arena workspace settings", "then replay", "Allow external status updates"} {
		if !strings.Contains(out.Detail, want) {
			t.Errorf("detail = %q, want it to contain %q", out.Detail, want)
		}
	}
	if out.ArenaStatus != http.StatusForbidden {
		t.Errorf("arena status = %d, want 403", out.ArenaStatus)
	}
}

func TestCompletionBeforeEnrollment(t *testing.T) {
	cases := []struct {
		name       string
		cfg        handler.Config
		course     string
		park       bool
		wantKind   pipeline.Kind
		wantReason pipeline.Reason
		wantCause  string
	}{
		{name: "retried by default", course: lmsSafety, wantKind: pipeline.Retryable, wantReason: pipeline.ReasonMappingNotFound},
		{name: "created from the completion", cfg: handler.Config{CreateOnCompletion: true}, course: lmsSafety,
			wantKind: pipeline.Done, wantCause: "completion"},
		{name: "created from the completion of an approval course", cfg: handler.Config{CreateOnCompletion: true}, course: lmsApproval,
			wantKind: pipeline.PendingApproval, wantCause: "completion"},
		{name: "created from the completion needs a mapped course", cfg: handler.Config{CreateOnCompletion: true}, course: lmsUnmapped,
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonUnknownCourse},
		{name: "parked enrollment handled first", course: lmsSafety, park: true, wantKind: pipeline.Done, wantCause: "enrollment"},
		{name: "parked enrollment of an unmapped course fails the completion", course: lmsUnmapped, park: true,
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonUnknownCourse},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			h := r.metered(tc.cfg)
			cmp := completion("cmp-early", employeeAda, tc.course, "2025-01-19T14:30:00Z", score(88))
			enr := enrollment("enr-late", employeeAda, tc.course)
			if tc.park {
				parkBehind(t, r, cmp, enr)
			}

			out := handle(t, h, cmp)

			if out.Kind != tc.wantKind || out.Reason != tc.wantReason {
				t.Fatalf("outcome = %s %s (%s), want %s %s", out.Kind, out.Reason, out.Detail, tc.wantKind, tc.wantReason)
			}
			records := r.sim.FindRecords(employeeAda, "")
			if tc.wantCause == "" {
				if len(records) != 0 {
					t.Errorf("arena records = %+v, want none", records)
				}

				return
			}
			if len(records) != 1 || records[0].CompletionDate != "2025-01-19T14:30:00Z" {
				t.Fatalf("arena records = %+v, want one completed on 2025-01-19", records)
			}
			if got := r.counter("arenasync_handler_records_created_total", "cause", tc.wantCause); got != 1 {
				t.Errorf("records created by %s = %v, want 1", tc.wantCause, got)
			}

			// The enrollment, when its turn comes, finds the record.
			if late := handle(t, h, enr); late.Kind != pipeline.Done || late.Reason != pipeline.ReasonDuplicate {
				t.Errorf("late enrollment = %s %s, want done duplicate", late.Kind, late.Reason)
			}
			if n := len(r.sim.FindRecords(employeeAda, "")); n != 1 {
				t.Errorf("arena records after the late enrollment = %d, want 1", n)
			}
		})
	}
}

// parkBehind parks enrollment behind holder's key as the consumer does
// while holder waits in a retry tier.
func parkBehind(t *testing.T, r *rig, holder, enrollment pipeline.Event) {
	t.Helper()

	holds := store.NewHolds(r.redis, r.prefix)
	if err := holds.Hold(t.Context(), holder.Key(), holder.ID); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(pipeline.Envelope{Event: enrollment})
	if err != nil {
		t.Fatal(err)
	}
	if result, err := holds.ParkIfHeld(t.Context(), enrollment.Key(), enrollment.ID, data); err != nil || result != store.ParkedBehind {
		t.Fatalf("ParkIfHeld = %v, %v; want parked", result, err)
	}
}
