package arena

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func sessionConfig(baseURL string) Config {
	cfg := testConfig(baseURL)
	cfg.AuthMode = AuthModeSession
	return cfg
}

func TestSessionModeSendsSessionHeader(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	client := newTestClient(t, sessionConfig(url))

	if _, err := client.GetUser(testContext(t), "req-1", "EMP1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}

	stats := sim.Stats()
	if stats.SessionLogins != 1 || stats.Logins != 0 {
		t.Errorf("session logins = %d, token logins = %d; want 1 and 0", stats.SessionLogins, stats.Logins)
	}
	if err := client.CheckScopes(testContext(t)); err != nil {
		t.Errorf("CheckScopes in session mode = %v, want nil", err)
	}
}

func TestSessionModeLogsInAgainAfterIdleExpiry(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{SessionIdleTimeout: 200 * time.Millisecond})
	client := newTestClient(t, sessionConfig(url))

	if _, err := client.GetUser(testContext(t), "req-1", "EMP1"); err != nil {
		t.Fatalf("first GetUser: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := client.GetUser(testContext(t), "req-2", "EMP1"); err != nil {
		t.Fatalf("GetUser after the session ended: %v", err)
	}

	stats := sim.Stats()
	if stats.SessionLogins != 2 {
		t.Errorf("session logins = %d, want 2", stats.SessionLogins)
	}
	if stats.RejectedUnauthorized != 1 {
		t.Errorf("calls rejected for an ended session = %d, want 1", stats.RejectedUnauthorized)
	}
}

func TestSessionTokenExpiresAfterIdleTimeout(t *testing.T) {
	_, url := testSim(t, arenasim.Config{})
	cfg := sessionConfig(url)
	cfg.SessionIdleTimeout = 30 * time.Minute
	client := newTestClient(t, cfg)

	token, err := client.FetchToken(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := token.ExpiresAt.Sub(token.IssuedAt); got != 30*time.Minute {
		t.Errorf("session lifetime = %s, want 30m", got)
	}
	if token.TokenType != "Session" || len(token.Scopes) != 0 {
		t.Errorf("session token type %q with scopes %v, want Session without scopes", token.TokenType, token.Scopes)
	}
}

func TestSessionLoginRejectsWrongPassword(t *testing.T) {
	_, url := testSim(t, arenasim.Config{})
	cfg := sessionConfig(url)
	cfg.ClientSecret = "wrong"
	client := newTestClient(t, cfg)

	_, err := client.FetchToken(testContext(t))
	arenaErr, ok := AsError(err)
	if !ok || arenaErr.Op != EndpointLogin || arenaErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("FetchToken = %v, want a 401 *Error of the login endpoint", err)
	}
}

// recordingGuard admits every call and records what it saw.
type recordingGuard struct {
	mu        sync.Mutex
	admitted  []Endpoint
	results   []int
	rejectErr error
}

func (g *recordingGuard) Admit(_ context.Context, endpoint Endpoint) (func(CallInfo), error) {
	if g.rejectErr != nil {
		return nil, g.rejectErr
	}
	g.mu.Lock()
	g.admitted = append(g.admitted, endpoint)
	g.mu.Unlock()
	return func(info CallInfo) {
		g.mu.Lock()
		g.results = append(g.results, info.StatusCode)
		g.mu.Unlock()
	}, nil
}

func TestCallGuardSeesEveryExchange(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	guard := &recordingGuard{}
	client := newTestClient(t, testConfig(url), WithCallGuard(guard))

	sim.FailNext(arenasim.EndpointGetUser, http.StatusUnauthorized, 1)
	if _, err := client.GetUser(testContext(t), "req-1", "EMP1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}

	wantEndpoints := []Endpoint{EndpointToken, EndpointGetUser, EndpointToken, EndpointGetUser}
	wantResults := []int{200, 401, 200, 200}
	if len(guard.admitted) != len(wantEndpoints) {
		t.Fatalf("admitted %v, want %v", guard.admitted, wantEndpoints)
	}
	for i := range wantEndpoints {
		if guard.admitted[i] != wantEndpoints[i] || guard.results[i] != wantResults[i] {
			t.Errorf("exchange %d: %s with status %d, want %s with %d", i, guard.admitted[i], guard.results[i], wantEndpoints[i], wantResults[i])
		}
	}
}

func TestCallGuardRejectionSendsNothing(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	client := newTestClient(t, testConfig(url), WithCallGuard(&recordingGuard{rejectErr: errors.New("paused for 30s")}))

	_, err := client.GetUser(testContext(t), "req-1", "EMP1")
	if !errors.Is(err, ErrNotAdmitted) {
		t.Fatalf("GetUser = %v, want an error wrapping ErrNotAdmitted", err)
	}
	if !IsRetryable(err) {
		t.Error("a call the guard did not admit is not retryable, want retryable")
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("simulator received %d requests, want 0", n)
	}
}
