package consumer_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/pipeline"
)

// finalWait bounds how long a test waits for one event's final outcome.
const finalWait = 30 * time.Second

func score(v float64) *float64 { return &v }

// enrollment returns an enrollment event of employee for course.
func enrollment(id, employee, course string) pipeline.Event {
	return pipeline.Event{ID: id, Type: pipeline.CourseEnrolled, Source: "lms", EmployeeID: employee, CourseID: course, EnrolledAt: "2025-01-02T09:00:00Z"}
}

// completion returns a completion event of employee for course.
func completion(id, employee, course, date string, s *float64) pipeline.Event {
	return pipeline.Event{ID: id, Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: employee, CourseID: course, CompletionDate: date, Status: pipeline.StatusCompleted, Score: s}
}

func TestWorkerCompletesRecordWithScore(t *testing.T) {
	rig := startRig(t, rigOptions{})

	rig.produce(enrollment("enr-1", "EMP12345", "LMS-SAFETY-101"))
	if got := rig.outcomes.final(t, "enr-1", finalWait); got[len(got)-1].outcome.Kind != pipeline.Done {
		t.Fatalf("enrollment outcome = %+v, want done", got)
	}

	rig.produce(completion("cmp-1", "EMP12345", "LMS-SAFETY-101", "2025-01-19T14:30:00Z", score(95)))
	got := rig.outcomes.final(t, "cmp-1", finalWait)
	if kind := got[len(got)-1].outcome.Kind; kind != pipeline.Done {
		t.Fatalf("completion outcome = %s, want done", kind)
	}

	records := rig.sim.FindRecords("EMP12345", "LMS-SAFETY-101")
	if len(records) != 1 {
		t.Fatalf("arena holds %d records, want 1", len(records))
	}
	rec := records[0]
	if rec.Status != "COMPLETED" {
		t.Errorf("record status = %q, want COMPLETED", rec.Status)
	}
	if rec.CompletionDate != "2025-01-19T14:30:00Z" {
		t.Errorf("completion date = %q, want 2025-01-19T14:30:00Z", rec.CompletionDate)
	}
	if rec.Score == nil || *rec.Score != 95 {
		t.Errorf("score = %v, want 95", rec.Score)
	}

	mapped, ok, err := rig.mappings.Get(t.Context(), "EMP12345", "LMS-SAFETY-101")
	if err != nil || !ok || mapped != rec.ID {
		t.Errorf("enrollment map = %q, %v, %v; want %q", mapped, ok, err, rec.ID)
	}
}

func TestWorkerCompletesRecordWithoutScore(t *testing.T) {
	rig := startRig(t, rigOptions{})
	seeded := rig.sim.AddRecord(arenasim.Record{EmployeeID: "EMP22222", CourseID: "LMS-GMP-200", Status: "IN_PROGRESS"})

	event := completion("cmp-noscore", "EMP22222", "LMS-GMP-200", "2025-01-20T08:00:00Z", nil)
	event.TrainingRecordID = seeded.ID
	rig.produce(event)

	got := rig.outcomes.final(t, "cmp-noscore", finalWait)
	if kind := got[len(got)-1].outcome.Kind; kind != pipeline.Done {
		t.Fatalf("outcome = %s, want done", kind)
	}

	rec, _ := rig.sim.Record(seeded.ID)
	if rec.Status != "COMPLETED" {
		t.Errorf("status = %q, want COMPLETED", rec.Status)
	}
	if rec.Score != nil {
		t.Errorf("score = %v, want none", *rec.Score)
	}
	for _, req := range rig.sim.Requests() {
		if req.RequestID == "" {
			t.Errorf("request %s %s has no X-Request-ID", req.Method, req.Path)
		}
	}
}

