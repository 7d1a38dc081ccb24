package arenasim_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestTokenEndpoint(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		header        map[string]string
		noJSONHeaders bool
		wantStatus    int
		wantCode      string
		wantMessage   string
	}{
		{
			name:       "valid credentials",
			body:       `{"client_id":"arenasync","client_secret":"secret"}`,
			wantStatus: http.StatusOK,
		},
		{
			name:        "wrong secret",
			body:        `{"client_id":"arenasync","client_secret":"nope"}`,
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_client",
			wantMessage: `client id "arenasync" or its secret is wrong`,
		},
		{
			name:        "unknown client",
			body:        `{"client_id":"other","client_secret":"secret"}`,
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_client",
			wantMessage: `client id "other" or its secret is wrong`,
		},
		{
			name:        "missing fields",
			body:        `{}`,
			wantStatus:  http.StatusBadRequest,
			wantCode:    "invalid_request",
			wantMessage: "missing required fields: client_id, client_secret",
		},
		{
			name:       "malformed JSON",
			body:       `{"client_id":`,
			wantStatus: http.StatusBadRequest,
			wantCode:   "invalid_request",
		},
		{
			name:        "form content type",
			body:        `client_id=arenasync`,
			header:      map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus:  http.StatusUnsupportedMediaType,
			wantCode:    "unsupported_media_type",
			wantMessage: `Content-Type "application/x-www-form-urlencoded" is not supported; send application/json`,
		},
		{
			name:        "XML accept",
			body:        `{"client_id":"arenasync","client_secret":"secret"}`,
			header:      map[string]string{"Accept": "application/xml"},
			wantStatus:  http.StatusNotAcceptable,
			wantCode:    "not_acceptable",
			wantMessage: `Accept "application/xml" does not allow application/json; send Accept: application/json`,
		},
		{
			name:          "missing accept",
			body:          `{"client_id":"arenasync","client_secret":"secret"}`,
			header:        map[string]string{"Content-Type": "application/json; charset=utf-8"},
			noJSONHeaders: true,
			wantStatus:    http.StatusNotAcceptable,
			wantCode:      "not_acceptable",
			wantMessage:   `Accept "" does not allow application/json; send Accept: application/json`,
		},
		{
			name:       "accept with parameters and wildcard",
			body:       `{"client_id":"arenasync","client_secret":"secret"}`,
			header:     map[string]string{"Accept": "text/html, */*;q=0.1"},
			wantStatus: http.StatusOK,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := arenasim.NewServer(arenasim.Config{}, nil)
			url := startSim(t, sim)

			resp := send(t, url, request{method: http.MethodPost, path: arenasim.PathToken, body: tt.body, header: tt.header, noJSONHeaders: tt.noJSONHeaders})

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.status, tt.wantStatus, resp.body)
			}
			if tt.wantStatus != http.StatusOK {
				body := resp.errorBody(t)
				if body.Error != tt.wantCode {
					t.Errorf("error = %q, want %q", body.Error, tt.wantCode)
				}
				if tt.wantMessage != "" && body.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", body.Message, tt.wantMessage)
				}
			}
		})
	}
}

func TestTokenResponseFields(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{TokenLifetime: 90 * time.Minute}, nil)
	url := startSim(t, sim)

	resp := send(t, url, request{
		method: http.MethodPost,
		path:   arenasim.PathToken,
		body:   `{"client_id":"arenasync","client_secret":"secret"}`,
	})

	var token arenasim.TokenResponse
	if err := json.Unmarshal(resp.body, &token); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(token.AccessToken) != 48 {
		t.Errorf("access_token length = %d, want 48", len(token.AccessToken))
	}
	if token.TokenType != "Bearer" {
		t.Errorf("token_type = %q, want Bearer", token.TokenType)
	}
	if token.ExpiresIn != 5400 {
		t.Errorf("expires_in = %d, want 5400", token.ExpiresIn)
	}
	if token.Scope != "training.records.write training.status.update user.read" {
		t.Errorf("scope = %q", token.Scope)
	}
	if got := resp.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := sim.Stats().Logins; got != 1 {
		t.Errorf("Logins = %d, want 1", got)
	}
}

