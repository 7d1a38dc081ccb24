package arena

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestClientCallsSucceed(t *testing.T) {
	tests := []struct {
		name     string
		call     func(ctx context.Context, c *Client) (any, error)
		want     any
		endpoint arenasim.Endpoint
	}{
		{
			name: "create record",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateRecord(ctx, "evt-1", CreateRecordRequest{EmployeeID: "EMP1", CourseID: "C1", DueDate: "2025-03-01"})
			},
			want:     Record{ID: "TR-000002", EmployeeID: "EMP1", CourseID: "C1", Status: StatusAssigned, DueDate: "2025-03-01"},
			endpoint: arenasim.EndpointCreateRecord,
		},
		{
			name: "get record",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetRecord(ctx, "evt-1", "TR-000001")
			},
			want:     Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "C1", Status: StatusAssigned},
			endpoint: arenasim.EndpointGetRecord,
		},
		{
			name: "complete record",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CompleteRecord(ctx, "evt-1", "TR-000001", CompleteRequest{EmployeeID: "EMP1", CompletionDate: "2025-01-19T14:30:00Z", Score: scorePtr(95)})
			},
			want:     Record{ID: "TR-000001", EmployeeID: "EMP1", CourseID: "C1", Status: StatusCompleted, CompletionDate: "2025-01-19T14:30:00Z", Score: scorePtr(95)},
			endpoint: arenasim.EndpointCompleteRecord,
		},
		{
			name: "get user",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetUser(ctx, "evt-1", "EMP1")
			},
			want:     User{EmployeeID: "EMP1", Name: "Ada Lovelace", Active: true},
			endpoint: arenasim.EndpointGetUser,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := testSim(t, arenasim.Config{})
			client := newTestClient(t, testConfig(url))

			got, err := tt.call(testContext(t), client)

			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %+v, want %+v", got, tt.want)
			}
			requests := sim.Requests()
			last := requests[len(requests)-1]
			if last.Endpoint != tt.endpoint || last.RequestID != "evt-1" {
				t.Errorf("last request = %s with X-Request-ID %q, want %s with evt-1", last.Endpoint, last.RequestID, tt.endpoint)
			}
		})
	}
}

func TestCompleteRecordPendingApproval(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	record := sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C-APPROVAL", Status: arenasim.StatusInProgress})
	client := newTestClient(t, testConfig(url))

	got, err := client.CompleteRecord(testContext(t), "evt-2", record.ID, CompleteRequest{EmployeeID: "EMP1", CompletionDate: "2025-01-19T14:30:00Z"})

	if err != nil {
		t.Fatalf("CompleteRecord: %v", err)
	}
	if got.Status != StatusPendingApproval {
		t.Errorf("status = %s, want PENDING_APPROVAL", got.Status)
	}
	if got.Score != nil {
		t.Errorf("score = %v, want nil", *got.Score)
	}
}

// wantError is the expected *Error of a failed call.
type wantError struct {
	op         Endpoint
	status     int
	code       string
	message    string
	retryAfter time.Duration
	transport  bool
	timeout    bool
	retryable  bool
}

