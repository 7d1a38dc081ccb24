package arenasim_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestCreateRecord(t *testing.T) {
	tests := []struct {
		name        string
		courses     []arenasim.Course
		body        string
		header      map[string]string
		wantStatus  int
		wantCode    string
		wantMessage string
		wantRecord  arenasim.Record
	}{
		{
			name:       "created without course catalogue",
			body:       `{"employeeId":"EMP1","courseId":"ANY-COURSE","dueDate":"2025-03-01"}`,
			wantStatus: http.StatusCreated,
			wantRecord: arenasim.Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "ANY-COURSE", Status: "ASSIGNED", DueDate: "2025-03-01"},
		},
		{
			name:       "created for catalogued course",
			courses:    []arenasim.Course{{ID: "SAFETY-101"}},
			body:       `{"employeeId":"EMP1","courseId":"SAFETY-101"}`,
			wantStatus: http.StatusCreated,
			wantRecord: arenasim.Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "SAFETY-101", Status: "ASSIGNED"},
		},
		{
			name:        "unknown course with catalogue",
			courses:     []arenasim.Course{{ID: "SAFETY-101"}},
			body:        `{"employeeId":"EMP1","courseId":"LMS-SAFETY-101"}`,
			wantStatus:  http.StatusNotFound,
			wantCode:    "course_not_found",
			wantMessage: `course "LMS-SAFETY-101" not found`,
		},
		{
			name:        "unknown employee",
			body:        `{"employeeId":"EMP9","courseId":"SAFETY-101"}`,
			wantStatus:  http.StatusNotFound,
			wantCode:    "employee_not_found",
			wantMessage: `employee "EMP9" not found`,
		},
		{
			name:        "missing employee",
			body:        `{"courseId":"SAFETY-101"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: "employeeId is missing",
		},
		{
			name:        "missing both ids and bad due date",
			body:        `{"dueDate":"next week"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: `employeeId is missing; courseId is missing; dueDate "next week" is not a date (YYYY-MM-DD) or RFC 3339 time`,
		},
		{
			name:        "malformed JSON",
			body:        `{"employeeId":`,
			wantStatus:  http.StatusBadRequest,
			wantCode:    "invalid_request",
			wantMessage: "request body is not valid JSON: unexpected EOF",
		},
		{
			name:        "body above 64 KiB",
			body:        `{"employeeId":"` + strings.Repeat("x", 70_000) + `"}`,
			wantStatus:  http.StatusRequestEntityTooLarge,
			wantCode:    "request_too_large",
			wantMessage: "request body exceeds 65536 bytes",
		},
		{
			name:       "text content type",
			body:       `{"employeeId":"EMP1","courseId":"C1"}`,
			header:     map[string]string{"Content-Type": "text/plain"},
			wantStatus: http.StatusUnsupportedMediaType,
			wantCode:   "unsupported_media_type",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := arenasim.NewServer(arenasim.Config{Courses: tt.courses}, nil)
			sim.AddEmployee("EMP1", "Ada")
			url := startSim(t, sim)

			resp := send(t, url, request{method: http.MethodPost, path: arenasim.PathRecords, body: tt.body, header: tt.header, token: login(t, url)})

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.status, tt.wantStatus, resp.body)
			}
			if tt.wantStatus != http.StatusCreated {
				body := resp.errorBody(t)
				if body.Error != tt.wantCode {
					t.Errorf("error = %q, want %q", body.Error, tt.wantCode)
				}
				if tt.wantMessage != "" && body.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", body.Message, tt.wantMessage)
				}
				if got := len(sim.Records()); got != 0 {
					t.Errorf("records stored = %d, want 0", got)
				}
				return
			}

			var got arenasim.Record
			if err := json.Unmarshal(resp.body, &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tt.wantRecord) {
				t.Errorf("record = %+v, want %+v", got, tt.wantRecord)
			}
			if loc := resp.header.Get("Location"); loc != "/api/v1/training/records/TR-000001" {
				t.Errorf("Location = %q", loc)
			}
			if stored, _ := sim.Record("TR-000001"); !reflect.DeepEqual(stored, tt.wantRecord) {
				t.Errorf("stored record = %+v, want %+v", stored, tt.wantRecord)
			}
			if got := sim.Stats().Creates; got != 1 {
				t.Errorf("Creates = %d, want 1", got)
			}
		})
	}
}

