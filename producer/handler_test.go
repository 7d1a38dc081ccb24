package producer

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

// TestWebhookStatuses sends one request per status the webhook returns and
// checks the status, the problem type and what reached Kafka.
func TestWebhookStatuses(t *testing.T) {
	const maxBody = 2048

	cases := []struct {
		name       string
		request    func() *http.Request
		wantStatus int
		// wantType is the problem type, empty for JSON responses.
		wantType string
		// wantMain and wantDead are how many records reach the main and the
		// dead-letter topic.
		wantMain int
		wantDead int
	}{
		{
			name:       "accepted",
			request:    func() *http.Request { return webhookRequest("lms", completedBody) },
			wantStatus: http.StatusAccepted,
			wantMain:   1,
		},
		{
			name: "accepted with charset",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Set("Content-Type", "application/json; charset=utf-8")

				return r
			},
			wantStatus: http.StatusAccepted,
			wantMain:   1,
		},
		{
			name: "accepted as cloudevents json",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Set("Content-Type", "application/cloudevents+json")

				return r
			},
			wantStatus: http.StatusAccepted,
			wantMain:   1,
		},
		{
			name: "accepted with lower-case scheme",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Set("Authorization", "bearer "+testToken)

				return r
			},
			wantStatus: http.StatusAccepted,
			wantMain:   1,
		},
		{
			name:       "empty body",
			request:    func() *http.Request { return webhookRequest("lms", "") },
			wantStatus: http.StatusBadRequest,
			wantType:   ProblemMalformedBody,
		},
		{
			name:       "not JSON",
			request:    func() *http.Request { return webhookRequest("lms", "eventId=1&employeeId=EMP1") },
			wantStatus: http.StatusBadRequest,
			wantType:   ProblemMalformedBody,
			wantDead:   1,
		},
		{
			name:       "JSON array",
			request:    func() *http.Request { return webhookRequest("lms", "["+completedBody+"]") },
			wantStatus: http.StatusBadRequest,
			wantType:   ProblemMalformedBody,
			wantDead:   1,
		},
		{
			name: "token missing",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Del("Authorization")

				return r
			},
			wantStatus: http.StatusUnauthorized,
			wantType:   ProblemUnauthorized,
		},
		{
			name: "token wrong",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Set("Authorization", "Bearer "+testToken+"x")

				return r
			},
			wantStatus: http.StatusUnauthorized,
			wantType:   ProblemUnauthorized,
		},
		{
			name: "basic scheme",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.SetBasicAuth("lms", testToken)

				return r
			},
			wantStatus: http.StatusUnauthorized,
			wantType:   ProblemUnauthorized,
		},
		{
			name:       "unknown source",
			request:    func() *http.Request { return webhookRequest("moodle", completedBody) },
			wantStatus: http.StatusNotFound,
			wantType:   ProblemUnknownSource,
		},
		{
			name: "GET",
			request: func() *http.Request {
				r := webhookRequest("lms", "")
				r.Method = http.MethodGet

				return r
			},
			wantStatus: http.StatusMethodNotAllowed,
			wantType:   ProblemMethodNotAllowed,
		},
		{
			name: "body over limit with length",
			request: func() *http.Request {
				return webhookRequest("lms", `{"eventId": "`+strings.Repeat("a", maxBody)+`"}`)
			},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantType:   ProblemBodyTooLarge,
		},
		{
			name: "body over limit without length",
			request: func() *http.Request {
				r := webhookRequest("lms", `{"eventId": "`+strings.Repeat("a", maxBody)+`"}`)
				r.ContentLength = -1

				return r
			},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantType:   ProblemBodyTooLarge,
		},
		{
			name: "plain text",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Set("Content-Type", "text/plain")

				return r
			},
			wantStatus: http.StatusUnsupportedMediaType,
			wantType:   ProblemUnsupportedMedia,
		},
		{
			name: "content type missing",
			request: func() *http.Request {
				r := webhookRequest("lms", completedBody)
				r.Header.Del("Content-Type")

				return r
			},
			wantStatus: http.StatusUnsupportedMediaType,
			wantType:   ProblemUnsupportedMedia,
		},
		{
			name:       "invalid event",
			request:    func() *http.Request { return webhookRequest("lms", `{"eventType": "course.completed"}`) },
			wantStatus: http.StatusUnprocessableEntity,
			wantType:   ProblemInvalidEvent,
			wantDead:   1,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, 1, func(c *Config) { c.MaxBodyBytes = maxBody })

			rec := s.serve(tc.request())

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantType != "" {
				p := decodeProblem(t, rec)
				if p.Type != tc.wantType {
					t.Errorf("problem type = %q, want %q", p.Type, tc.wantType)
				}
				if p.Status != tc.wantStatus {
					t.Errorf("problem status = %d, want %d", p.Status, tc.wantStatus)
				}
				if p.Title != http.StatusText(tc.wantStatus) {
					t.Errorf("problem title = %q, want %q", p.Title, http.StatusText(tc.wantStatus))
				}
			}
			if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != tc.wantMain {
				t.Errorf("main topic holds %d records, want %d", got, tc.wantMain)
			}
			if got := len(readRecords(t, s.brokers, s.cfg.DeadLetterTopic)); got != tc.wantDead {
				t.Errorf("dead-letter topic holds %d records, want %d", got, tc.wantDead)
			}
		})
	}
}

