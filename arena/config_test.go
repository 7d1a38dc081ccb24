package arena

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestConfigDefaults(t *testing.T) {
	got := Config{BaseURL: "https://arena.example.com/", ClientID: "id", ClientSecret: "s"}.withDefaults()

	want := Config{
		BaseURL:            "https://arena.example.com",
		ClientID:           "id",
		ClientSecret:       "s",
		Timeout:            10 * time.Second,
		TokenPath:          "/api/v1/auth/token",
		RecordsPath:        "/api/v1/training/records",
		RecordPath:         "/api/v1/training/records/{trainingRecordId}",
		CompletePath:       "/api/v1/training/records/{trainingRecordId}/complete",
		UserPath:           "/api/v1/users/{employeeId}",
		RequiredScopes:     []string{"training.records.write", "training.status.update", "user.read"},
		TokenRefreshMargin: 5 * time.Minute,
		MaxResponseBytes:   1 << 20,
		AuthMode:           AuthModeToken,
		LoginPath:          "/api/v1/login",
		SessionHeader:      "arena_session_id",
		SessionIdleTimeout: 90 * time.Minute,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withDefaults() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := Config{BaseURL: "https://arena.example.com", ClientID: "id", ClientSecret: "s"}

	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string
	}{
		{name: "valid", change: func(*Config) {}},
		{name: "http with path prefix", change: func(c *Config) { c.BaseURL = "http://127.0.0.1:8080/qms" }},
		{
			name:    "missing base URL",
			change:  func(c *Config) { c.BaseURL = "" },
			wantErr: "invalid arena config: BaseURL is missing; set the Arena API root such as https://arena.example.com",
		},
		{name: "session mode", change: func(c *Config) { c.AuthMode = AuthModeSession }},
		{
			name:    "unknown auth mode",
			change:  func(c *Config) { c.AuthMode = "oauth" },
			wantErr: `invalid arena config: AuthMode "oauth" is unknown; use "token" or "session"`,
		},
		{
			name:    "session header with a colon",
			change:  func(c *Config) { c.SessionHeader = "arena_session_id:" },
			wantErr: `invalid arena config: SessionHeader "arena_session_id:" is not a header name; use a name such as arena_session_id`,
		},
		{
			name:    "negative session idle timeout",
			change:  func(c *Config) { c.SessionIdleTimeout = -time.Minute },
			wantErr: "invalid arena config: SessionIdleTimeout -1m0s is negative; use a positive duration such as 90m",
		},
		{
			name:    "login path without slash",
			change:  func(c *Config) { c.LoginPath = "v1/login" },
			wantErr: `invalid arena config: LoginPath "v1/login" must start with /`,
		},
		{
			name:    "base URL without scheme",
			change:  func(c *Config) { c.BaseURL = "arena.example.com" },
			wantErr: `invalid arena config: BaseURL "arena.example.com" must start with https:// or http://`,
		},
		{
			name:    "base URL with query",
			change:  func(c *Config) { c.BaseURL = "https://arena.example.com?x=1" },
			wantErr: `invalid arena config: BaseURL "https://arena.example.com?x=1" must not contain a query or fragment`,
		},
		{
			name:   "missing credentials",
			change: func(c *Config) { c.ClientID, c.ClientSecret = "", "" },
			wantErr: "invalid arena config: ClientID is missing; set the Arena service account's client id\n" +
				"invalid arena config: ClientSecret is missing; set the Arena service account's secret",
		},
		{
			name:    "negative timeout",
			change:  func(c *Config) { c.Timeout = -time.Second },
			wantErr: "invalid arena config: Timeout -1s is negative; use a positive duration such as 10s",
		},
		{
			name:    "record path without placeholder",
			change:  func(c *Config) { c.RecordPath = "/records/{id}" },
			wantErr: `invalid arena config: RecordPath "/records/{id}" must contain {trainingRecordId}`,
		},
		{
			name:    "token path without slash",
			change:  func(c *Config) { c.TokenPath = "auth/token" },
			wantErr: `invalid arena config: TokenPath "auth/token" must start with /`,
		},
		{
			name:    "scope with space",
			change:  func(c *Config) { c.RequiredScopes = []string{"user.read training.records.write"} },
			wantErr: `invalid arena config: RequiredScopes[0] "user.read training.records.write" is not a single scope name`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)

			err := cfg.Validate()

			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Error("errors.Is(err, ErrInvalidConfig) = false")
			}
			if _, newErr := New(cfg, nil, nil); !errors.Is(newErr, ErrInvalidConfig) {
				t.Errorf("New() error = %v, want ErrInvalidConfig", newErr)
			}
		})
	}
}

func TestConfigLogHidesSecret(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	cfg := Config{BaseURL: "https://arena.example.com", ClientID: "svc", ClientSecret: "hunter2"}.withDefaults()

	zap.New(core).Info("config", zap.Object("arena", cfg))

	entry := logs.All()[0]
	fields := entry.ContextMap()["arena"].(map[string]any)
	if fields["client_id"] != "svc" {
		t.Errorf("client_id = %v, want svc", fields["client_id"])
	}
	for key, value := range fields {
		if s, ok := value.(string); ok && strings.Contains(s, "hunter2") {
			t.Errorf("field %s contains the secret", key)
		}
	}
}
