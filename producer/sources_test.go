package producer

import (
	"errors"
	"net/http"
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

// TestWithSourceBatch checks a registered source whose bodies hold two
// events: both are written and the response lists both ids.
func TestWithSourceBatch(t *testing.T) {
	batch := func([]byte) ([]pipeline.Event, error) {
		return []pipeline.Event{
			{ID: "b-1", Type: pipeline.CourseEnrolled, Source: "batchlms", EmployeeID: "E1", CourseID: "C1"},
			{ID: "b-2", Type: pipeline.CourseEnrolled, Source: "batchlms", EmployeeID: "E2", CourseID: "C2"},
		}, nil
	}
	s := newTestServer(t, 1, nil, WithSource("batchlms", batch))

	rec := s.serve(webhookRequest("batchlms", `{}`))

	if rec.Code != http.StatusAccepted {
		t.Fatalf("status = %d, want 202 (body %s)", rec.Code, rec.Body)
	}
	want := `{"eventId":"b-1","status":"accepted","accepted":2,"eventIds":["b-1","b-2"]}` + "\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	records := readRecords(t, s.brokers, s.cfg.Topic)
	if len(records) != 2 {
		t.Fatalf("main topic holds %d records, want 2", len(records))
	}
	for i, wantKey := range []string{"E1|C1", "E2|C2"} {
		if got := string(records[i].Key); got != wantKey {
			t.Errorf("record %d key = %q, want %q", i, got, wantKey)
		}
	}
}

// TestWithSourceInvalid checks that New rejects a bad source registration.
func TestWithSourceInvalid(t *testing.T) {
	parse := func([]byte) ([]pipeline.Event, error) { return nil, nil }
	cases := []struct {
		name   string
		source string
		parse  Parser
	}{
		{name: "empty name", source: "", parse: parse},
		{name: "slash in name", source: "a/b", parse: parse},
		{name: "upper case", source: "Moodle", parse: parse},
		{name: "nil parser", source: "moodle", parse: nil},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken}, nil, nil, WithSource(tc.source, tc.parse))

			if !errors.Is(err, ErrInvalidSource) {
				t.Errorf("New error = %v, want ErrInvalidSource", err)
			}
		})
	}
}