func TestCreateRecordIDsSkipSeeded(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{
		Employees: []arenasim.Employee{{ID: "EMP1", Name: "Ada", Active: true}},
		Records:   []arenasim.Record{{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "C1"}},
	}, nil)
	url := startSim(t, sim)
	token := login(t, url)

	for _, want := range []string{"TR-000002", "TR-000003"} {
		resp := send(t, url, request{method: http.MethodPost, path: arenasim.PathRecords, body: `{"employeeId":"EMP1","courseId":"C1"}`, token: token})
		var got arenasim.Record
		if err := json.Unmarshal(resp.body, &got); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if got.ID != want {
			t.Errorf("id = %q, want %q", got.ID, want)
		}
	}

	if got := len(sim.FindRecords("EMP1", "C1")); got != 3 {
		t.Errorf("FindRecords = %d records, want 3 (duplicates are allowed)", got)
	}
}

func TestGetRecord(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	seeded := sim.AddRecord(arenasim.Record{
		EmployeeID: "EMP1", CourseID: "C1", Status: arenasim.StatusCompleted,
		CompletionDate: "2025-01-19T14:30:00Z", Score: scorePtr(95),
	})
	url := startSim(t, sim)
	token := login(t, url)

	tests := []struct {
		name       string
		id         string
		wantStatus int
		wantBody   string
	}{
		{
			name:       "known record",
			id:         seeded.ID,
			wantStatus: http.StatusOK,
			wantBody:   `{"id":"TR-000001","employeeId":"EMP1","courseId":"C1","status":"COMPLETED","completionDate":"2025-01-19T14:30:00Z","score":95}` + "\n",
		},
		{
			name:       "unknown record",
			id:         "TR-999999",
			wantStatus: http.StatusNotFound,
			wantBody:   `{"error":"record_not_found","message":"training record \"TR-999999\" not found"}` + "\n",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := send(t, url, request{method: http.MethodGet, path: "/api/v1/training/records/" + tt.id, token: token})

			if resp.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.status, tt.wantStatus)
			}
			if string(resp.body) != tt.wantBody {
				t.Errorf("body = %s, want %s", resp.body, tt.wantBody)
			}
		})
	}
}