func TestClientErrors(t *testing.T) {
	fixedNow := time.Now().Truncate(time.Second)
	completed := func(ctx context.Context, c *Client) error {
		_, err := c.CompleteRecord(ctx, "evt-1", "TR-000001", CompleteRequest{EmployeeID: "EMP1", CompletionDate: "2025-01-19T14:30:00Z"})
		return err
	}
	getRecord := func(ctx context.Context, c *Client) error {
		_, err := c.GetRecord(ctx, "evt-1", "TR-000001")
		return err
	}

	tests := []struct {
		name      string
		cfg       func(url string) Config
		noWarmup  bool
		setup     func(sim *arenasim.Sim)
		call      func(ctx context.Context, c *Client) error
		want      wantError
		wantCalls map[arenasim.Endpoint]int
	}{
		{
			name:      "400 bad request",
			setup:     func(sim *arenasim.Sim) { sim.FailNext(arenasim.EndpointCompleteRecord, http.StatusBadRequest, 1) },
			call:      completed,
			want:      wantError{op: EndpointCompleteRecord, status: 400, code: "injected_failure", message: "injected failure"},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCompleteRecord: 1},
		},
		{
			name:      "401 twice is returned after one retry",
			setup:     func(sim *arenasim.Sim) { sim.FailNext(arenasim.EndpointGetRecord, http.StatusUnauthorized, 3) },
			call:      getRecord,
			want:      wantError{op: EndpointGetRecord, status: 401, code: "injected_failure", message: "injected failure", retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 2, arenasim.EndpointGetRecord: 2},
		},
		{
			name: "401 then failed refresh returns the token error",
			setup: func(sim *arenasim.Sim) {
				sim.FailNext(arenasim.EndpointGetRecord, http.StatusUnauthorized, 1)
				sim.FailNextWith(arenasim.EndpointToken, arenasim.Failure{Status: http.StatusServiceUnavailable, RetryAfter: "30"}, 1)
			},
			call:      getRecord,
			want:      wantError{op: EndpointToken, status: 503, code: "injected_failure", message: "injected failure", retryAfter: 30 * time.Second, retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 2, arenasim.EndpointGetRecord: 1},
		},
		{
			name:      "403 external updates disabled",
			setup:     func(sim *arenasim.Sim) { sim.SetExternalUpdatesDisabled(true) },
			call:      completed,
			want:      wantError{op: EndpointCompleteRecord, status: 403, code: "external_updates_disabled", message: `external status updates are disabled for this workspace; enable "Allow external status updates" in the workspace's training settings`},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCompleteRecord: 1},
		},
		{
			name: "404 unknown record",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CompleteRecord(ctx, "evt-1", "LMS-SAFETY-101", CompleteRequest{EmployeeID: "EMP1", CompletionDate: "2025-01-19T14:30:00Z"})
				return err
			},
			want:      wantError{op: EndpointCompleteRecord, status: 404, code: "record_not_found", message: `training record "LMS-SAFETY-101" not found`},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCompleteRecord: 1},
		},
		{
			name: "404 unknown employee",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetUser(ctx, "evt-1", "EMP404")
				return err
			},
			want:      wantError{op: EndpointGetUser, status: 404, code: "employee_not_found", message: `employee "EMP404" not found`},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointGetUser: 1},
		},
		{
			name:      "409 already completed",
			setup:     func(sim *arenasim.Sim) { sim.SetRecordStatus("TR-000001", arenasim.StatusCompleted) },
			call:      completed,
			want:      wantError{op: EndpointCompleteRecord, status: 409, code: "invalid_record_state", message: "training record TR-000001 is COMPLETED; only ASSIGNED or IN_PROGRESS records accept completion"},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCompleteRecord: 1},
		},
		{
			name: "422 other employee",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CompleteRecord(ctx, "evt-1", "TR-000001", CompleteRequest{EmployeeID: "EMP2", CompletionDate: "2025-01-19T14:30:00Z"})
				return err
			},
			want:      wantError{op: EndpointCompleteRecord, status: 422, code: "validation_failed", message: `employeeId "EMP2" does not match the record's employee`},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCompleteRecord: 1},
		},
		{
			name: "429 with Retry-After seconds",
			setup: func(sim *arenasim.Sim) {
				sim.FailNextWith(arenasim.EndpointCreateRecord, arenasim.Failure{Status: http.StatusTooManyRequests, RetryAfter: "7", Message: "rate limit exceeded"}, 1)
			},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateRecord(ctx, "evt-1", CreateRecordRequest{EmployeeID: "EMP1", CourseID: "C1"})
				return err
			},
			want:      wantError{op: EndpointCreateRecord, status: 429, code: "injected_failure", message: "rate limit exceeded", retryAfter: 7 * time.Second, retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCreateRecord: 1},
		},
		{
			name: "429 with Retry-After HTTP date",
			setup: func(sim *arenasim.Sim) {
				at := fixedNow.Add(90 * time.Second).UTC().Format(http.TimeFormat)
				sim.FailNextWith(arenasim.EndpointGetRecord, arenasim.Failure{Status: http.StatusTooManyRequests, RetryAfter: at}, 1)
			},
			call:      getRecord,
			want:      wantError{op: EndpointGetRecord, status: 429, code: "injected_failure", message: "injected failure", retryAfter: 90 * time.Second, retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointGetRecord: 1},
		},
		{
			name:      "500 internal error",
			setup:     func(sim *arenasim.Sim) { sim.FailRecord("TR-000001", http.StatusInternalServerError) },
			call:      completed,
			want:      wantError{op: EndpointCompleteRecord, status: 500, code: "injected_failure", message: "injected failure", retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointCompleteRecord: 1},
		},
		{
			name:      "503 unavailable",
			setup:     func(sim *arenasim.Sim) { sim.SetErrorRate(1) },
			call:      getRecord,
			want:      wantError{op: EndpointGetRecord, status: 503, code: "service_unavailable", message: "Arena is temporarily unavailable (random error rate)", retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointGetRecord: 1},
		},
		{
			name:      "transport failure on closed port",
			cfg:       func(string) Config { return testConfig(closedPortURL(t)) },
			noWarmup:  true,
			call:      getRecord,
			want:      wantError{op: EndpointToken, transport: true, retryable: true},
			wantCalls: map[arenasim.Endpoint]int{},
		},
		{
			name: "timeout",
			cfg: func(url string) Config {
				cfg := testConfig(url)
				// Long enough for the warm-up login on a loaded machine.
				cfg.Timeout = 500 * time.Millisecond
				return cfg
			},
			setup:     func(sim *arenasim.Sim) { sim.SetLatency(5 * time.Second) },
			call:      getRecord,
			want:      wantError{op: EndpointGetRecord, transport: true, timeout: true, retryable: true},
			wantCalls: map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointGetRecord: 1},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := testSim(t, arenasim.Config{})
			cfg := testConfig(url)
			if tt.cfg != nil {
				cfg = tt.cfg(url)
			}
			client := newTestClient(t, cfg)
			client.now = func() time.Time { return fixedNow }
			ctx := testContext(t)

			// Fetch the token before the faults are armed.
			if !tt.noWarmup {
				if _, err := client.token(ctx); err != nil {
					t.Fatalf("token: %v", err)
				}
			}
			if tt.setup != nil {
				tt.setup(sim)
			}

			err := tt.call(ctx, client)

			assertError(t, err, tt.want)
			waitForRequests(t, sim, tt.wantCalls)
		})
	}
}

