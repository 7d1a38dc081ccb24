package arenasim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startSim starts sim on 127.0.0.1 and stops it when the test ends.
func startSim(t *testing.T, sim *arenasim.Sim) string {
	t.Helper()
	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatalf("StartLocal: %v", err)
	}
	t.Cleanup(stop)
	return url
}

// response is an HTTP response with its body read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorBody(t *testing.T) arenasim.ErrorBody {
	t.Helper()
	var body arenasim.ErrorBody
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	return body
}

// request describes one raw HTTP call. send sets the JSON headers unless
// noJSONHeaders is true.
type request struct {
	method        string
	path          string
	body          string
	token         string
	header        map[string]string
	noJSONHeaders bool
}

func send(t *testing.T, baseURL string, req request) response {
	t.Helper()

	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	httpReq, err := http.NewRequest(req.method, baseURL+req.path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if !req.noJSONHeaders {
		httpReq.Header.Set("Content-Type", "application/json")
		httpReq.Header.Set("Accept", "application/json")
	}
	if req.token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		httpReq.Header.Set(k, v)
	}

	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// login returns a token of the default client.
func login(t *testing.T, baseURL string) string {
	t.Helper()

	resp := send(t, baseURL, request{
		method: http.MethodPost,
		path:   arenasim.PathToken,
		body:   `{"client_id":"arenasync","client_secret":"secret"}`,
	})
	if resp.status != http.StatusOK {
		t.Fatalf("login status = %d, body %s", resp.status, resp.body)
	}

	var token arenasim.TokenResponse
	if err := json.Unmarshal(resp.body, &token); err != nil {
		t.Fatalf("token body: %v", err)
	}
	return token.AccessToken
}

func scorePtr(v float64) *float64 { return &v }
