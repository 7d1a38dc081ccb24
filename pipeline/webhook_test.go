package pipeline_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // loads Europe/Berlin and America/New_York on machines without a zone database

	"github.com/arenasync/arenasync/pipeline"
)

// testNow is the current time of every parse in these tests, so the
// future-date check does not depend on the clock of the test machine.
var testNow = time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)

// absent is a marker value that removes a field from the body built by
// completionWith or enrollmentWith.
type absent struct{}

// baseCompletion returns a course.completed event that passes validation.
func baseCompletion() map[string]any {
	return map[string]any{
		"eventId":        "evt-1",
		"eventType":      "course.completed",
		"employeeId":     "EMP12345",
		"courseId":       "LMS-SAFETY-101",
		"completionDate": "2025-01-19T14:30:00Z",
		"status":         "COMPLETED",
		"score":          95,
	}
}

// baseEnrollment returns a course.enrolled event that passes validation.
func baseEnrollment() map[string]any {
	return map[string]any{
		"eventId":    "evt-2",
		"eventType":  "course.enrolled",
		"employeeId": "EMP12345",
		"courseId":   "LMS-SAFETY-101",
		"enrolledAt": "2025-01-06T08:00:00Z",
		"dueDate":    "2025-02-06",
	}
}

// completionWith returns the JSON of baseCompletion with changes applied.
func completionWith(changes map[string]any) []byte {
	return encodeBody(baseCompletion(), changes)
}

// enrollmentWith returns the JSON of baseEnrollment with changes applied.
func enrollmentWith(changes map[string]any) []byte {
	return encodeBody(baseEnrollment(), changes)
}

// encodeBody sets or, for an absent{} value, removes each changed field.
func encodeBody(fields, changes map[string]any) []byte {
	for name, value := range changes {
		if _, remove := value.(absent); remove {
			delete(fields, name)

			continue
		}
		fields[name] = value
	}

	body, err := json.Marshal(fields)
	if err != nil {
		panic("encode test body: " + err.Error())
	}

	return body
}

// readFixture returns the content of a file in testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()

	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}

	return body
}

// berlin returns the Europe/Berlin zone.
func berlin(t *testing.T) *time.Location {
	t.Helper()

	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load Europe/Berlin: %v", err)
	}

	return loc
}

// at returns options that parse with rule at the fixed test time.
func at(rule pipeline.DateRule) pipeline.GenericOptions {
	return pipeline.GenericOptions{Dates: rule, Now: func() time.Time { return testNow }}
}

// score returns a pointer to v, as Event.Score holds it.
func score(v float64) *float64 {
	return &v
}

func TestParseGenericMalformed(t *testing.T) {
	tests := []struct {
		name string
		body string
		// wantMessage is the exact error text; empty checks wantPrefix only.
		wantMessage string
		wantPrefix  string
	}{
		{name: "empty body", body: "", wantMessage: "the request body is empty: send one JSON object"},
		{name: "whitespace body", body: " \r\n\t ", wantMessage: "the request body is empty: send one JSON object"},
		{name: "null", body: "null", wantMessage: "the request body is null: send one JSON object"},
		{name: "null with whitespace", body: "  null\n", wantMessage: "the request body is null: send one JSON object"},
		{name: "array of events", body: `[{"eventType": "course.completed"}]`, wantPrefix: "the request body is not a JSON object: "},
		{name: "empty array", body: `[]`, wantPrefix: "the request body is not a JSON object: "},
		{name: "string", body: `"course.completed"`, wantPrefix: "the request body is not a JSON object: "},
		{name: "number", body: `42`, wantPrefix: "the request body is not a JSON object: "},
		{name: "boolean", body: `true`, wantPrefix: "the request body is not a JSON object: "},
		{name: "form encoding", body: `eventType=course.completed&employeeId=EMP12345`, wantPrefix: "the request body is not a JSON object: "},
		{name: "xml", body: `<event><employeeId>EMP12345</employeeId></event>`, wantPrefix: "the request body is not a JSON object: "},
		{name: "single quotes", body: `{'eventType': 'course.completed'}`, wantPrefix: "the request body is not a JSON object: "},
		{name: "truncated object", body: `{"eventType": "course.completed", "employeeId": "EMP1`, wantPrefix: "the request body is not a JSON object: "},
		{name: "trailing garbage", body: string(completionWith(nil)) + " x", wantPrefix: "the request body is not a JSON object: "},
		{name: "two objects", body: string(completionWith(nil)) + string(completionWith(nil)), wantPrefix: "the request body is not a JSON object: "},
		{name: "trailing comma", body: `{"eventType": "course.completed",}`, wantPrefix: "the request body is not a JSON object: "},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			event, err := pipeline.ParseGeneric([]byte(tt.body), at(pipeline.DateRule{}))

			if !errors.Is(err, pipeline.ErrMalformed) {
				t.Fatalf("error = %v, want one wrapping ErrMalformed", err)
			}
			if ve, ok := errors.AsType[*pipeline.ValidationError](err); ok {
				t.Errorf("error is also a *ValidationError with fields %v", ve.Fields)
			}
			if tt.wantMessage != "" && err.Error() != tt.wantMessage {
				t.Errorf("message = %q, want %q", err.Error(), tt.wantMessage)
			}
			if !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("message = %q, want prefix %q", err.Error(), tt.wantPrefix)
			}
			if !reflect.DeepEqual(event, pipeline.Event{}) {
				t.Errorf("event = %+v, want the zero Event", event)
			}
		})
	}
}