func TestCompleteRecordLifecycle(t *testing.T) {
	const validBody = `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED","score":95}`

	tests := []struct {
		name          string
		status        string
		course        string
		body          string
		recordID      string
		setup         func(sim *arenasim.Sim)
		wantStatus    int
		wantCode      string
		wantMessage   string
		wantRecord    arenasim.Record
		wantDuplicate int
	}{
		{
			name:       "assigned becomes completed",
			status:     arenasim.StatusAssigned,
			body:       validBody,
			wantStatus: http.StatusOK,
			wantRecord: arenasim.Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "C1", Status: "COMPLETED", CompletionDate: "2025-01-19T14:30:00Z", Score: scorePtr(95)},
		},
		{
			name:       "in progress becomes completed without score",
			status:     arenasim.StatusInProgress,
			body:       `{"employeeId":"EMP1","completionDate":"2025-01-19T16:30:00+02:00","status":"COMPLETED"}`,
			wantStatus: http.StatusOK,
			wantRecord: arenasim.Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "C1", Status: "COMPLETED", CompletionDate: "2025-01-19T16:30:00+02:00"},
		},
		{
			name:       "approval course becomes pending approval",
			status:     arenasim.StatusAssigned,
			course:     "C-APPROVAL",
			body:       validBody,
			wantStatus: http.StatusOK,
			wantRecord: arenasim.Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "C-APPROVAL", Status: "PENDING_APPROVAL", CompletionDate: "2025-01-19T14:30:00Z", Score: scorePtr(95)},
		},
		{
			name:          "completed answers conflict",
			status:        arenasim.StatusCompleted,
			body:          validBody,
			wantStatus:    http.StatusConflict,
			wantCode:      "invalid_record_state",
			wantMessage:   "training record TR-000001 is COMPLETED; only ASSIGNED or IN_PROGRESS records accept completion",
			wantDuplicate: 1,
		},
		{
			name:        "pending approval answers conflict",
			status:      arenasim.StatusPendingApproval,
			body:        validBody,
			wantStatus:  http.StatusConflict,
			wantCode:    "invalid_record_state",
			wantMessage: "training record TR-000001 is PENDING_APPROVAL; only ASSIGNED or IN_PROGRESS records accept completion",
		},
		{
			name:        "expired answers conflict",
			status:      arenasim.StatusExpired,
			body:        validBody,
			wantStatus:  http.StatusConflict,
			wantCode:    "invalid_record_state",
			wantMessage: "training record TR-000001 is EXPIRED; only ASSIGNED or IN_PROGRESS records accept completion",
		},
		{
			name:        "cancelled answers conflict",
			status:      arenasim.StatusCancelled,
			body:        validBody,
			wantStatus:  http.StatusConflict,
			wantCode:    "invalid_record_state",
			wantMessage: "training record TR-000001 is CANCELLED; only ASSIGNED or IN_PROGRESS records accept completion",
		},
		{
			name:        "unknown record",
			status:      arenasim.StatusAssigned,
			recordID:    "LMS-SAFETY-101",
			body:        validBody,
			wantStatus:  http.StatusNotFound,
			wantCode:    "record_not_found",
			wantMessage: `training record "LMS-SAFETY-101" not found`,
		},
		{
			name:        "other employee",
			status:      arenasim.StatusAssigned,
			body:        `{"employeeId":"EMP2","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: `employeeId "EMP2" does not match the record's employee`,
		},
		{
			name:        "every field missing",
			status:      arenasim.StatusAssigned,
			body:        `{}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: "employeeId is missing; completionDate is missing; status is missing",
		},
		{
			name:        "date without zone and wrong status",
			status:      arenasim.StatusAssigned,
			body:        `{"employeeId":"EMP1","completionDate":"2025-01-19 14:30","status":"DONE"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: `completionDate "2025-01-19 14:30" is not an RFC 3339 time such as 2025-01-19T14:30:00Z; status "DONE" is not COMPLETED`,
		},
		{
			name:        "score above 100",
			status:      arenasim.StatusAssigned,
			body:        `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED","score":100.5}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: "score 100.5 is outside 0..100",
		},
		{
			name:        "score below 0",
			status:      arenasim.StatusAssigned,
			body:        `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED","score":-1}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCode:    "validation_failed",
			wantMessage: "score -1 is outside 0..100",
		},
		{
			name:       "score as string",
			status:     arenasim.StatusAssigned,
			body:       `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED","score":"95"}`,
			wantStatus: http.StatusBadRequest,
			wantCode:   "invalid_request",
		},
		{
			name:        "external updates disabled",
			status:      arenasim.StatusAssigned,
			body:        validBody,
			setup:       func(sim *arenasim.Sim) { sim.SetExternalUpdatesDisabled(true) },
			wantStatus:  http.StatusForbidden,
			wantCode:    "external_updates_disabled",
			wantMessage: `external status updates are disabled for this workspace; enable "Allow external status updates" in the workspace's training settings`,
		},
		{
			name:        "failing record",
			status:      arenasim.StatusAssigned,
			body:        validBody,
			setup:       func(sim *arenasim.Sim) { sim.FailRecord("TR-000001", http.StatusInternalServerError) },
			wantStatus:  http.StatusInternalServerError,
			wantCode:    "injected_failure",
			wantMessage: "injected failure",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			course := tt.course
			if course == "" {
				course = "C1"
			}
			sim := arenasim.NewServer(arenasim.Config{}, nil)
			sim.AddEmployee("EMP1", "Ada")
			sim.AddCourse("C1", false)
			sim.AddCourse("C-APPROVAL", true)
			seeded := sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: course, Status: tt.status})
			if tt.setup != nil {
				tt.setup(sim)
			}
			url := startSim(t, sim)

			recordID := tt.recordID
			if recordID == "" {
				recordID = seeded.ID
			}
			resp := send(t, url, request{
				method: http.MethodPost,
				path:   "/api/v1/training/records/" + recordID + "/complete",
				body:   tt.body,
				token:  login(t, url),
			})

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.status, tt.wantStatus, resp.body)
			}
			stats := sim.Stats()
			if stats.DuplicateCompletions != tt.wantDuplicate {
				t.Errorf("DuplicateCompletions = %d, want %d", stats.DuplicateCompletions, tt.wantDuplicate)
			}

			if tt.wantStatus != http.StatusOK {
				body := resp.errorBody(t)
				if body.Error != tt.wantCode {
					t.Errorf("error = %q, want %q", body.Error, tt.wantCode)
				}
				if tt.wantMessage != "" && body.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", body.Message, tt.wantMessage)
				}
				if stored, _ := sim.Record(seeded.ID); stored.Status != tt.status {
					t.Errorf("stored status = %s, want unchanged %s", stored.Status, tt.status)
				}
				if stats.Completions != 0 {
					t.Errorf("Completions = %d, want 0", stats.Completions)
				}
				return
			}

			var got arenasim.Record
			if err := json.Unmarshal(resp.body, &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tt.wantRecord) {
				t.Errorf("record = %+v, want %+v", got, tt.wantRecord)
			}
			if stored, _ := sim.Record(seeded.ID); !reflect.DeepEqual(stored, tt.wantRecord) {
				t.Errorf("stored = %+v, want %+v", stored, tt.wantRecord)
			}
			if stats.Completions != 1 {
				t.Errorf("Completions = %d, want 1", stats.Completions)
			}
		})
	}
}

