package producer

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/internal/testenv"
)

// TestRunServesAndStops checks that Run serves over TCP, stops when its
// context ends and logs each step.
func TestRunServesAndStops(t *testing.T) {
	s := newTestServer(t, 1, func(c *Config) { c.Addr = testenv.FreeAddr(t) })
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	base := "http://" + s.cfg.Addr
	waitHealthy(t, base)

	resp := postWebhook(t, base, completedBody)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("webhook status = %d, want 202", resp.StatusCode)
	}

	cancel()
	checkRunStopped(t, s, ran)

	for _, msg := range []string{"ingest listening", "ingest shutting down", "ingest HTTP server stopped", "ingest Kafka writer closed"} {
		if n := s.logs.FilterMessage(msg).Len(); n != 1 {
			t.Errorf("logged %q %d times, want 1", msg, n)
		}
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still responds after Run returned")
	}
}

// TestRunShutdownWaitsForRequests checks that a request in flight at
// shutdown gets its response, and that Run reports a shutdown that ran out of
// time.
func TestRunShutdownWaitsForRequests(t *testing.T) {
	cases := []struct {
		name            string
		shutdownTimeout time.Duration
		wantStatus      int
		wantErr         error
	}{
		{name: "response in time", shutdownTimeout: 5 * time.Second, wantStatus: http.StatusServiceUnavailable},
		{name: "shutdown timeout", shutdownTimeout: 100 * time.Millisecond, wantErr: context.DeadlineExceeded},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			broker := silentListener(t)
			s := startServer(t, Config{
				Addr:            testenv.FreeAddr(t),
				Brokers:         []string{broker},
				IngestToken:     testToken,
				WriteTimeout:    time.Second,
				ShutdownTimeout: tc.shutdownTimeout,
			})
			ctx, cancel := context.WithCancel(context.Background())
			ran := make(chan error, 1)
			go func() { ran <- s.Run(ctx) }()
			base := "http://" + s.cfg.Addr
			waitHealthy(t, base)

			response := make(chan *http.Response, 1)
			go func() { response <- postWebhookOrNil(base, completedBody) }()
			// The write to the silent broker takes WriteTimeout. Cancel while
			// the request waits for it.
			time.Sleep(300 * time.Millisecond)
			cancel()

			resp := <-response
			err := <-ran

			if tc.wantErr == nil {
				if resp == nil || resp.StatusCode != tc.wantStatus {
					t.Errorf("in-flight response = %v, want status %d", resp, tc.wantStatus)
				}
				if err != nil {
					t.Errorf("Run = %v, want nil", err)
				}

				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Run = %v, want an error wrapping %v", err, tc.wantErr)
			}
		})
	}
}

// checkRunStopped fails the test unless Run returns nil within
// ShutdownTimeout and five seconds after its context ended.
func checkRunStopped(t *testing.T, s *testServer, ran <-chan error) {
	t.Helper()

	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(s.cfg.ShutdownTimeout + 5*time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// waitHealthy polls /healthz until it returns 200.
func waitHealthy(t *testing.T, base string) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not respond 200 within 5s", base)
}

// postWebhook sends a webhook over HTTP and fails the test on a transport
// error.
func postWebhook(t *testing.T, base, body string) *http.Response {
	t.Helper()

	resp := postWebhookOrNil(base, body)
	if resp == nil {
		t.Fatalf("POST %s failed", base)
	}

	return resp
}

// postWebhookOrNil sends a webhook over HTTP and returns nil when the
// request fails before a response.
func postWebhookOrNil(base, body string) *http.Response {
	r, err := http.NewRequest(http.MethodPost, base+"/v1/webhooks/lms", strings.NewReader(body))
	if err != nil {
		return nil
	}
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set("Content-Type", "application/json")

	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return nil
	}
	_ = resp.Body.Close()

	return resp
}

// TestRunSlowBodyTimesOut checks that a body that stops arriving gets 408
// at the request deadline instead of holding the request open.
func TestRunSlowBodyTimesOut(t *testing.T) {
	const requestTimeout = time.Second
	s := startServer(t, Config{
		Addr:           testenv.FreeAddr(t),
		Brokers:        []string{"127.0.0.1:1"},
		IngestToken:    testToken,
		RequestTimeout: requestTimeout,
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ran
	})
	waitHealthy(t, "http://"+s.cfg.Addr)

	conn, err := net.Dial("tcp", s.cfg.Addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	start := time.Now()
	head := "POST /v1/webhooks/lms HTTP/1.1\r\nHost: ingest\r\nAuthorization: Bearer " + testToken +
		"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"eventId\":"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatalf("write: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))

	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status = %d, want 408", resp.StatusCode)
	}
	if elapsed := time.Since(start); elapsed > requestTimeout+time.Second {
		t.Errorf("responded after %s, want about the request timeout %s", elapsed, requestTimeout)
	}
}