func TestParseGenericValidation(t *testing.T) {
	berlinRule := pipeline.DateRule{Location: berlin(t)}
	longID := strings.Repeat("A", 201)

	tests := []struct {
		name string
		body []byte
		rule pipeline.DateRule
		// wantFields lists the invalid fields in the order they are reported.
		wantFields []string
		// wantMessages holds exact messages of some of the fields.
		wantMessages map[string]string
	}{
		// Missing fields.
		{
			name:       "empty object",
			body:       []byte(`{}`),
			wantFields: []string{"employeeId", "courseId", "eventType"},
			wantMessages: map[string]string{
				"employeeId": "is required",
				"courseId":   "is required",
				"eventType":  "is required",
			},
		},
		{
			name:         "missing eventType",
			body:         completionWith(map[string]any{"eventType": absent{}}),
			wantFields:   []string{"eventType"},
			wantMessages: map[string]string{"eventType": "is required"},
		},
		{
			name:         "missing employeeId",
			body:         completionWith(map[string]any{"employeeId": absent{}}),
			wantFields:   []string{"employeeId"},
			wantMessages: map[string]string{"employeeId": "is required"},
		},
		{
			name:       "missing courseId",
			body:       completionWith(map[string]any{"courseId": absent{}}),
			wantFields: []string{"courseId"},
		},
		{
			name:         "missing completionDate",
			body:         completionWith(map[string]any{"completionDate": absent{}}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": "is required"},
		},
		{
			name:         "missing status",
			body:         completionWith(map[string]any{"status": absent{}}),
			wantFields:   []string{"status"},
			wantMessages: map[string]string{"status": "is required"},
		},
		{
			name:         "null employeeId counts as missing",
			body:         completionWith(map[string]any{"employeeId": nil}),
			wantFields:   []string{"employeeId"},
			wantMessages: map[string]string{"employeeId": "is required"},
		},
		{
			name:       "null completionDate counts as missing",
			body:       completionWith(map[string]any{"completionDate": nil}),
			wantFields: []string{"completionDate"},
		},

		// Wrong JSON types.
		{
			name:         "employeeId as number",
			body:         completionWith(map[string]any{"employeeId": 12345}),
			wantFields:   []string{"employeeId"},
			wantMessages: map[string]string{"employeeId": "must be a string, got a number (12345)"},
		},
		{
			name:         "courseId as object",
			body:         completionWith(map[string]any{"courseId": map[string]any{"id": "LMS-SAFETY-101"}}),
			wantFields:   []string{"courseId"},
			wantMessages: map[string]string{"courseId": "must be a string, got an object"},
		},
		{
			name:         "eventType as array",
			body:         completionWith(map[string]any{"eventType": []string{"course.completed"}}),
			wantFields:   []string{"eventType"},
			wantMessages: map[string]string{"eventType": "must be a string, got an array"},
		},
		{
			name:         "eventId as number",
			body:         completionWith(map[string]any{"eventId": 981}),
			wantFields:   []string{"eventId"},
			wantMessages: map[string]string{"eventId": "must be a string, got a number (981)"},
		},
		{
			name:         "score as words",
			body:         completionWith(map[string]any{"score": "ninety-five"}),
			wantFields:   []string{"score"},
			wantMessages: map[string]string{"score": `must be a number or a numeric string such as "85" or "85%", got "ninety-five"`},
		},
		{
			name:         "score as boolean",
			body:         completionWith(map[string]any{"score": true}),
			wantFields:   []string{"score"},
			wantMessages: map[string]string{"score": `must be a number or a numeric string such as "85" or "85%", got a boolean`},
		},
		{
			name:         "score as object",
			body:         completionWith(map[string]any{"score": map[string]any{"raw": 95}}),
			wantFields:   []string{"score"},
			wantMessages: map[string]string{"score": `must be a number or a numeric string such as "85" or "85%", got an object`},
		},
		{
			name:         "completionDate as number",
			body:         completionWith(map[string]any{"completionDate": 1737297000}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": "must be a string, got a number (1737297000)"},
		},
		{
			name:         "status as boolean",
			body:         completionWith(map[string]any{"status": true}),
			wantFields:   []string{"status"},
			wantMessages: map[string]string{"status": "must be a string, got a boolean"},
		},

		// Empty strings.
		{
			name:         "empty employeeId",
			body:         completionWith(map[string]any{"employeeId": ""}),
			wantFields:   []string{"employeeId"},
			wantMessages: map[string]string{"employeeId": "must not be empty"},
		},
		{
			name:         "blank courseId",
			body:         completionWith(map[string]any{"courseId": "  \t "}),
			wantFields:   []string{"courseId"},
			wantMessages: map[string]string{"courseId": "must not be empty"},
		},
		{
			name:         "empty eventType",
			body:         completionWith(map[string]any{"eventType": ""}),
			wantFields:   []string{"eventType"},
			wantMessages: map[string]string{"eventType": "must not be empty"},
		},
		{
			name:         "empty eventId",
			body:         completionWith(map[string]any{"eventId": ""}),
			wantFields:   []string{"eventId"},
			wantMessages: map[string]string{"eventId": "must not be empty"},
		},
		{
			name:         "empty completionDate",
			body:         completionWith(map[string]any{"completionDate": ""}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": "must not be empty"},
		},
		{
			name:       "empty status",
			body:       completionWith(map[string]any{"status": ""}),
			wantFields: []string{"status"},
		},
		{
			name:       "empty trainingRecordId",
			body:       completionWith(map[string]any{"trainingRecordId": ""}),
			wantFields: []string{"trainingRecordId"},
		},

		// Identifier limits.
		{
			name:         "employeeId over 200 bytes",
			body:         completionWith(map[string]any{"employeeId": longID}),
			wantFields:   []string{"employeeId"},
			wantMessages: map[string]string{"employeeId": "is 201 bytes long; at most 200 bytes are accepted"},
		},
		{
			name:         "courseId over 200 bytes in fewer characters",
			body:         completionWith(map[string]any{"courseId": strings.Repeat("é", 101)}),
			wantFields:   []string{"courseId"},
			wantMessages: map[string]string{"courseId": "is 202 bytes long; at most 200 bytes are accepted"},
		},
		{
			name:       "eventId over 200 bytes",
			body:       completionWith(map[string]any{"eventId": longID}),
			wantFields: []string{"eventId"},
		},
		{
			name:       "trainingRecordId over 200 bytes",
			body:       completionWith(map[string]any{"trainingRecordId": longID}),
			wantFields: []string{"trainingRecordId"},
		},
		{
			name:         "employeeId with key separator",
			body:         completionWith(map[string]any{"employeeId": "EMP|12345"}),
			wantFields:   []string{"employeeId"},
			wantMessages: map[string]string{"employeeId": `must not contain "|", which separates employee and course in record keys`},
		},
		{
			name:       "courseId with key separator",
			body:       completionWith(map[string]any{"courseId": "LMS|SAFETY-101"}),
			wantFields: []string{"courseId"},
		},

		// Event type and status.
		{
			name:         "unknown eventType",
			body:         completionWith(map[string]any{"eventType": "course.started"}),
			wantFields:   []string{"eventType"},
			wantMessages: map[string]string{"eventType": `"course.started" is not supported: use "course.enrolled" or "course.completed"`},
		},
		{
			name:       "eventType in upper case",
			body:       completionWith(map[string]any{"eventType": "COURSE.COMPLETED"}),
			wantFields: []string{"eventType"},
		},
		{
			name:         "status FAILED",
			body:         completionWith(map[string]any{"status": "FAILED"}),
			wantFields:   []string{"status"},
			wantMessages: map[string]string{"status": `must be "COMPLETED" on a course.completed event, got "FAILED"`},
		},
		{
			name:       "status IN_PROGRESS",
			body:       completionWith(map[string]any{"status": "IN_PROGRESS"}),
			wantFields: []string{"status"},
		},

		// Dates.
		{
			name:         "completionDate without zone and no configured zone",
			body:         completionWith(map[string]any{"completionDate": "2025-01-19T14:30:00"}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": `"2025-01-19T14:30:00" has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone`},
		},
		{
			name:       "completionDate with space and no zone",
			body:       completionWith(map[string]any{"completionDate": "2025-01-19 14:30:00"}),
			wantFields: []string{"completionDate"},
		},
		{
			name:         "date-only completionDate and no configured zone",
			body:         completionWith(map[string]any{"completionDate": "2025-01-19"}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": `"2025-01-19" has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone`},
		},
		{
			name:         "completionDate in words",
			body:         completionWith(map[string]any{"completionDate": "yesterday"}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": `"yesterday" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`},
		},
		{
			name:       "completionDate day first",
			body:       completionWith(map[string]any{"completionDate": "19/01/2025 14:30"}),
			rule:       berlinRule,
			wantFields: []string{"completionDate"},
		},
		{
			name:       "completionDate with month 13",
			body:       completionWith(map[string]any{"completionDate": "2025-13-19T14:30:00Z"}),
			wantFields: []string{"completionDate"},
		},
		{
			name:       "completionDate with offset out of range",
			body:       completionWith(map[string]any{"completionDate": "2025-01-19T14:30:00+25:00"}),
			wantFields: []string{"completionDate"},
		},
		{
			name:         "completionDate beyond the future tolerance",
			body:         completionWith(map[string]any{"completionDate": "2025-01-20T12:05:01Z"}),
			wantFields:   []string{"completionDate"},
			wantMessages: map[string]string{"completionDate": `"2025-01-20T12:05:01Z" lies in the future: check the LMS clock and time zone`},
		},
		{
			name:       "completionDate next year",
			body:       completionWith(map[string]any{"completionDate": "2026-01-19T14:30:00Z"}),
			wantFields: []string{"completionDate"},
		},
		{
			// 13:30 in Berlin is 12:30 UTC, half an hour after the test time.
			name:       "zoneless completionDate in the future once converted",
			body:       completionWith(map[string]any{"completionDate": "2025-01-20T13:30:00"}),
			rule:       berlinRule,
			wantFields: []string{"completionDate"},
		},
		{
			name:       "enrolledAt in the future",
			body:       enrollmentWith(map[string]any{"enrolledAt": "2025-01-21T08:00:00Z"}),
			wantFields: []string{"enrolledAt"},
		},
		{
			name:       "enrolledAt without zone and no configured zone",
			body:       enrollmentWith(map[string]any{"enrolledAt": "2025-01-06T08:00:00"}),
			wantFields: []string{"enrolledAt"},
		},
		{
			name:       "enrolledAt as number",
			body:       enrollmentWith(map[string]any{"enrolledAt": 1736150400}),
			wantFields: []string{"enrolledAt"},
		},
		{
			name:         "dueDate in words",
			body:         enrollmentWith(map[string]any{"dueDate": "next month"}),
			wantFields:   []string{"dueDate"},
			wantMessages: map[string]string{"dueDate": `"next month" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`},
		},
		{
			name:       "dueDate on a day that does not exist",
			body:       enrollmentWith(map[string]any{"dueDate": "2025-02-30"}),
			wantFields: []string{"dueDate"},
		},
		{
			name:       "empty dueDate",
			body:       enrollmentWith(map[string]any{"dueDate": ""}),
			wantFields: []string{"dueDate"},
		},

		// Several bad fields at once.
		{
			name: "every bad field of a completion listed",
			body: completionWith(map[string]any{
				"eventId":        "",
				"employeeId":     12345,
				"courseId":       "LMS|SAFETY-101",
				"completionDate": "2025-01-19T14:30:00",
				"status":         "FAILED",
				"score":          "n/a",
			}),
			wantFields: []string{"eventId", "employeeId", "courseId", "completionDate", "status", "score"},
		},
		{
			name: "every bad field of an enrollment listed",
			body: enrollmentWith(map[string]any{
				"employeeId":       "",
				"trainingRecordId": "TR|1",
				"enrolledAt":       "2025-12-01T08:00:00Z",
				"dueDate":          "soon",
			}),
			wantFields: []string{"employeeId", "trainingRecordId", "enrolledAt", "dueDate"},
		},
		{
			name: "bad ids listed with an unknown eventType",
			body: completionWith(map[string]any{
				"employeeId": absent{},
				"courseId":   absent{},
				"eventType":  "course.started",
			}),
			wantFields: []string{"employeeId", "courseId", "eventType"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			event, err := pipeline.ParseGeneric(tt.body, at(tt.rule))

			ve, ok := errors.AsType[*pipeline.ValidationError](err)
			if !ok {
				t.Fatalf("error = %v, want a *ValidationError; body %s", err, tt.body)
			}
			if errors.Is(err, pipeline.ErrMalformed) {
				t.Errorf("error wraps ErrMalformed, want a validation error only")
			}

			var gotFields []string
			for _, f := range ve.Fields {
				gotFields = append(gotFields, f.Field)
			}
			if !slices.Equal(gotFields, tt.wantFields) {
				t.Errorf("fields = %q, want %q; errors: %v", gotFields, tt.wantFields, ve.Fields)
			}

			for field, want := range tt.wantMessages {
				if got := fieldMessage(ve, field); got != want {
					t.Errorf("message of %s = %q, want %q", field, got, want)
				}
			}

			if !reflect.DeepEqual(event, pipeline.Event{}) {
				t.Errorf("event = %+v, want the zero Event", event)
			}
		})
	}
}

// fieldMessage returns the message of the first error on field, or "".
func fieldMessage(ve *pipeline.ValidationError, field string) string {
	for _, f := range ve.Fields {
		if f.Field == field {
			return f.Message
		}
	}

	return ""
}

func TestValidationErrorFields(t *testing.T) {
	body := completionWith(map[string]any{"eventId": "evt-7", "employeeId": absent{}, "score": true})

	_, err := pipeline.ParseGeneric(body, at(pipeline.DateRule{}))

	ve, ok := errors.AsType[*pipeline.ValidationError](err)
	if !ok {
		t.Fatalf("error = %v, want a *ValidationError", err)
	}
	if ve.EventID != "evt-7" {
		t.Errorf("EventID = %q, want %q", ve.EventID, "evt-7")
	}

	wantText := `invalid event: employeeId: is required; score: must be a number or a numeric string such as "85" or "85%", got a boolean`
	if err.Error() != wantText {
		t.Errorf("Error() = %q, want %q", err.Error(), wantText)
	}
}

func TestValidationErrorWithoutEventID(t *testing.T) {
	body := completionWith(map[string]any{"eventId": absent{}, "status": "FAILED"})

	_, err := pipeline.ParseGeneric(body, at(pipeline.DateRule{}))

	ve, ok := errors.AsType[*pipeline.ValidationError](err)
	if !ok {
		t.Fatalf("error = %v, want a *ValidationError", err)
	}
	if ve.EventID != "" {
		t.Errorf("EventID = %q, want empty because the body carried none", ve.EventID)
	}
}

func TestParseGenericAccepts(t *testing.T) {
	berlinRule := pipeline.DateRule{Location: berlin(t)}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load America/New_York: %v", err)
	}

	// completed is the event of baseCompletion with its completion date replaced.
	completed := func(date string) pipeline.Event {
		return pipeline.Event{
			ID:             "evt-1",
			Type:           pipeline.CourseCompleted,
			Source:         pipeline.SourceGeneric,
			EmployeeID:     "EMP12345",
			CourseID:       "LMS-SAFETY-101",
			CompletionDate: date,
			Status:         pipeline.StatusCompleted,
			Score:          score(95),
		}
	}
	withScore := func(e pipeline.Event, s *float64) pipeline.Event {
		e.Score = s

		return e
	}
	enrolled := func(enrolledAt, dueDate string) pipeline.Event {
		return pipeline.Event{
			ID:         "evt-2",
			Type:       pipeline.CourseEnrolled,
			Source:     pipeline.SourceGeneric,
			EmployeeID: "EMP12345",
			CourseID:   "LMS-SAFETY-101",
			EnrolledAt: enrolledAt,
			DueDate:    dueDate,
		}
	}

	tests := []struct {
		name string
		body []byte
		rule pipeline.DateRule
		want pipeline.Event
	}{
		// Sample payloads.
		{
			name: "sample completion",
			body: readFixture(t, "generic-completed.json"),
			want: pipeline.Event{
				ID:             "5f0c8a52-1d7e-4c1b-9a0e-7b2d4e6f8a11",
				Type:           pipeline.CourseCompleted,
				Source:         pipeline.SourceGeneric,
				EmployeeID:     "EMP20417",
				CourseID:       "LMS-GMP-201",
				CompletionDate: "2025-01-19T14:30:00Z",
				Status:         pipeline.StatusCompleted,
				Score:          score(95),
			},
		},
		{
			name: "sample completion without score",
			body: readFixture(t, "generic-completed-no-score.json"),
			want: pipeline.Event{
				ID:             "9b1e77c0-2f4a-4d55-8e3c-1c2d3e4f5a62",
				Type:           pipeline.CourseCompleted,
				Source:         pipeline.SourceGeneric,
				EmployeeID:     "EMP20417",
				CourseID:       "LMS-SOP-014",
				CompletionDate: "2025-01-20T08:05:12Z",
				Status:         pipeline.StatusCompleted,
			},
		},
		{
			name: "sample enrollment",
			body: readFixture(t, "generic-enrolled.json"),
			want: pipeline.Event{
				ID:         "0d4c2b1a-8e7f-4a3b-9c2d-6e5f4a3b2c10",
				Type:       pipeline.CourseEnrolled,
				Source:     pipeline.SourceGeneric,
				EmployeeID: "EMP20417",
				CourseID:   "LMS-GMP-201",
				EnrolledAt: "2025-01-06T08:00:00Z",
				DueDate:    "2025-02-06T00:00:00Z",
			},
		},

		// Score.
		{name: "score 0", body: completionWith(map[string]any{"score": 0}), want: withScore(completed("2025-01-19T14:30:00Z"), score(0))},
		{name: "score 100", body: completionWith(map[string]any{"score": 100}), want: withScore(completed("2025-01-19T14:30:00Z"), score(100))},
		{name: "fractional score", body: completionWith(map[string]any{"score": 87.5}), want: withScore(completed("2025-01-19T14:30:00Z"), score(87.5))},
		{name: "score null", body: completionWith(map[string]any{"score": nil}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},
		{name: "score absent", body: completionWith(map[string]any{"score": absent{}}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},
		{name: "score as string", body: completionWith(map[string]any{"score": "95"}), want: withScore(completed("2025-01-19T14:30:00Z"), score(95))},
		{name: "score with decimals as string", body: completionWith(map[string]any{"score": "85.00"}), want: withScore(completed("2025-01-19T14:30:00Z"), score(85))},
		{name: "score with percent sign", body: completionWith(map[string]any{"score": "85%"}), want: withScore(completed("2025-01-19T14:30:00Z"), score(85))},
		{name: "score empty string", body: completionWith(map[string]any{"score": ""}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},

		// Scores out of range are dropped; the completion is kept.
		{name: "score below 0 dropped", body: completionWith(map[string]any{"score": -1}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},
		{name: "score just below 0 dropped", body: completionWith(map[string]any{"score": -0.001}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},
		{name: "score 100.5 dropped", body: completionWith(map[string]any{"score": 100.5}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},
		{name: "score 101 dropped", body: completionWith(map[string]any{"score": 101}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},
		{name: "score 101 as string dropped", body: completionWith(map[string]any{"score": "101%"}), want: withScore(completed("2025-01-19T14:30:00Z"), nil)},

		// Status.
		{name: "status in lower case", body: completionWith(map[string]any{"status": "completed"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "status in mixed case with spaces", body: completionWith(map[string]any{"status": " Completed "}), want: completed("2025-01-19T14:30:00Z")},

		// Offsets and precision.
		{name: "offset +02:00", body: completionWith(map[string]any{"completionDate": "2025-01-19T16:30:00+02:00"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "offset -05:00", body: completionWith(map[string]any{"completionDate": "2025-01-19T09:30:00-05:00"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "offset crossing midnight", body: completionWith(map[string]any{"completionDate": "2025-01-19T23:30:00-05:00"}), want: completed("2025-01-20T04:30:00Z")},
		{name: "offset without colon", body: completionWith(map[string]any{"completionDate": "2025-01-19T16:30:00+0200"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "offset +00:00", body: completionWith(map[string]any{"completionDate": "2025-01-19T14:30:00+00:00"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "fractional seconds truncated", body: completionWith(map[string]any{"completionDate": "2025-01-19T14:30:59.987654321Z"}), want: completed("2025-01-19T14:30:59Z")},
		{name: "milliseconds with offset truncated", body: completionWith(map[string]any{"completionDate": "2025-01-19T16:30:00.999+02:00"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "minutes only with zone", body: completionWith(map[string]any{"completionDate": "2025-01-19T14:30Z"}), want: completed("2025-01-19T14:30:00Z")},
		{name: "configured zone ignored when an offset is sent", body: completionWith(map[string]any{"completionDate": "2025-01-19T14:30:00Z"}), rule: berlinRule, want: completed("2025-01-19T14:30:00Z")},

		// Configured zone.
		{name: "no zone read in Berlin winter time", body: completionWith(map[string]any{"completionDate": "2025-01-19T15:30:00"}), rule: berlinRule, want: completed("2025-01-19T14:30:00Z")},
		{name: "no zone read in Berlin summer time", body: completionWith(map[string]any{"completionDate": "2024-07-19T16:30:00"}), rule: berlinRule, want: completed("2024-07-19T14:30:00Z")},
		{name: "no zone with space in Berlin", body: completionWith(map[string]any{"completionDate": "2025-01-19 15:30:00"}), rule: berlinRule, want: completed("2025-01-19T14:30:00Z")},
		{name: "no zone without seconds in Berlin", body: completionWith(map[string]any{"completionDate": "2025-01-19T15:30"}), rule: berlinRule, want: completed("2025-01-19T14:30:00Z")},
		{name: "no zone with fraction in Berlin", body: completionWith(map[string]any{"completionDate": "2025-01-19T15:30:00.75"}), rule: berlinRule, want: completed("2025-01-19T14:30:00Z")},
		{name: "date only is midnight in Berlin", body: completionWith(map[string]any{"completionDate": "2025-01-19"}), rule: berlinRule, want: completed("2025-01-18T23:00:00Z")},
		{name: "date only is midnight in New York", body: completionWith(map[string]any{"completionDate": "2025-01-19"}), rule: pipeline.DateRule{Location: newYork}, want: completed("2025-01-19T05:00:00Z")},
		{name: "no zone read in UTC", body: completionWith(map[string]any{"completionDate": "2025-01-19T14:30:00"}), rule: pipeline.DateRule{Location: time.UTC}, want: completed("2025-01-19T14:30:00Z")},

		// Future tolerance, with the test time at 2025-01-20T12:00:00Z.
		{name: "four minutes ahead", body: completionWith(map[string]any{"completionDate": "2025-01-20T12:04:00Z"}), want: completed("2025-01-20T12:04:00Z")},
		{name: "exactly five minutes ahead", body: completionWith(map[string]any{"completionDate": "2025-01-20T12:05:00Z"}), want: completed("2025-01-20T12:05:00Z")},
		{name: "the test time itself", body: completionWith(map[string]any{"completionDate": "2025-01-20T12:00:00Z"}), want: completed("2025-01-20T12:00:00Z")},

		// Identifiers.
		{
			name: "ids trimmed",
			body: completionWith(map[string]any{"eventId": " evt-1 ", "employeeId": "\tEMP12345 ", "courseId": " LMS-SAFETY-101\n"}),
			want: completed("2025-01-19T14:30:00Z"),
		},
		{
			name: "ids of 200 bytes accepted",
			body: completionWith(map[string]any{"employeeId": strings.Repeat("E", 200)}),
			want: func() pipeline.Event {
				e := completed("2025-01-19T14:30:00Z")
				e.EmployeeID = strings.Repeat("E", 200)

				return e
			}(),
		},
		{
			name: "trainingRecordId kept",
			body: completionWith(map[string]any{"trainingRecordId": "TR-000981"}),
			want: func() pipeline.Event {
				e := completed("2025-01-19T14:30:00Z")
				e.TrainingRecordID = "TR-000981"

				return e
			}(),
		},
		{
			name: "unknown fields ignored",
			body: completionWith(map[string]any{"lmsName": "Moodle", "attempts": 3}),
			want: completed("2025-01-19T14:30:00Z"),
		},

		// Enrollments.
		{name: "date-only dueDate kept as is", body: enrollmentWith(nil), want: enrolled("2025-01-06T08:00:00Z", "2025-02-06")},
		{name: "date-only dueDate kept as is with a zone", body: enrollmentWith(nil), rule: berlinRule, want: enrolled("2025-01-06T08:00:00Z", "2025-02-06")},
		{name: "dueDate with offset converted", body: enrollmentWith(map[string]any{"dueDate": "2025-02-06T17:00:00+01:00"}), want: enrolled("2025-01-06T08:00:00Z", "2025-02-06T16:00:00Z")},
		{name: "dueDate far in the future accepted", body: enrollmentWith(map[string]any{"dueDate": "2030-12-31T23:59:59Z"}), want: enrolled("2025-01-06T08:00:00Z", "2030-12-31T23:59:59Z")},
		{name: "enrolledAt with offset converted", body: enrollmentWith(map[string]any{"enrolledAt": "2025-01-06T09:00:00+01:00"}), want: enrolled("2025-01-06T08:00:00Z", "2025-02-06")},
		{name: "enrolledAt without zone in Berlin", body: enrollmentWith(map[string]any{"enrolledAt": "2025-01-06T09:00:00"}), rule: berlinRule, want: enrolled("2025-01-06T08:00:00Z", "2025-02-06")},
		{name: "enrollment without dates", body: enrollmentWith(map[string]any{"enrolledAt": absent{}, "dueDate": absent{}}), want: enrolled("", "")},
		{name: "enrollment with null dates", body: enrollmentWith(map[string]any{"enrolledAt": nil, "dueDate": nil}), want: enrolled("", "")},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pipeline.ParseGeneric(tt.body, at(tt.rule))
			if err != nil {
				t.Fatalf("ParseGeneric(%s) error: %v", tt.body, err)
			}

			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event = %s\nwant    %s", describe(got), describe(tt.want))
			}
		})
	}
}

// describe renders an event as JSON, so a failure shows the score value
// rather than a pointer.
func describe(e pipeline.Event) string {
	out, err := json.Marshal(e)
	if err != nil {
		return err.Error()
	}

	return string(out)
}

func TestParseGenericUsesClockByDefault(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	body := completionWith(map[string]any{"completionDate": future})

	_, err := pipeline.ParseGeneric(body, pipeline.GenericOptions{})

	ve, ok := errors.AsType[*pipeline.ValidationError](err)
	if !ok {
		t.Fatalf("error = %v, want a *ValidationError for a date an hour ahead of time.Now", err)
	}
	if len(ve.Fields) != 1 || ve.Fields[0].Field != "completionDate" {
		t.Errorf("fields = %v, want one on completionDate", ve.Fields)
	}
}

func TestParseGenericDerivedID(t *testing.T) {
	derivedPattern := regexp.MustCompile(`^derived-[0-9a-f]{32}$`)

	parseID := func(t *testing.T, body []byte) string {
		t.Helper()

		event, err := pipeline.ParseGeneric(body, at(pipeline.DateRule{}))
		if err != nil {
			t.Fatalf("ParseGeneric(%s) error: %v", body, err)
		}

		return event.ID
	}
	withoutID := func(changes map[string]any) []byte {
		changes["eventId"] = absent{}

		return completionWith(changes)
	}

	base := parseID(t, withoutID(map[string]any{}))

	t.Run("format", func(t *testing.T) {
		if !derivedPattern.MatchString(base) {
			t.Errorf("derived id = %q, want %s", base, derivedPattern)
		}
	})

	t.Run("unchanged between versions", func(t *testing.T) {
		// Ingest de-duplicates on this id, so a changed derivation would let a
		// redelivery that spans an upgrade through as a new event. The value is
		// the first 16 bytes of SHA-256 over the normalized fields joined by 0x1f:
		// printf 'lms\x1fcourse.completed\x1fEMP12345\x1fLMS-SAFETY-101\x1f\x1f2025-01-19T14:30:00Z\x1f95\x1f\x1f' | sha256sum
		const want = "derived-49886bba2d58f99f11fc78c6dab0287a"
		if base != want {
			t.Errorf("derived id = %q, want %q", base, want)
		}
	})

	sameContent := []struct {
		name string
		body []byte
	}{
		{name: "second parse of the same body", body: withoutID(map[string]any{})},
		{name: "null eventId", body: completionWith(map[string]any{"eventId": nil})},
		{
			name: "reordered fields and spaces",
			body: []byte(`{ "score": 95, "status": "COMPLETED", "completionDate": "2025-01-19T14:30:00Z",
				"courseId": "LMS-SAFETY-101", "employeeId": "EMP12345", "eventType": "course.completed" }`),
		},
		{name: "same instant with an offset", body: withoutID(map[string]any{"completionDate": "2025-01-19T15:30:00+01:00"})},
		{name: "same instant with milliseconds", body: withoutID(map[string]any{"completionDate": "2025-01-19T14:30:00.250Z"})},
		{name: "status in lower case", body: withoutID(map[string]any{"status": "completed"})},
		{name: "score written as 95.0", body: []byte(strings.Replace(string(withoutID(map[string]any{})), `"score":95`, `"score":95.0`, 1))},
	}
	for _, tt := range sameContent {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseID(t, tt.body); got != base {
				t.Errorf("derived id = %q, want %q as for the same content", got, base)
			}
		})
	}

	otherContent := []struct {
		name string
		body []byte
	}{
		{name: "other employee", body: withoutID(map[string]any{"employeeId": "EMP12346"})},
		{name: "other course", body: withoutID(map[string]any{"courseId": "LMS-SAFETY-102"})},
		{name: "other completion date", body: withoutID(map[string]any{"completionDate": "2025-01-19T14:30:01Z"})},
		{name: "other score", body: withoutID(map[string]any{"score": 94})},
		{name: "score 0", body: withoutID(map[string]any{"score": 0})},
		{name: "no score", body: withoutID(map[string]any{"score": absent{}})},
		{name: "trainingRecordId given", body: withoutID(map[string]any{"trainingRecordId": "TR-000981"})},
	}
	for _, tt := range otherContent {
		t.Run(tt.name, func(t *testing.T) {
			got := parseID(t, tt.body)
			if got == base {
				t.Errorf("derived id = %q, the same as for different content", got)
			}
			if !derivedPattern.MatchString(got) {
				t.Errorf("derived id = %q, want %s", got, derivedPattern)
			}
		})
	}

	t.Run("enrollment dates", func(t *testing.T) {
		first := parseID(t, enrollmentWith(map[string]any{"eventId": absent{}}))
		otherDue := parseID(t, enrollmentWith(map[string]any{"eventId": absent{}, "dueDate": "2025-02-07"}))
		otherEnrolled := parseID(t, enrollmentWith(map[string]any{"eventId": absent{}, "enrolledAt": "2025-01-06T08:00:01Z"}))

		if first == otherDue {
			t.Errorf("a different dueDate derived the same id %q", first)
		}
		if first == otherEnrolled {
			t.Errorf("a different enrolledAt derived the same id %q", first)
		}
	})

	t.Run("sent eventId kept", func(t *testing.T) {
		if got := parseID(t, completionWith(nil)); got != "evt-1" {
			t.Errorf("event id = %q, want the sent %q", got, "evt-1")
		}
	})
}
