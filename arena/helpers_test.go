package arena

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

// testSim starts a simulator with employee EMP1, courses C1 and C-APPROVAL
// (which needs approval) and one ASSIGNED record TR-000001 of EMP1 in C1.
func testSim(t *testing.T, cfg arenasim.Config) (*arenasim.Sim, string) {
	t.Helper()

	sim := arenasim.NewServer(cfg, nil)
	sim.AddEmployee("EMP1", "Ada Lovelace")
	sim.AddCourse("C1", false)
	sim.AddCourse("C-APPROVAL", true)
	sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})

	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatalf("StartLocal: %v", err)
	}
	t.Cleanup(stop)
	return sim, url
}

func testConfig(baseURL string) Config {
	return Config{BaseURL: baseURL, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}
}

func newTestClient(t *testing.T, cfg Config, opts ...Option) *Client {
	t.Helper()
	client, err := New(cfg, nil, nil, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return client
}

// closedPortURL returns the URL of a loopback port that nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := listener.Addr().String()
	if err := listener.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return "http://" + addr
}

// staticTokenSource always returns the same token and counts invalidations.
type staticTokenSource struct {
	token       Token
	invalidated int
}

func (s *staticTokenSource) Token(context.Context) (Token, error) { return s.token, nil }

func (s *staticTokenSource) Invalidate(context.Context, Token) { s.invalidated++ }

func scorePtr(v float64) *float64 { return &v }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
