package producer

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

// TestIgnoredDelivery checks that an ignored delivery gets 200 with the
// reason and writes nothing to Kafka.
func TestIgnoredDelivery(t *testing.T) {
	s := newTestServer(t, 1, nil, WithRequestSource("signed", headerParser))

	rec := s.serve(webhookRequest("signed", `{"type": "ignore"}`))

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
	}
	want := `{"status":"ignored","reason":"event_type","detail":"event ignore is not handled","accepted":0}` + "\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != 0 {
		t.Errorf("main topic holds %d records, want 0", got)
	}
	if got := len(readRecords(t, s.brokers, s.cfg.DeadLetterTopic)); got != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", got)
	}
}

// TestUnavailableDependency checks that a parser whose lookup failed gets
// 503 with Retry-After and no dead letter, so the LMS sends it again.
func TestUnavailableDependency(t *testing.T) {
	failing := func([]byte) ([]pipeline.Event, error) {
		return nil, fmt.Errorf("%w: look up LMS user 4410: connection refused", pipeline.ErrUnavailable)
	}
	s := newTestServer(t, 1, nil, WithSource("lookup", failing))

	rec := s.serve(webhookRequest("lookup", `{}`))

	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503 (body %s)", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want 5", got)
	}
	if p := decodeProblem(t, rec); p.Type != ProblemSourceUnavailable {
		t.Errorf("problem type = %q, want %q", p.Type, ProblemSourceUnavailable)
	}
	if got := len(readRecords(t, s.brokers, s.cfg.DeadLetterTopic)); got != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", got)
	}
}

// TestSourceBodyLimit checks that a source's own limit applies to it alone.
func TestSourceBodyLimit(t *testing.T) {
	s := newTestServer(t, 1, nil, WithSource("small", fixedParser("s-1")), WithSourceBodyLimit("small", 64))
	body := `{"padding": "` + strings.Repeat("x", 60) + `"}`

	cases := []struct {
		name       string
		source     string
		body       string
		wantStatus int
	}{
		{name: "within limit", source: "small", body: `{}`, wantStatus: http.StatusAccepted},
		{name: "above source limit", source: "small", body: body, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "other source keeps the global limit", source: "lms", body: strings.Replace(completedBody, "}", `, "padding": "`+strings.Repeat("x", 60)+`"}`, 1), wantStatus: http.StatusAccepted},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.serve(webhookRequest(tc.source, tc.body))

			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
		})
	}
}

// TestSourceSettingsInvalid checks that New rejects settings it cannot
// apply.
func TestSourceSettingsInvalid(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
	}{
		{name: "limit above MaxBodyBytes", opts: []Option{WithSource("small", fixedParser("x")), WithSourceBodyLimit("small", DefaultMaxBodyBytes+1)}},
		{name: "negative limit", opts: []Option{WithSource("small", fixedParser("x")), WithSourceBodyLimit("small", -1)}},
		{name: "settings without parser", opts: []Option{WithSourceBodyLimit("nosuchlms", 10)}},
		{name: "nil request parser", opts: []Option{WithRequestSource("signed", nil)}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: testToken}, nil, nil, tc.opts...)

			if !errors.Is(err, ErrInvalidSource) {
				t.Errorf("New error = %v, want ErrInvalidSource", err)
			}
		})
	}
}
