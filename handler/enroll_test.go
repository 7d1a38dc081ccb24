package handler_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/pipeline"
)

func TestEnrollmentOutcomes(t *testing.T) {
	cases := []struct {
		name         string
		employee     string
		course       string
		wantKind     pipeline.Kind
		wantReason   pipeline.Reason
		wantDetail   string
		wantStatus   int
		wantArenaID  string
		wantUserCall int
	}{
		{name: "mapped course creates the record under its Arena id", employee: employeeAda, course: lmsSafety,
			wantKind: pipeline.Done, wantStatus: 201, wantArenaID: arenaSafety, wantUserCall: 1},
		{name: "unmapped course is unknown_course without any Arena call", employee: employeeAda, course: lmsUnmapped,
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonUnknownCourse,
			wantDetail: "LMS course LMS-NEW-999 is not in the course catalog: map it with `arenasync catalog set LMS-NEW-999 ARENA-COURSE-ID`"},
		{name: "catalog entry Arena does not know is unknown_course", employee: employeeAda, course: lmsMisspelled,
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonUnknownCourse, wantStatus: 404, wantUserCall: 1,
			wantDetail: "Arena does not know course TRN-DOES-NOT-EXIST, which LMS course LMS-TYPO-1 maps to"},
		{name: "unknown employee is employee_not_found before any create", employee: employeeUnknown, course: lmsSafety,
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonEmployeeNotFound, wantStatus: 404, wantUserCall: 1,
			wantDetail: "Arena has no user with employee id EMP99999, so no training record was created"},
		{name: "inactive employee is employee_inactive", employee: employeeInactive, course: lmsSafety,
			wantKind: pipeline.Permanent, wantReason: pipeline.ReasonEmployeeInactive, wantUserCall: 1,
			wantDetail: "Arena marks employee EMP-LEFT inactive"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			h := r.handler(handler.Config{})

			out := handle(t, h, enrollment("enr-1", tc.employee, tc.course))

			if out.Kind != tc.wantKind || out.Reason != tc.wantReason {
				t.Errorf("outcome = %s %s, want %s %s (%s)", out.Kind, out.Reason, tc.wantKind, tc.wantReason, out.Detail)
			}
			if !strings.Contains(out.Detail, tc.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", out.Detail, tc.wantDetail)
			}
			if out.ArenaStatus != tc.wantStatus {
				t.Errorf("arena status = %d, want %d", out.ArenaStatus, tc.wantStatus)
			}
			if calls := r.sim.Stats().Requests[arenasim.EndpointGetUser]; calls != tc.wantUserCall {
				t.Errorf("user lookups = %d, want %d", calls, tc.wantUserCall)
			}

			records := r.sim.FindRecords(tc.employee, "")
			if tc.wantArenaID == "" {
				if len(records) != 0 || r.mapped(tc.employee, tc.course) != "" {
					t.Errorf("records %+v, mapping %q; want none", records, r.mapped(tc.employee, tc.course))
				}

				return
			}
			if len(records) != 1 || records[0].CourseID != tc.wantArenaID {
				t.Fatalf("records = %+v, want one for Arena course %s", records, tc.wantArenaID)
			}
			if got := r.mapped(tc.employee, tc.course); got != records[0].ID {
				t.Errorf("mapping = %q, want %s", got, records[0].ID)
			}
		})
	}
}

func TestEmployeeCheckIsCached(t *testing.T) {
	r := newRig(t)
	if err := r.courses.Set(t.Context(), "LMS-OTHER", arenaSafety); err != nil {
		t.Fatal(err)
	}
	h := r.metered(handler.Config{})

	for i, course := range []string{lmsSafety, "LMS-OTHER"} {
		if out := handle(t, h, enrollment("enr-"+course, employeeAda, course)); out.Kind != pipeline.Done {
			t.Fatalf("enrollment %d = %+v, want done", i, out)
		}
	}

	if calls := r.sim.Stats().Requests[arenasim.EndpointGetUser]; calls != 1 {
		t.Errorf("user lookups = %d, want 1: the second enrollment should use the cache", calls)
	}
	if got := r.counter("arenasync_handler_employee_checks_total", "result", "found"); got != 1 {
		t.Errorf("checks found = %v, want 1", got)
	}
	if got := r.counter("arenasync_handler_employee_checks_total", "result", "cached"); got != 1 {
		t.Errorf("checks cached = %v, want 1", got)
	}
	if ttl := r.redis.TTL(t.Context(), r.prefix+"employee:"+employeeAda).Val(); ttl <= 0 || ttl > handler.DefaultEmployeeCacheTTL {
		t.Errorf("cache TTL = %s, want within the default %s", ttl, handler.DefaultEmployeeCacheTTL)
	}
}