func assertError(t *testing.T, err error, want wantError) {
	t.Helper()

	arenaErr, ok := AsError(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *Error", err, err)
	}
	if arenaErr.Op != want.op {
		t.Errorf("Op = %q, want %q", arenaErr.Op, want.op)
	}
	if arenaErr.StatusCode != want.status {
		t.Errorf("StatusCode = %d, want %d", arenaErr.StatusCode, want.status)
	}
	if arenaErr.Code != want.code {
		t.Errorf("Code = %q, want %q", arenaErr.Code, want.code)
	}
	if arenaErr.Message != want.message {
		t.Errorf("Message = %q, want %q", arenaErr.Message, want.message)
	}
	if arenaErr.RetryAfter != want.retryAfter {
		t.Errorf("RetryAfter = %s, want %s", arenaErr.RetryAfter, want.retryAfter)
	}
	if arenaErr.Transport != want.transport {
		t.Errorf("Transport = %t, want %t", arenaErr.Transport, want.transport)
	}
	if arenaErr.Timeout != want.timeout {
		t.Errorf("Timeout = %t, want %t", arenaErr.Timeout, want.timeout)
	}
	if arenaErr.Retryable() != want.retryable {
		t.Errorf("Retryable() = %t, want %t", arenaErr.Retryable(), want.retryable)
	}
}

