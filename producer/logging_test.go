package producer

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestLogsNeverContainToken checks every log entry of accepted, rejected and
// failed requests for the ingest token.
func TestLogsNeverContainToken(t *testing.T) {
	s := newTestServer(t, 1, nil)
	wrong := webhookRequest("lms", completedBody)
	wrong.Header.Set("Authorization", "Bearer "+testToken+"-old")
	invalid := webhookRequest("lms", `{"eventType": "course.completed"}`)

	for _, r := range []*http.Request{webhookRequest("lms", completedBody), wrong, invalid} {
		s.serve(r)
	}

	if s.logs.Len() == 0 {
		t.Fatal("no log entries recorded")
	}
	for _, entry := range s.logs.All() {
		line := entry.Message + " " + fmt.Sprint(entry.ContextMap())
		if strings.Contains(line, testToken) {
			t.Errorf("log entry contains the token: %s", line)
		}
	}
}

// TestRejectionLogFields checks the Warn entry of a rejected request.
func TestRejectionLogFields(t *testing.T) {
	s := newTestServer(t, 1, nil)
	r := webhookRequest("lms", `{"eventId": "evt-9", "eventType": "course.completed"}`)
	r.Header.Set(headerRequestID, "req-9")

	s.serve(r)

	entries := s.logs.FilterMessage("webhook rejected").All()
	if len(entries) != 1 {
		t.Fatalf("logged %d rejections, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	want := map[string]any{
		keyStatus:     int64(http.StatusUnprocessableEntity),
		keyReason:     "invalid_event",
		keyEventID:    "evt-9",
		keyRequestID:  "req-9",
		keyRemoteAddr: "192.0.2.1:1234",
		keySource:     "lms",
	}
	for key, value := range want {
		if fields[key] != value {
			t.Errorf("field %s = %#v, want %#v", key, fields[key], value)
		}
	}
	if entries[0].Level.String() != "warn" {
		t.Errorf("level = %s, want warn", entries[0].Level)
	}
}
