package arenasim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestFailNext(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP1", "Ada")
	url := startSim(t, sim)
	token := login(t, url)

	sim.FailNext(arenasim.EndpointGetUser, http.StatusServiceUnavailable, 2)
	sim.FailNext(arenasim.EndpointCreateRecord, http.StatusTooManyRequests, 1)
	sim.FailNextWith(arenasim.EndpointGetRecord, arenasim.Failure{Status: http.StatusTooManyRequests, RetryAfter: "Mon, 20 Jan 2025 09:01:00 GMT", Message: "slow down"}, 1)

	tests := []struct {
		name           string
		method         string
		path           string
		body           string
		wantStatus     int
		wantRetryAfter string
		wantMessage    string
	}{
		{"first failure", http.MethodGet, "/api/v1/users/EMP1", "", http.StatusServiceUnavailable, "", "injected failure"},
		{"second failure", http.MethodGet, "/api/v1/users/EMP1", "", http.StatusServiceUnavailable, "", "injected failure"},
		{"then success", http.MethodGet, "/api/v1/users/EMP1", "", http.StatusOK, "", ""},
		{"429 carries Retry-After", http.MethodPost, arenasim.PathRecords, `{"employeeId":"EMP1","courseId":"C1"}`, http.StatusTooManyRequests, "1", "injected failure"},
		{"429 passes once", http.MethodPost, arenasim.PathRecords, `{"employeeId":"EMP1","courseId":"C1"}`, http.StatusCreated, "", ""},
		{"custom failure", http.MethodGet, "/api/v1/training/records/TR-000001", "", http.StatusTooManyRequests, "Mon, 20 Jan 2025 09:01:00 GMT", "slow down"},
		{"custom failure passes", http.MethodGet, "/api/v1/training/records/TR-000001", "", http.StatusOK, "", ""},
	}

	// The cases run in order, because each consumes one queued failure.
	for _, tt := range tests {
		resp := send(t, url, request{method: tt.method, path: tt.path, body: tt.body, token: token})

		if resp.status != tt.wantStatus {
			t.Errorf("%s: status = %d, want %d", tt.name, resp.status, tt.wantStatus)
		}
		if got := resp.header.Get("Retry-After"); got != tt.wantRetryAfter {
			t.Errorf("%s: Retry-After = %q, want %q", tt.name, got, tt.wantRetryAfter)
		}
		if tt.wantMessage != "" {
			if got := resp.errorBody(t).Message; got != tt.wantMessage {
				t.Errorf("%s: message = %q, want %q", tt.name, got, tt.wantMessage)
			}
		}
	}

	if got := sim.Stats().InjectedFailures; got != 4 {
		t.Errorf("InjectedFailures = %d, want 4", got)
	}
}

func TestOutage(t *testing.T) {
	clock := newFakeClock()
	sim := arenasim.NewServer(arenasim.Config{Now: clock.Now}, nil)
	sim.AddEmployee("EMP1", "Ada")
	url := startSim(t, sim)
	token := login(t, url)

	start := clock.Now().Add(time.Minute)
	sim.SetOutage(start, start.Add(90*time.Second))

	tests := []struct {
		name           string
		advance        time.Duration
		path           string
		body           string
		wantStatus     int
		wantRetryAfter string
	}{
		{"before outage", 0, "/api/v1/users/EMP1", "", http.StatusOK, ""},
		{"token during outage", time.Minute, arenasim.PathToken, `{"client_id":"arenasync","client_secret":"secret"}`, http.StatusServiceUnavailable, "90"},
		{"call during outage", 30500 * time.Millisecond, "/api/v1/users/EMP1", "", http.StatusServiceUnavailable, "60"},
		{"after outage", time.Minute, "/api/v1/users/EMP1", "", http.StatusOK, ""},
	}

	for _, tt := range tests {
		clock.Advance(tt.advance)
		method := http.MethodGet
		if tt.body != "" {
			method = http.MethodPost
		}

		resp := send(t, url, request{method: method, path: tt.path, body: tt.body, token: token})

		if resp.status != tt.wantStatus {
			t.Errorf("%s: status = %d, want %d", tt.name, resp.status, tt.wantStatus)
		}
		if got := resp.header.Get("Retry-After"); got != tt.wantRetryAfter {
			t.Errorf("%s: Retry-After = %q, want %q", tt.name, got, tt.wantRetryAfter)
		}
	}
}

func TestOutageCleared(t *testing.T) {
	clock := newFakeClock()
	sim := arenasim.NewServer(arenasim.Config{Now: clock.Now}, nil)
	url := startSim(t, sim)

	sim.SetOutage(clock.Now(), clock.Now().Add(time.Hour))
	sim.FailNext(arenasim.EndpointToken, http.StatusBadGateway, 5)
	sim.ClearFailures()

	login(t, url)
}