// waitForRequests compares the simulator's request counts with want. The
// handler of a timed-out call records its request only after it notices
// that the client went away, so the comparison is retried briefly.
func waitForRequests(t *testing.T, sim *arenasim.Sim, want map[arenasim.Endpoint]int) {
	t.Helper()

	deadline := time.Now().Add(2 * time.Second)
	for {
		got := sim.Stats().Requests
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("requests = %v, want %v", got, want)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	var calls []CallInfo
	var mu sync.Mutex
	client := newTestClient(t, testConfig(url), WithCallObserver(func(info CallInfo) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, info)
	}))
	ctx := testContext(t)

	stale, err := client.token(ctx)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	sim.ExpireAllTokens()

	record, err := client.GetRecord(ctx, "evt-1", "TR-000001")

	if err != nil {
		t.Fatalf("GetRecord: %v", err)
	}
	if record.ID != "TR-000001" {
		t.Errorf("record id = %q, want TR-000001", record.ID)
	}
	stats := sim.Stats()
	if stats.Logins != 2 {
		t.Errorf("Logins = %d, want 2", stats.Logins)
	}
	if stats.RejectedUnauthorized != 1 {
		t.Errorf("RejectedUnauthorized = %d, want 1", stats.RejectedUnauthorized)
	}

	fresh, err := client.token(ctx)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if fresh.AccessToken == stale.AccessToken {
		t.Error("the stale token is still cached")
	}

	var got []string
	for _, call := range calls {
		got = append(got, string(call.Endpoint)+" "+http.StatusText(call.StatusCode))
	}
	want := []string{"token OK", "get_record Unauthorized", "token OK", "get_record OK"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("observed calls = %q, want %q", got, want)
	}
}

func TestUnauthorizedErrorHidesToken(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	client := newTestClient(t, testConfig(url))
	ctx := testContext(t)
	token, err := client.token(ctx)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	sim.FailNextWith(arenasim.EndpointGetUser, arenasim.Failure{Status: http.StatusUnauthorized, Message: "token " + token.AccessToken + " is revoked"}, 2)

	_, err = client.GetUser(ctx, "evt-1", "EMP1")

	if err == nil {
		t.Fatal("GetUser succeeded, want 401")
	}
	if strings.Contains(err.Error(), token.AccessToken) {
		t.Errorf("error contains the first token: %v", err)
	}
	if got := StatusCode(err); got != http.StatusUnauthorized {
		t.Errorf("StatusCode = %d, want 401", got)
	}
}

func TestLoginsOfTwoProcessesEndEachOther(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{NewLoginInvalidatesOld: true})
	first := newTestClient(t, testConfig(url))
	second := newTestClient(t, testConfig(url))
	ctx := testContext(t)

	if _, err := first.GetUser(ctx, "evt-1", "EMP1"); err != nil {
		t.Fatalf("first GetUser: %v", err)
	}
	if _, err := second.GetUser(ctx, "evt-2", "EMP1"); err != nil {
		t.Fatalf("second GetUser: %v", err)
	}
	if _, err := first.GetUser(ctx, "evt-3", "EMP1"); err != nil {
		t.Fatalf("first GetUser after the second login: %v", err)
	}

	stats := sim.Stats()
	if stats.Logins != 3 {
		t.Errorf("Logins = %d, want 3", stats.Logins)
	}
	if stats.RejectedUnauthorized != 1 {
		t.Errorf("RejectedUnauthorized = %d, want 1", stats.RejectedUnauthorized)
	}
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{Latency: 20 * time.Millisecond})
	client := newTestClient(t, testConfig(url))
	ctx := testContext(t)

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := client.GetRecord(ctx, "evt-1", "TR-000001")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		if err != nil {
			t.Errorf("GetRecord: %v", err)
		}
	}
	if got := sim.Stats().Logins; got != 1 {
		t.Errorf("Logins = %d, want 1", got)
	}
}