func TestGetUser(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP1", "Ada Lovelace")
	sim.AddEmployee("EMP2", "Bob")
	if !sim.SetEmployeeActive("EMP2", false) {
		t.Fatal("SetEmployeeActive(EMP2) = false, want true")
	}
	url := startSim(t, sim)
	token := login(t, url)

	tests := []struct {
		name       string
		id         string
		wantStatus int
		wantBody   string
	}{
		{"active employee", "EMP1", http.StatusOK, `{"employeeId":"EMP1","name":"Ada Lovelace","active":true}` + "\n"},
		{"inactive employee", "EMP2", http.StatusOK, `{"employeeId":"EMP2","name":"Bob","active":false}` + "\n"},
		{"unknown employee", "EMP9", http.StatusNotFound, `{"error":"employee_not_found","message":"employee \"EMP9\" not found"}` + "\n"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := send(t, url, request{method: http.MethodGet, path: "/api/v1/users/" + tt.id, token: token})

			if resp.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.status, tt.wantStatus)
			}
			if string(resp.body) != tt.wantBody {
				t.Errorf("body = %s, want %s", resp.body, tt.wantBody)
			}
		})
	}
}

func TestUnknownPath(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	url := startSim(t, sim)

	resp := send(t, url, request{method: http.MethodDelete, path: "/api/v1/training/records"})

	if resp.status != http.StatusNotFound {
		t.Errorf("status = %d, want 404", resp.status)
	}
	body := resp.errorBody(t)
	if body.Message != "no Arena endpoint at DELETE /api/v1/training/records" {
		t.Errorf("message = %q", body.Message)
	}
	if got := sim.Stats().Requests[arenasim.EndpointUnknown]; got != 1 {
		t.Errorf("Requests[unknown] = %d, want 1", got)
	}
}