func TestUnknownEmployeeIsNotCached(t *testing.T) {
	r := newRig(t)
	h := r.handler(handler.Config{})

	if out := handle(t, h, enrollment("enr-1", employeeUnknown, lmsSafety)); out.Reason != pipeline.ReasonEmployeeNotFound {
		t.Fatalf("first outcome = %+v, want employee_not_found", out)
	}

	// The administrator adds the employee in Arena and replays.
	r.sim.AddEmployee(employeeUnknown, "New Hire")
	if out := handle(t, h, enrollment("enr-1", employeeUnknown, lmsSafety)); out.Kind != pipeline.Done {
		t.Fatalf("replayed outcome = %+v, want done", out)
	}
	if n := len(r.sim.FindRecords(employeeUnknown, arenaSafety)); n != 1 {
		t.Errorf("records = %d, want 1", n)
	}
}

func TestRepeatedEnrollmentIsDuplicate(t *testing.T) {
	r := newRig(t)
	h := r.metered(handler.Config{})

	first := handle(t, h, enrollment("enr-1", employeeAda, lmsSafety))
	again := handle(t, h, enrollment("enr-1", employeeAda, lmsSafety))
	other := handle(t, h, enrollment("enr-2", employeeAda, lmsSafety))

	if first.Kind != pipeline.Done || first.Reason != "" {
		t.Errorf("first = %s %s, want done", first.Kind, first.Reason)
	}
	for name, out := range map[string]pipeline.Outcome{"same event": again, "other event": other} {
		if out.Kind != pipeline.Done || out.Reason != pipeline.ReasonDuplicate {
			t.Errorf("%s = %s %s, want done duplicate", name, out.Kind, out.Reason)
		}
	}
	if stats := r.sim.Stats(); stats.Creates != 1 {
		t.Errorf("arena creates = %d, want 1", stats.Creates)
	}
	if got := r.counter("arenasync_handler_duplicates_total", "type", "course.enrolled"); got != 2 {
		t.Errorf("duplicates = %v, want 2", got)
	}
	if got := r.counter("arenasync_handler_records_created_total", "cause", "enrollment"); got != 1 {
		t.Errorf("records created = %v, want 1", got)
	}
}

func TestConcurrentEnrollmentsCreateOneRecord(t *testing.T) {
	r := newRig(t)
	r.sim.SetLatency(50_000_000) // 50ms per call widens the race window.
	handlers := []*handler.Handler{r.handler(handler.Config{}), r.handler(handler.Config{})}

	const events = 8
	outcomes := make([]pipeline.Outcome, events)
	var wg sync.WaitGroup
	for i := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := enrollment("enr-race-"+string(rune('a'+i)), employeeBen, lmsSafety)
			outcomes[i] = handle(t, handlers[i%2], e)
		}()
	}
	wg.Wait()

	for i, out := range outcomes {
		if out.Kind != pipeline.Done {
			t.Errorf("event %d = %s %s (%s), want done", i, out.Kind, out.Reason, out.Detail)
		}
	}
	records := r.sim.FindRecords(employeeBen, arenaSafety)
	if len(records) != 1 {
		t.Fatalf("arena records = %d, want exactly 1", len(records))
	}
	if got := r.mapped(employeeBen, lmsSafety); got != records[0].ID {
		t.Errorf("mapping = %q, want %s", got, records[0].ID)
	}
}

func TestWithoutOptionsCourseIDPassesThrough(t *testing.T) {
	r := newRig(t)
	r.sim.AddCourse(lmsUnmapped, false)
	h := handler.New(handler.Config{}, r.client, r.mappings, nil)

	if out := handle(t, h, enrollment("enr-1", employeeAda, lmsUnmapped)); out.Kind != pipeline.Done {
		t.Fatalf("outcome = %+v, want done", out)
	}
	if n := len(r.sim.FindRecords(employeeAda, lmsUnmapped)); n != 1 {
		t.Errorf("records under the LMS course id = %d, want 1", n)
	}
	if calls := r.sim.Stats().Requests[arenasim.EndpointGetUser]; calls != 0 {
		t.Errorf("user lookups = %d, want 0 without WithEmployeeCheck", calls)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name    string
		cfg     handler.Config
		wantErr string
	}{
		{name: "zero is valid", cfg: handler.Config{}},
		{name: "negative lock TTL", cfg: handler.Config{LockTTL: -1}, wantErr: "handler lock TTL -1ns is negative"},
		{name: "negative cache TTL", cfg: handler.Config{EmployeeCacheTTL: -1}, wantErr: "handler employee cache TTL -1ns is negative"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}

				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