func TestRateLimit(t *testing.T) {
	clock := newFakeClock()
	sim := arenasim.NewServer(arenasim.Config{Now: clock.Now, RateLimit: 2}, nil)
	sim.AddEmployee("EMP1", "Ada")
	url := startSim(t, sim)
	token := login(t, url) // takes one of the burst of two

	tests := []struct {
		name       string
		advance    time.Duration
		wantStatus int
	}{
		{"second of the burst", 0, http.StatusOK},
		{"third in the same instant", 0, http.StatusTooManyRequests},
		{"refilled after half a second", 500 * time.Millisecond, http.StatusOK},
		{"empty again", 0, http.StatusTooManyRequests},
	}

	for _, tt := range tests {
		clock.Advance(tt.advance)
		resp := send(t, url, request{method: http.MethodGet, path: "/api/v1/users/EMP1", token: token})

		if resp.status != tt.wantStatus {
			t.Errorf("%s: status = %d, want %d", tt.name, resp.status, tt.wantStatus)
		}
		if tt.wantStatus == http.StatusTooManyRequests {
			if got := resp.header.Get("Retry-After"); got != "1" {
				t.Errorf("%s: Retry-After = %q, want 1", tt.name, got)
			}
			if got := resp.errorBody(t).Error; got != "rate_limited" {
				t.Errorf("%s: error = %q, want rate_limited", tt.name, got)
			}
		}
	}

	if got := sim.Stats().RateLimited; got != 2 {
		t.Errorf("RateLimited = %d, want 2", got)
	}
}

func TestErrorRate(t *testing.T) {
	tests := []struct {
		name       string
		rate       float64
		path       string
		wantStatus int
	}{
		{"all training calls fail", 1, "/api/v1/training/records/TR-000001", http.StatusServiceUnavailable},
		{"user calls are spared", 1, "/api/v1/users/EMP1", http.StatusOK},
		{"zero rate", 0, "/api/v1/training/records/TR-000001", http.StatusOK},
		{"rate above 1 is clamped", 7, "/api/v1/training/records/TR-000001", http.StatusServiceUnavailable},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := arenasim.NewServer(arenasim.Config{}, nil)
			sim.AddEmployee("EMP1", "Ada")
			sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})
			url := startSim(t, sim)
			token := login(t, url)
			sim.SetErrorRate(tt.rate)

			for range 20 {
				resp := send(t, url, request{method: http.MethodGet, path: tt.path, token: token})
				if resp.status != tt.wantStatus {
					t.Fatalf("status = %d, want %d", resp.status, tt.wantStatus)
				}
			}
		})
	}
}

func TestErrorRateIsRepeatable(t *testing.T) {
	statuses := func() []int {
		sim := arenasim.NewServer(arenasim.Config{ErrorRate: 0.5, RandomSeed: 42}, nil)
		sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})
		url := startSim(t, sim)
		token := login(t, url)

		var got []int
		for range 30 {
			got = append(got, send(t, url, request{method: http.MethodGet, path: "/api/v1/training/records/TR-000001", token: token}).status)
		}
		return got
	}

	first, second := statuses(), statuses()

	failures := 0
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("call %d: status %d in the first run, %d in the second", i, first[i], second[i])
		}
		if first[i] == http.StatusServiceUnavailable {
			failures++
		}
	}
	if failures == 0 || failures == len(first) {
		t.Errorf("failures = %d of %d, want some but not all at rate 0.5", failures, len(first))
	}
}

func TestLatency(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP1", "Ada")
	url := startSim(t, sim)
	token := login(t, url)
	sim.SetLatency(80 * time.Millisecond)

	start := time.Now()
	resp := send(t, url, request{method: http.MethodGet, path: "/api/v1/users/EMP1", token: token})
	elapsed := time.Since(start)

	if resp.status != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.status)
	}
	if elapsed < 80*time.Millisecond {
		t.Errorf("elapsed = %s, want at least 80ms", elapsed)
	}
}

func TestFailRecordOnlyThatRecord(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP1", "Ada")
	failing := sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})
	healthy := sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C2"})
	sim.FailRecord(failing.ID, http.StatusBadGateway)
	url := startSim(t, sim)
	token := login(t, url)

	complete := func(id string) int {
		return send(t, url, request{
			method: http.MethodPost,
			path:   "/api/v1/training/records/" + id + "/complete",
			body:   `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED"}`,
			token:  token,
		}).status
	}

	tests := []struct {
		name       string
		id         string
		clear      bool
		wantStatus int
	}{
		{"failing record", failing.ID, false, http.StatusBadGateway},
		{"failing record again", failing.ID, false, http.StatusBadGateway},
		{"other record", healthy.ID, false, http.StatusOK},
		{"failing record after clear", failing.ID, true, http.StatusOK},
	}

	for _, tt := range tests {
		if tt.clear {
			sim.ClearFailures()
		}
		if got := complete(tt.id); got != tt.wantStatus {
			t.Errorf("%s: status = %d, want %d", tt.name, got, tt.wantStatus)
		}
	}
}
