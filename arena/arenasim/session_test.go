package arenasim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

// sessionLogin starts a session and returns its id.
func sessionLogin(t *testing.T, url, email, password string) (string, int) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest(http.MethodPost, url+arenasim.PathLogin, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	var login arenasim.LoginResponse
	_ = json.NewDecoder(resp.Body).Decode(&login)
	return login.SessionID, resp.StatusCode
}

// getUserWithSession calls GET /users/EMP1 with a session id.
func getUserWithSession(t *testing.T, url, sessionID string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v1/users/EMP1", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set(arenasim.DefaultSessionHeader, sessionID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSessionRules(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{SessionIdleTimeout: 300 * time.Millisecond}, nil)
	sim.AddEmployee("EMP1", "Ada")
	url := startSim(t, sim)

	if _, status := sessionLogin(t, url, arenasim.DefaultClientID, "wrong"); status != http.StatusUnauthorized {
		t.Errorf("login with a wrong password = %d, want 401", status)
	}

	first, status := sessionLogin(t, url, arenasim.DefaultClientID, arenasim.DefaultClientSecret)
	if status != http.StatusOK || first == "" {
		t.Fatalf("login = %d with session %q, want 200 and an id", status, first)
	}
	if got := getUserWithSession(t, url, first); got != http.StatusOK {
		t.Errorf("call with the session = %d, want 200", got)
	}

	second, _ := sessionLogin(t, url, arenasim.DefaultClientID, arenasim.DefaultClientSecret)
	if got := getUserWithSession(t, url, first); got != http.StatusUnauthorized {
		t.Errorf("call with a session ended by a second login = %d, want 401", got)
	}

	// Calls keep the session alive; a gap longer than the idle timeout ends it.
	for range 3 {
		time.Sleep(150 * time.Millisecond)
		if got := getUserWithSession(t, url, second); got != http.StatusOK {
			t.Fatalf("call within the idle timeout = %d, want 200", got)
		}
	}
	time.Sleep(400 * time.Millisecond)
	if got := getUserWithSession(t, url, second); got != http.StatusUnauthorized {
		t.Errorf("call after the idle timeout = %d, want 401", got)
	}

	stats := sim.Stats()
	if stats.SessionLogins != 2 || stats.LoginFailures != 1 || stats.RejectedUnauthorized != 2 {
		t.Errorf("stats: %d session logins, %d login failures, %d rejected; want 2, 1, 2", stats.SessionLogins, stats.LoginFailures, stats.RejectedUnauthorized)
	}
}

func TestQuotaExhausted(t *testing.T) {
	tests := []struct {
		name           string
		withRetryAfter bool
		wantRetryAfter bool
	}{
		{name: "without Retry-After", withRetryAfter: false, wantRetryAfter: false},
		{name: "with Retry-After", withRetryAfter: true, wantRetryAfter: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := arenasim.NewServer(arenasim.Config{}, nil)
			url := startSim(t, sim)
			sim.SetQuotaExhausted(time.Now().Add(300*time.Millisecond), tt.withRetryAfter)

			resp, err := http.Post(url+arenasim.PathLogin, "application/json", bytes.NewReader([]byte(`{}`)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("login while the quota is used up = %d, want 429", resp.StatusCode)
			}
			if got := resp.Header.Get("Retry-After") != ""; got != tt.wantRetryAfter {
				t.Errorf("Retry-After present = %v, want %v", got, tt.wantRetryAfter)
			}

			time.Sleep(350 * time.Millisecond)
			if _, status := sessionLogin(t, url, arenasim.DefaultClientID, arenasim.DefaultClientSecret); status != http.StatusOK {
				t.Errorf("login after the quota returned = %d, want 200", status)
			}
			if got := sim.Stats().QuotaRejected; got != 1 {
				t.Errorf("QuotaRejected = %d, want 1", got)
			}
		})
	}
}