func TestBearerAuthorization(t *testing.T) {
	tests := []struct {
		name          string
		invalidateOld bool
		// prepare returns the token to send.
		prepare     func(t *testing.T, sim *arenasim.Sim, url string, clock *fakeClock) string
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{
			name:       "valid token",
			prepare:    func(t *testing.T, _ *arenasim.Sim, url string, _ *fakeClock) string { return login(t, url) },
			wantStatus: http.StatusOK,
		},
		{
			name:        "no token",
			prepare:     func(*testing.T, *arenasim.Sim, string, *fakeClock) string { return "" },
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_token",
			wantMessage: "missing bearer token; send Authorization: Bearer <token>",
		},
		{
			name:        "unknown token",
			prepare:     func(*testing.T, *arenasim.Sim, string, *fakeClock) string { return "made-up" },
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_token",
			wantMessage: "token is not valid",
		},
		{
			name: "lifetime passed",
			prepare: func(t *testing.T, _ *arenasim.Sim, url string, clock *fakeClock) string {
				token := login(t, url)
				clock.Advance(time.Hour)
				return token
			},
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_token",
			wantMessage: "token expired at 2025-01-20T10:00:00Z",
		},
		{
			name: "lifetime nearly passed",
			prepare: func(t *testing.T, _ *arenasim.Sim, url string, clock *fakeClock) string {
				token := login(t, url)
				clock.Advance(time.Hour - time.Second)
				return token
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "expired by ExpireAllTokens",
			prepare: func(t *testing.T, sim *arenasim.Sim, url string, _ *fakeClock) string {
				token := login(t, url)
				sim.ExpireAllTokens()
				return token
			},
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_token",
			wantMessage: "token expired at 2025-01-20T08:59:59Z",
		},
		{
			name:          "ended by newer login",
			invalidateOld: true,
			prepare: func(t *testing.T, _ *arenasim.Sim, url string, _ *fakeClock) string {
				token := login(t, url)
				login(t, url)
				return token
			},
			wantStatus:  http.StatusUnauthorized,
			wantCode:    "invalid_token",
			wantMessage: `token was ended by a newer login of client "arenasync"`,
		},
		{
			name: "kept after newer login",
			prepare: func(t *testing.T, _ *arenasim.Sim, url string, _ *fakeClock) string {
				token := login(t, url)
				login(t, url)
				return token
			},
			wantStatus: http.StatusOK,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			sim := arenasim.NewServer(arenasim.Config{Now: clock.Now, NewLoginInvalidatesOld: tt.invalidateOld}, nil)
			sim.AddEmployee("EMP1", "Ada")
			url := startSim(t, sim)

			token := tt.prepare(t, sim, url, clock)
			resp := send(t, url, request{method: http.MethodGet, path: "/api/v1/users/EMP1", token: token})

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.status, tt.wantStatus, resp.body)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}

			body := resp.errorBody(t)
			if body.Error != tt.wantCode {
				t.Errorf("error = %q, want %q", body.Error, tt.wantCode)
			}
			if body.Message != tt.wantMessage {
				t.Errorf("message = %q, want %q", body.Message, tt.wantMessage)
			}
			if got := resp.header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if got := sim.Stats().RejectedUnauthorized; got != 1 {
				t.Errorf("RejectedUnauthorized = %d, want 1", got)
			}
		})
	}
}

func TestScopePerEndpoint(t *testing.T) {
	tests := []struct {
		name        string
		scopes      []string
		method      string
		path        string
		body        string
		wantStatus  int
		wantMessage string
	}{
		{
			name:        "complete without status scope",
			scopes:      []string{arenasim.ScopeTrainingRecordsWrite, arenasim.ScopeUserRead},
			method:      http.MethodPost,
			path:        "/api/v1/training/records/TR-000001/complete",
			body:        `{"employeeId":"EMP1","completionDate":"2025-01-19T14:30:00Z","status":"COMPLETED"}`,
			wantStatus:  http.StatusForbidden,
			wantMessage: "token lacks scope training.status.update required for complete_record",
		},
		{
			name:        "create without records scope",
			scopes:      []string{arenasim.ScopeTrainingStatusUpdate},
			method:      http.MethodPost,
			path:        arenasim.PathRecords,
			body:        `{"employeeId":"EMP1","courseId":"C1"}`,
			wantStatus:  http.StatusForbidden,
			wantMessage: "token lacks scope training.records.write required for create_record",
		},
		{
			name:        "user without user scope",
			scopes:      []string{arenasim.ScopeTrainingRecordsWrite},
			method:      http.MethodGet,
			path:        "/api/v1/users/EMP1",
			wantStatus:  http.StatusForbidden,
			wantMessage: "token lacks scope user.read required for get_user",
		},
		{
			name:        "get record with no training scope",
			scopes:      []string{arenasim.ScopeUserRead},
			method:      http.MethodGet,
			path:        "/api/v1/training/records/TR-000001",
			wantStatus:  http.StatusForbidden,
			wantMessage: "token lacks scope training.records.write or training.status.update required for get_record",
		},
		{
			name:       "get record with status scope only",
			scopes:     []string{arenasim.ScopeTrainingStatusUpdate},
			method:     http.MethodGet,
			path:       "/api/v1/training/records/TR-000001",
			wantStatus: http.StatusOK,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := arenasim.NewServer(arenasim.Config{
				Clients: map[string]arenasim.ClientCredentials{"arenasync": {Secret: "secret", Scopes: tt.scopes}},
			}, nil)
			sim.AddEmployee("EMP1", "Ada")
			sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})
			url := startSim(t, sim)

			resp := send(t, url, request{method: tt.method, path: tt.path, body: tt.body, token: login(t, url)})

			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.status, tt.wantStatus, resp.body)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}
			body := resp.errorBody(t)
			if body.Error != "insufficient_scope" {
				t.Errorf("error = %q, want insufficient_scope", body.Error)
			}
			if body.Message != tt.wantMessage {
				t.Errorf("message = %q, want %q", body.Message, tt.wantMessage)
			}
		})
	}
}
