package producer

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arenasync/arenasync/internal/testenv"
)

// TestReadyz checks /readyz against a running broker, a closed port and a
// topic that does not exist.
func TestReadyz(t *testing.T) {
	cases := []struct {
		name       string
		server     func(*testing.T) *testServer
		wantStatus int
		// wantDetail is a part of the 503 detail.
		wantDetail string
	}{
		{
			name:       "broker up",
			server:     func(t *testing.T) *testServer { return newTestServer(t, 1, nil) },
			wantStatus: http.StatusOK,
		},
		{
			name: "closed port",
			server: func(t *testing.T) *testServer {
				return startServer(t, Config{Brokers: []string{testenv.FreeAddr(t)}, IngestToken: testToken})
			},
			wantStatus: http.StatusServiceUnavailable,
			wantDetail: "did not respond",
		},
		{
			name: "dead-letter topic missing",
			server: func(t *testing.T) *testServer {
				brokers := testenv.KafkaBrokers(t)
				topic := testenv.UniqueName(t, "ready")
				testenv.CreateTopic(t, brokers, topic, 1)

				return startServer(t, Config{Brokers: brokers, Topic: topic, IngestToken: testToken})
			},
			wantStatus: http.StatusServiceUnavailable,
			wantDetail: ".dlt:",
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.server(t)

			rec := s.serve(httptest.NewRequest(http.MethodGet, "/readyz", nil))

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == http.StatusOK {
				if got, want := rec.Body.String(), `{"status":"ready"}`+"\n"; got != want {
					t.Errorf("body = %q, want %q", got, want)
				}

				return
			}
			p := decodeProblem(t, rec)
			if p.Type != ProblemNotReady {
				t.Errorf("problem type = %q, want %q", p.Type, ProblemNotReady)
			}
			if !strings.Contains(p.Detail, tc.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tc.wantDetail)
			}
			if n := s.logs.FilterMessage("ingest is not ready").Len(); n != 1 {
				t.Errorf("logged %d not-ready warnings, want 1", n)
			}
		})
	}
}

// TestReadyzCachesResult checks that /readyz reuses a result within
// ReadinessInterval and checks again after it: the topics are created
// between the probes, so only a new check finds them.
func TestReadyzCachesResult(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	topic := testenv.UniqueName(t, "ready")
	var clock atomic.Int64
	clock.Store(testNow.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	s := startServer(t, Config{Brokers: brokers, Topic: topic, IngestToken: testToken, ReadinessInterval: time.Minute}, WithClock(now))
	probe := func() int { return s.serve(httptest.NewRequest(http.MethodGet, "/readyz", nil)).Code }

	if got := probe(); got != http.StatusServiceUnavailable {
		t.Fatalf("status before the topics exist = %d, want 503", got)
	}
	testenv.CreateTopic(t, brokers, topic, 1)
	testenv.CreateTopic(t, brokers, topic+DeadLetterSuffix, 1)

	clock.Add(int64(59 * time.Second))
	if got := probe(); got != http.StatusServiceUnavailable {
		t.Errorf("status within the interval = %d, want the cached 503", got)
	}

	clock.Add(int64(time.Second))
	if got := probe(); got != http.StatusOK {
		t.Errorf("status after the interval = %d, want 200", got)
	}
	if n := s.logs.FilterMessage("ingest is ready: Kafka serves the ingest topics").Len(); n != 1 {
		t.Errorf("logged %d ready messages, want 1", n)
	}
}

// TestHealthz checks that /healthz returns 200 without contacting Kafka.
func TestHealthz(t *testing.T) {
	s := startServer(t, Config{Brokers: []string{testenv.FreeAddr(t)}, IngestToken: testToken})

	rec := s.serve(httptest.NewRequest(http.MethodGet, "/healthz", nil))

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if got, want := rec.Body.String(), `{"status":"ok"}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}
