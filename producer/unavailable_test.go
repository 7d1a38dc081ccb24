package producer

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arenasync/arenasync/internal/testenv"
)

// TestWebhookKafkaUnavailable checks that a write Kafka cannot take is
// rejected with 503 and Retry-After before the request deadline, also when it
// is the dead-letter write of an invalid body.
func TestWebhookKafkaUnavailable(t *testing.T) {
	const requestTimeout = 3 * time.Second

	closedPort := func(t *testing.T) Config {
		return Config{Brokers: []string{testenv.FreeAddr(t)}}
	}
	silentBroker := func(t *testing.T) Config {
		return Config{Brokers: []string{silentListener(t)}, WriteTimeout: time.Second}
	}
	missingTopic := func(t *testing.T) Config {
		return Config{Brokers: testenv.KafkaBrokers(t), Topic: testenv.UniqueName(t, "missing")}
	}

	cases := []struct {
		name   string
		config func(*testing.T) Config
		body   string
	}{
		{name: "closed port", config: closedPort, body: completedBody},
		{name: "closed port, dead letter", config: closedPort, body: `{"eventType": "course.completed"}`},
		{name: "closed port, malformed", config: closedPort, body: `[1, 2]`},
		{name: "silent broker", config: silentBroker, body: completedBody},
		{name: "silent broker, dead letter", config: silentBroker, body: `{"eventType": "course.completed"}`},
		{name: "missing topic", config: missingTopic, body: completedBody},
		{name: "missing topic, dead letter", config: missingTopic, body: `{"eventType": "course.completed"}`},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.config(t)
			cfg.IngestToken = testToken
			cfg.RequestTimeout = requestTimeout
			cfg.RetryAfter = 7 * time.Second
			s := startServer(t, cfg)

			start := time.Now()
			rec := s.serve(webhookRequest("lms", tc.body))
			elapsed := time.Since(start)

			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status = %d, want 503 (body %s)", rec.Code, rec.Body)
			}
			if got := rec.Header().Get("Retry-After"); got != "7" {
				t.Errorf("Retry-After = %q, want %q", got, "7")
			}
			if p := decodeProblem(t, rec); p.Type != ProblemKafkaUnavailable {
				t.Errorf("problem type = %q, want %q", p.Type, ProblemKafkaUnavailable)
			}
			if elapsed > requestTimeout {
				t.Errorf("responded after %s, want within the request timeout %s", elapsed, requestTimeout)
			}
			if n := s.logs.FilterMessage("Kafka write failed").Len(); n != 1 {
				t.Errorf("logged %d Kafka write errors, want 1", n)
			}
		})
	}
}

// silentListener returns the address of a loopback listener that accepts
// connections and never responds, like a broker that hangs.
func silentListener(t *testing.T) string {
	t.Helper()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	var conns []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = listener.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			_ = conn.Close()
		}
	})

	return listener.Addr().String()
}

// TestWebhookBodyTooLargeForBroker checks that an invalid body the broker
// rejects as too large for the dead-letter topic gets 413, because a
// retry of the same body cannot succeed. It relies on the broker's default
// message.max.bytes of 1048588 bytes, which a 1 MiB body plus headers exceeds.
func TestWebhookBodyTooLargeForBroker(t *testing.T) {
	s := newTestServer(t, 1, func(c *Config) { c.MaxBodyBytes = 2 << 20 })
	prefix, suffix := `{"eventType": "course.completed", "pad": "`, `"}`
	body := prefix + strings.Repeat("x", 1<<20-len(prefix)-len(suffix)) + suffix

	rec := s.serve(webhookRequest("lms", body))

	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413 (body %s)", rec.Code, rec.Body)
	}
	if p := decodeProblem(t, rec); p.Type != ProblemBodyTooLarge {
		t.Errorf("problem type = %q, want %q", p.Type, ProblemBodyTooLarge)
	}
	if rec.Header().Get("Retry-After") != "" {
		t.Errorf("Retry-After = %q, want none", rec.Header().Get("Retry-After"))
	}
}