func TestTransportFailureOfCall(t *testing.T) {
	source := &staticTokenSource{token: Token{AccessToken: "static", TokenType: "Bearer"}}
	client := newTestClient(t, testConfig(closedPortURL(t)), WithTokenSource(source))

	_, err := client.GetRecord(testContext(t), "evt-1", "TR-000001")

	assertError(t, err, wantError{op: EndpointGetRecord, transport: true, retryable: true})
	if source.invalidated != 0 {
		t.Errorf("Invalidate calls = %d, want 0", source.invalidated)
	}
}

func TestRequestHeadersAndBody(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP1", "Ada")
	sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})

	var mu sync.Mutex
	var headers []http.Header
	var bodies []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		bodies = append(bodies, string(body))
		mu.Unlock()
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)

	client := newTestClient(t, testConfig(server.URL))
	ctx := testContext(t)
	token, err := client.token(ctx)
	if err != nil {
		t.Fatalf("token: %v", err)
	}

	_, err = client.CompleteRecord(ctx, "evt-42", "TR-000001", CompleteRequest{EmployeeID: "EMP1", CompletionDate: "2025-01-19T14:30:00Z"})
	if err != nil {
		t.Fatalf("CompleteRecord: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(headers) != 2 {
		t.Fatalf("requests = %d, want 2 (token, complete)", len(headers))
	}

	wantTokenBody := `{"client_id":"arenasync","client_secret":"secret"}`
	if bodies[0] != wantTokenBody {
		t.Errorf("token body = %s, want %s", bodies[0], wantTokenBody)
	}
	if got := headers[0].Get("Authorization"); got != "" {
		t.Errorf("token request Authorization = %q, want none", got)
	}

	wantHeaders := map[string]string{
		"Authorization": "Bearer " + token.AccessToken,
		"Content-Type":  "application/json",
		"Accept":        "application/json",
		"X-Request-Id":  "evt-42",
	}
	for name, want := range wantHeaders {
		if got := headers[1].Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	wantBody := `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED"}`
	if bodies[1] != wantBody {
		t.Errorf("complete body = %s, want %s", bodies[1], wantBody)
	}
}

func TestConfiguredPaths(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP 1", "Ada")
	sim.AddRecord(arenasim.Record{EmployeeID: "EMP 1", CourseID: "C1"})

	// The installation serves the API under /qms with its own path names.
	rewrites := map[string]string{
		"/qms/auth/login":     arenasim.PathToken,
		"/qms/training/":      "/api/v1/training/records/",
		"/qms/people/EMP%201": "/api/v1/users/EMP%201",
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for from, to := range rewrites {
			if strings.HasPrefix(r.URL.EscapedPath(), from) {
				r.URL.RawPath = to + strings.TrimPrefix(r.URL.EscapedPath(), from)
				r.URL.Path, _ = url.PathUnescape(r.URL.RawPath)
				sim.Handler().ServeHTTP(w, r)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(server.Close)

	cfg := testConfig(server.URL + "/qms/")
	cfg.TokenPath = "/auth/login"
	cfg.RecordPath = "/training/{trainingRecordId}"
	cfg.CompletePath = "/training/{trainingRecordId}/complete"
	cfg.UserPath = "/people/{employeeId}"
	client := newTestClient(t, cfg)
	ctx := testContext(t)

	record, err := client.CompleteRecord(ctx, "evt-1", "TR-000001", CompleteRequest{EmployeeID: "EMP 1", CompletionDate: "2025-01-19T14:30:00Z"})
	if err != nil {
		t.Fatalf("CompleteRecord: %v", err)
	}
	if record.Status != StatusCompleted {
		t.Errorf("status = %s, want COMPLETED", record.Status)
	}

	user, err := client.GetUser(ctx, "evt-2", "EMP 1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if user.EmployeeID != "EMP 1" {
		t.Errorf("user = %q, want EMP 1", user.EmployeeID)
	}
}

func TestEmptyIDIsRejectedBeforeSending(t *testing.T) {
	sim, url := testSim(t, arenasim.Config{})
	client := newTestClient(t, testConfig(url))
	ctx := testContext(t)

	tests := []struct {
		name string
		call func() error
		op   Endpoint
		text string
	}{
		{"get record", func() error { _, err := client.GetRecord(ctx, "e", ""); return err }, EndpointGetRecord, "arena get_record: invalid argument: trainingRecordId is empty"},
		{"complete record", func() error { _, err := client.CompleteRecord(ctx, "e", " ", CompleteRequest{}); return err }, EndpointCompleteRecord, "arena complete_record: invalid argument: trainingRecordId is empty"},
		{"get user", func() error { _, err := client.GetUser(ctx, "e", ""); return err }, EndpointGetUser, "arena get_user: invalid argument: employeeId is empty"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()

			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("error = %v, want ErrInvalidArgument", err)
			}
			if err.Error() != tt.text {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.text)
			}
			if IsRetryable(err) {
				t.Error("IsRetryable = true, want false")
			}
		})
	}
	if got := len(sim.Requests()); got != 0 {
		t.Errorf("requests sent = %d, want 0", got)
	}
}

func TestInvalidSuccessBody(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		call      func(ctx context.Context, c *Client) error
		wantError string
	}{
		{
			name:   "record body is not JSON",
			status: http.StatusOK,
			body:   "<html>maintenance</html>",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetRecord(ctx, "e", "TR-1")
				return err
			},
			wantError: "arena get_record: 200 OK: <html>maintenance</html>: invalid arena response: decode get_record body: invalid character '<' looking for beginning of value",
		},
		{
			name:   "created record without id",
			status: http.StatusCreated,
			body:   `{"status":"ASSIGNED"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateRecord(ctx, "e", CreateRecordRequest{EmployeeID: "EMP1", CourseID: "C1"})
				return err
			},
			wantError: "arena create_record: 201 Created: invalid arena response: created record has no id",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(server.Close)
			source := &staticTokenSource{token: Token{AccessToken: "static"}}
			client := newTestClient(t, testConfig(server.URL), WithTokenSource(source))

			err := tt.call(testContext(t), client)

			if err == nil || err.Error() != tt.wantError {
				t.Errorf("error = %v, want %q", err, tt.wantError)
			}
			if !errors.Is(err, ErrInvalidResponse) {
				t.Error("errors.Is(err, ErrInvalidResponse) = false")
			}
			if !IsRetryable(err) {
				t.Error("IsRetryable = false, want true")
			}
		})
	}
}

func TestCheckScopes(t *testing.T) {
	tests := []struct {
		name        string
		granted     []string
		required    []string
		wantMissing []string
		wantError   string
	}{
		{
			name:    "all granted",
			granted: arenasim.AllScopes(),
		},
		{
			name:        "user read missing",
			granted:     []string{"training.records.write", "training.status.update"},
			wantMissing: []string{"user.read"},
			wantError:   `arena client "arenasync" lacks required scopes user.read (granted: training.records.write, training.status.update); grant them to the service account in Arena`,
		},
		{
			name:        "nothing granted",
			granted:     nil,
			wantMissing: []string{"training.records.write", "training.status.update", "user.read"},
			wantError:   `arena client "arenasync" lacks required scopes training.records.write, training.status.update, user.read (granted: none); grant them to the service account in Arena`,
		},
		{
			name:     "configured scopes",
			granted:  []string{"user.read"},
			required: []string{"user.read"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := testSim(t, arenasim.Config{
				Clients: map[string]arenasim.ClientCredentials{"arenasync": {Secret: "secret", Scopes: tt.granted}},
			})
			cfg := testConfig(url)
			cfg.RequiredScopes = tt.required
			client := newTestClient(t, cfg)

			err := client.CheckScopes(testContext(t))

			if tt.wantError == "" {
				if err != nil {
					t.Fatalf("CheckScopes() = %v, want nil", err)
				}
				return
			}
			var scopeErr *ScopeError
			if !errors.As(err, &scopeErr) {
				t.Fatalf("CheckScopes() = %v, want *ScopeError", err)
			}
			if !reflect.DeepEqual(scopeErr.Missing, tt.wantMissing) {
				t.Errorf("Missing = %v, want %v", scopeErr.Missing, tt.wantMissing)
			}
			if err.Error() != tt.wantError {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.wantError)
			}
			if !errors.Is(err, ErrMissingScopes) {
				t.Error("errors.Is(err, ErrMissingScopes) = false")
			}
		})
	}
}

func TestFetchTokenWrongSecret(t *testing.T) {
	_, url := testSim(t, arenasim.Config{})
	cfg := testConfig(url)
	cfg.ClientSecret = "wrong-secret-value"
	client := newTestClient(t, cfg)

	_, err := client.FetchToken(testContext(t))

	assertError(t, err, wantError{op: EndpointToken, status: 401, code: "invalid_client", message: `client id "arenasync" or its secret is wrong`, retryable: true})
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error contains the secret: %v", err)
	}
}

func TestFetchTokenFields(t *testing.T) {
	_, url := testSim(t, arenasim.Config{TokenLifetime: 30 * time.Minute})
	client := newTestClient(t, testConfig(url))
	issued := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	client.now = func() time.Time { return issued }

	token, err := client.FetchToken(testContext(t))

	if err != nil {
		t.Fatalf("FetchToken: %v", err)
	}
	if token.TokenType != "Bearer" {
		t.Errorf("TokenType = %q, want Bearer", token.TokenType)
	}
	if !token.IssuedAt.Equal(issued) {
		t.Errorf("IssuedAt = %s, want %s", token.IssuedAt, issued)
	}
	if want := issued.Add(30 * time.Minute); !token.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %s, want %s", token.ExpiresAt, want)
	}
	if !reflect.DeepEqual(token.Scopes, arenasim.AllScopes()) {
		t.Errorf("Scopes = %v", token.Scopes)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if printed := fmt.Sprintf(verb, token); strings.Contains(printed, token.AccessToken) {
			t.Errorf("Sprintf(%q) prints the access token: %s", verb, printed)
		}
	}
}

func TestTokenResponseParsing(t *testing.T) {
	issued := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)

	tests := []struct {
		name          string
		body          string
		wantExpiresAt time.Time
		wantType      string
		wantError     string
	}{
		{"integer expires_in", `{"access_token":"a","token_type":"Bearer","expires_in":3600}`, issued.Add(time.Hour), "Bearer", ""},
		{"fractional expires_in", `{"access_token":"a","expires_in":1.5}`, issued.Add(1500 * time.Millisecond), "Bearer", ""},
		{"no expires_in", `{"access_token":"a","token_type":"bearer"}`, time.Time{}, "bearer", ""},
		{"quoted expires_in", `{"access_token":"a","expires_in":"3600"}`, issued.Add(time.Hour), "Bearer", ""},
		{"text expires_in", `{"access_token":"a","expires_in":"soon"}`, time.Time{}, "", `arena token: 200 OK: invalid arena response: decode token body: json: invalid number literal, trying to unmarshal "\"soon\"" into Number`},
		{"negative expires_in", `{"access_token":"a","expires_in":-1}`, time.Time{}, "", `arena token: 200 OK: invalid arena response: token expires_in "-1" is not a number of seconds`},
		{"no access_token", `{"token_type":"Bearer","expires_in":3600}`, time.Time{}, "", "arena token: 200 OK: invalid arena response: token response has no access_token"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(server.Close)
			client := newTestClient(t, testConfig(server.URL))
			client.now = func() time.Time { return issued }

			token, err := client.FetchToken(testContext(t))

			if tt.wantError != "" {
				if err == nil || err.Error() != tt.wantError {
					t.Errorf("error = %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("FetchToken: %v", err)
			}
			if !token.ExpiresAt.Equal(tt.wantExpiresAt) {
				t.Errorf("ExpiresAt = %s, want %s", token.ExpiresAt, tt.wantExpiresAt)
			}
			if token.TokenType != tt.wantType {
				t.Errorf("TokenType = %q, want %q", token.TokenType, tt.wantType)
			}
		})
	}
}