// TestWebhookAcceptedRecord checks the 202 response and the record that
// reached the main topic: key, CloudEvents value and headers.
func TestWebhookAcceptedRecord(t *testing.T) {
	s := newTestServer(t, 1, nil)

	rec := s.serve(webhookRequest("lms", completedBody))

	if rec.Code != http.StatusAccepted {
		t.Fatalf("status = %d, want 202 (body %s)", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != contentTypeJSON {
		t.Errorf("Content-Type = %q, want %q", got, contentTypeJSON)
	}
	if got, want := rec.Body.String(), `{"eventId":"d2c1a7e0-0001","status":"accepted","accepted":1}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}

	records := readRecords(t, s.brokers, s.cfg.Topic)
	if len(records) != 1 {
		t.Fatalf("main topic holds %d records, want 1", len(records))
	}
	record := records[0]
	if got, want := string(record.Key), "EMP12345|LMS-SAFETY-101"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}

	var value map[string]any
	if err := json.Unmarshal(record.Value, &value); err != nil {
		t.Fatalf("decode value %s: %v", record.Value, err)
	}
	wantValue := map[string]any{
		"specversion":     "1.0",
		"id":              "d2c1a7e0-0001",
		"source":          "arenasync/lms",
		"type":            "course.completed",
		"subject":         "EMP12345|LMS-SAFETY-101",
		"time":            "2025-01-20T10:00:00.000Z",
		"datacontenttype": "application/json",
		"data": map[string]any{
			"eventId":        "d2c1a7e0-0001",
			"eventType":      "course.completed",
			"source":         "lms",
			"employeeId":     "EMP12345",
			"courseId":       "LMS-SAFETY-101",
			"completionDate": "2025-01-19T14:30:00Z",
			"status":         "COMPLETED",
			"score":          95.0,
		},
	}
	assertJSONEqual(t, "value", value, wantValue)

	wantHeaders := map[string]string{
		pipeline.HeaderEventID:    "d2c1a7e0-0001",
		pipeline.HeaderEventType:  "course.completed",
		pipeline.HeaderSource:     "lms",
		pipeline.HeaderAcceptedAt: "2025-01-20T10:00:00.000Z",
		pipeline.HeaderAttempt:    "0",
	}
	assertJSONEqual(t, "headers", headerMap(record.Headers), wantHeaders)

	env, err := pipeline.DecodeRecord(record)
	if err != nil {
		t.Fatalf("DecodeRecord: %v", err)
	}
	if !env.Meta.AcceptedAt.Equal(testNow) {
		t.Errorf("accepted at = %s, want %s", env.Meta.AcceptedAt, testNow)
	}
}

// TestWebhookInvalidEvent checks every member of the 422 problem and the
// dead letter that keeps the raw body.
func TestWebhookInvalidEvent(t *testing.T) {
	s := newTestServer(t, 1, nil)
	body := `{"eventId": "evt-422", "eventType": "course.completed", "employeeId": "",
 "courseId": "C|1", "completionDate": "yesterday", "status": "DONE", "score": "n/a"}`

	rec := s.serve(webhookRequest("lms", body))

	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422 (body %s)", rec.Code, rec.Body)
	}
	wantErrors := []pipeline.FieldError{
		{Field: "employeeId", Message: "must not be empty"},
		{Field: "courseId", Message: `must not contain "|", which separates employee and course in record keys`},
		{Field: "completionDate", Message: `"yesterday" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`},
		{Field: "status", Message: `must be "COMPLETED" on a course.completed event, got "DONE"`},
		{Field: "score", Message: `must be a number or a numeric string such as "85" or "85%", got "n/a"`},
	}
	wantDetail := (&pipeline.ValidationError{EventID: "evt-422", Fields: wantErrors}).Error()
	want := Problem{
		Type:    ProblemInvalidEvent,
		Title:   "Unprocessable Entity",
		Status:  http.StatusUnprocessableEntity,
		Detail:  wantDetail,
		EventID: "evt-422",
		Errors:  wantErrors,
	}
	assertJSONEqual(t, "problem", decodeProblem(t, rec), want)

	letters := readRecords(t, s.brokers, s.cfg.DeadLetterTopic)
	if len(letters) != 1 {
		t.Fatalf("dead-letter topic holds %d records, want 1", len(letters))
	}
	if got := string(letters[0].Value); got != body {
		t.Errorf("dead-letter value = %q, want the raw body %q", got, body)
	}
	headers := headerMap(letters[0].Headers)
	wantHeaders := map[string]string{
		pipeline.HeaderReason:       "invalid_payload",
		pipeline.HeaderErrorClass:   "invalid_payload",
		pipeline.HeaderErrorMessage: wantDetail,
		pipeline.HeaderSource:       "lms",
		pipeline.HeaderAcceptedAt:   "2025-01-20T10:00:00.000Z",
		pipeline.HeaderEventID:      "evt-422",
	}
	assertJSONEqual(t, "dead-letter headers", headers, wantHeaders)
	if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != 0 {
		t.Errorf("main topic holds %d records, want 0", got)
	}
}

// TestWebhookMalformedDeadLetter checks that a body that is not JSON is kept
// as sent, with the parse error in the headers.
func TestWebhookMalformedDeadLetter(t *testing.T) {
	s := newTestServer(t, 1, nil)
	body := "not json at all"

	rec := s.serve(webhookRequest("lms", body))

	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400 (body %s)", rec.Code, rec.Body)
	}
	p := decodeProblem(t, rec)
	letters := readRecords(t, s.brokers, s.cfg.DeadLetterTopic)
	if len(letters) != 1 {
		t.Fatalf("dead-letter topic holds %d records, want 1", len(letters))
	}
	if got := string(letters[0].Value); got != body {
		t.Errorf("dead-letter value = %q, want %q", got, body)
	}
	headers := headerMap(letters[0].Headers)
	if got := headers[pipeline.HeaderReason]; got != "invalid_payload" {
		t.Errorf("reason header = %q, want invalid_payload", got)
	}
	if got := headers[pipeline.HeaderErrorMessage]; got != p.Detail {
		t.Errorf("error message header = %q, want the problem detail %q", got, p.Detail)
	}
}

// TestWebhookProblemHeaders checks the headers that go with 401 and 405.
func TestWebhookProblemHeaders(t *testing.T) {
	s := startServer(t, Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken})

	cases := []struct {
		name   string
		method string
		auth   string
		header string
		want   string
	}{
		{name: "401 challenge", method: http.MethodPost, auth: "", header: "WWW-Authenticate", want: `Bearer realm="arenasync"`},
		{name: "405 allow", method: http.MethodPut, auth: "Bearer " + testToken, header: "Allow", want: http.MethodPost},
		{name: "request id generated", method: http.MethodPut, auth: "", header: "X-Request-ID", want: "32 hex digits"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/v1/webhooks/lms", strings.NewReader(completedBody))
			r.Header.Set("Authorization", tc.auth)

			rec := s.serve(r)

			got := rec.Header().Get(tc.header)
			if tc.want == "32 hex digits" {
				if len(got) != 32 || strings.Trim(got, "0123456789abcdef") != "" {
					t.Errorf("%s = %q, want 32 hex digits", tc.header, got)
				}

				return
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

// TestWebhookRequestIDEchoed checks that a client's request id comes back.
func TestWebhookRequestIDEchoed(t *testing.T) {
	s := startServer(t, Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken})
	r := webhookRequest("lms", completedBody)
	r.Header.Set("Authorization", "")
	r.Header.Set(headerRequestID, "lms-delivery-77")

	rec := s.serve(r)

	if got := rec.Header().Get(headerRequestID); got != "lms-delivery-77" {
		t.Errorf("X-Request-ID = %q, want %q", got, "lms-delivery-77")
	}
}

// TestWebhookUnknownSourceNamesSources checks that a 404 lists the sources.
func TestWebhookUnknownSourceNamesSources(t *testing.T) {
	s := startServer(t, Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken},
		WithSource("talentlms", func([]byte) ([]pipeline.Event, error) { return nil, nil }))

	rec := s.serve(webhookRequest("moodle", completedBody))

	p := decodeProblem(t, rec)
	want := Problem{
		Type:    ProblemUnknownSource,
		Title:   "Not Found",
		Status:  http.StatusNotFound,
		Detail:  `source "moodle" is not registered: use one of lms, talentlms`,
		Sources: []string{"lms", "talentlms"},
	}
	assertJSONEqual(t, "problem", p, want)
}

// assertJSONEqual compares got and want by their JSON encodings.
func assertJSONEqual(t *testing.T, subject string, got, want any) {
	t.Helper()

	gotJSON, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("encode %s: %v", subject, err)
	}
	wantJSON, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("encode wanted %s: %v", subject, err)
	}
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("%s =\n  %s\nwant\n  %s", subject, gotJSON, wantJSON)
	}
}