func TestWorkerDeadLettersUnknownEmployee(t *testing.T) {
	rig := startRig(t, rigOptions{})

	rig.produce(enrollment("enr-ghost", "EMP99999", "LMS-SAFETY-101"))

	got := rig.outcomes.final(t, "enr-ghost", finalWait)
	if len(got) != 1 {
		t.Fatalf("outcomes = %+v, want exactly one (no retry tier)", got)
	}
	if got[0].outcome.Kind != pipeline.Permanent || got[0].outcome.Reason != pipeline.ReasonEmployeeNotFound {
		t.Fatalf("outcome = %+v, want permanent employee_not_found", got[0].outcome)
	}

	dl := rig.readDeadLetters(1)[0]
	if reason := pipeline.HeaderValue(dl.Headers, pipeline.HeaderReason); reason != "employee_not_found" {
		t.Errorf("dead-letter reason = %q, want employee_not_found", reason)
	}
	if status := pipeline.HeaderValue(dl.Headers, pipeline.HeaderArenaStatus); status != "404" {
		t.Errorf("arena status header = %q, want 404", status)
	}
	if topic := pipeline.HeaderValue(dl.Headers, pipeline.HeaderOriginalTopic); topic != rig.cfg.Topic {
		t.Errorf("original topic = %q, want %q", topic, rig.cfg.Topic)
	}
	env, err := pipeline.DecodeRecord(dl)
	if err != nil || env.Event.EmployeeID != "EMP99999" {
		t.Errorf("dead letter decodes to %+v, %v; want the original event", env.Event, err)
	}
}

func TestWorkerAlreadyCompletedRecord(t *testing.T) {
	cases := []struct {
		name       string
		date       string
		score      *float64
		wantKind   pipeline.Kind
		wantReason pipeline.Reason
	}{
		{name: "same completion is done", date: "2025-01-19T14:30:00Z", score: score(80), wantKind: pipeline.Done, wantReason: pipeline.ReasonDuplicate},
		{name: "other date is dead letter", date: "2025-01-21T10:00:00Z", score: score(80), wantKind: pipeline.Permanent, wantReason: pipeline.ReasonAlreadyCompletedDifferently},
		{name: "other score is dead letter", date: "2025-01-19T14:30:00Z", score: score(60), wantKind: pipeline.Permanent, wantReason: pipeline.ReasonAlreadyCompletedDifferently},
	}

	rig := startRig(t, rigOptions{})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seeded := rig.sim.AddRecord(arenasim.Record{EmployeeID: "EMP12345", CourseID: "LMS-DONE", Status: "COMPLETED", CompletionDate: "2025-01-19T14:30:00Z", Score: score(80)})
			event := completion("cmp-done-"+string(rune('a'+i)), "EMP12345", "LMS-DONE", tc.date, tc.score)
			event.TrainingRecordID = seeded.ID
			rig.produce(event)

			got := rig.outcomes.final(t, event.ID, finalWait)
			out := got[len(got)-1].outcome
			if out.Kind != tc.wantKind {
				t.Errorf("kind = %s, want %s", out.Kind, tc.wantKind)
			}
			if out.Reason != tc.wantReason {
				t.Errorf("reason = %s, want %s", out.Reason, tc.wantReason)
			}
			if out.ArenaStatus != http.StatusConflict {
				t.Errorf("arena status = %d, want 409", out.ArenaStatus)
			}

			rec, _ := rig.sim.Record(seeded.ID)
			if rec.CompletionDate != "2025-01-19T14:30:00Z" || rec.Score == nil || *rec.Score != 80 {
				t.Errorf("arena record changed to %+v", rec)
			}
		})
	}
}

func TestWorkerRefreshesExpiredToken(t *testing.T) {
	rig := startRig(t, rigOptions{})

	rig.produce(enrollment("enr-tok", "EMP12345", "LMS-TOKEN"))
	rig.outcomes.final(t, "enr-tok", finalWait)
	loginsBefore := rig.sim.Stats().Logins

	rig.sim.ExpireAllTokens()
	rig.produce(completion("cmp-tok", "EMP12345", "LMS-TOKEN", "2025-02-01T12:00:00Z", score(70)))

	got := rig.outcomes.final(t, "cmp-tok", finalWait)
	if len(got) != 1 || got[0].outcome.Kind != pipeline.Done {
		t.Fatalf("outcomes = %+v, want one done without a retry", got)
	}

	stats := rig.sim.Stats()
	if stats.Logins != loginsBefore+1 {
		t.Errorf("logins = %d, want %d (one refresh)", stats.Logins, loginsBefore+1)
	}
	if stats.RejectedUnauthorized != 1 {
		t.Errorf("rejected as unauthorized = %d, want 1", stats.RejectedUnauthorized)
	}
}
