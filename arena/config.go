package arena

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
)

// Placeholders that the path templates in Config must contain.
const (
	PlaceholderTrainingRecordID = "{trainingRecordId}"
	PlaceholderEmployeeID       = "{employeeId}"
)

// Scopes that the Arena service account needs. A token without one of them
// fails the calls that use it with 403.
const (
	ScopeTrainingRecordsWrite = "training.records.write"
	ScopeTrainingStatusUpdate = "training.status.update"
	ScopeUserRead             = "user.read"
)

// Defaults that Config applies to zero-valued fields.
const (
	DefaultTimeout            = 10 * time.Second
	DefaultTokenPath          = "/api/v1/auth/token"
	DefaultRecordsPath        = "/api/v1/training/records"
	DefaultRecordPath         = "/api/v1/training/records/" + PlaceholderTrainingRecordID
	DefaultCompletePath       = "/api/v1/training/records/" + PlaceholderTrainingRecordID + "/complete"
	DefaultUserPath           = "/api/v1/users/" + PlaceholderEmployeeID
	DefaultTokenRefreshMargin = 5 * time.Minute
	DefaultMaxResponseBytes   = 1 << 20
	DefaultLoginPath          = "/api/v1/login"
	DefaultSessionHeader      = "arena_session_id"
	DefaultSessionIdleTimeout = 90 * time.Minute
)

// AuthMode selects how the client authenticates its calls.
type AuthMode string

// Authentication modes.
const (
	// AuthModeToken requests a bearer token from TokenPath with the client id
	// and secret, and sends it as "Authorization: Bearer".
	AuthModeToken AuthMode = "token"

	// AuthModeSession logs in at LoginPath with the client id as email and
	// the secret as password, and sends the returned session id in the
	// SessionHeader header. Arena ends such a session SessionIdleTimeout
	// after its last call, and a second login of the same user ends the
	// first session.
	AuthModeSession AuthMode = "session"
)

// DefaultRequiredScopes returns the scopes arenasync needs for its calls.
func DefaultRequiredScopes() []string {
	return []string{ScopeTrainingRecordsWrite, ScopeTrainingStatusUpdate, ScopeUserRead}
}

// Config is the configuration of a Client.
type Config struct {
	// BaseURL is the root of the Arena API, for example
	// "https://arena.example.com". Required. The paths below are appended
	// to it, so a BaseURL with a path keeps that path as a prefix.
	BaseURL string

	// ClientID is the service account's client id. Required.
	ClientID string

	// ClientSecret is the service account's secret. Required. It is sent only
	// in the token request body and never logged.
	ClientSecret string

	// Timeout bounds each HTTP call, the token request included. Default 10s;
	// zero means the default.
	Timeout time.Duration

	// TokenPath is the token endpoint. Default "/api/v1/auth/token".
	TokenPath string

	// RecordsPath is the endpoint that creates training records.
	// Default "/api/v1/training/records".
	RecordsPath string

	// RecordPath is the template of one training record's endpoint and must
	// contain "{trainingRecordId}".
	// Default "/api/v1/training/records/{trainingRecordId}".
	RecordPath string

	// CompletePath is the template of the completion endpoint and must contain
	// "{trainingRecordId}".
	// Default "/api/v1/training/records/{trainingRecordId}/complete".
	CompletePath string

	// UserPath is the template of the user endpoint and must contain
	// "{employeeId}". Default "/api/v1/users/{employeeId}".
	UserPath string

	// RequiredScopes are the scopes CheckScopes expects in the token.
	// Default training.records.write, training.status.update and user.read.
	// Nil or empty means the default.
	RequiredScopes []string

	// TokenRefreshMargin is how long before expiry the default token source
	// fetches a new token. It never exceeds half the token's lifetime.
	// Default 5m. Zero means the default.
	TokenRefreshMargin time.Duration

	// MaxResponseBytes limits how much of a response body is read, in bytes.
	// Default 1 MiB. Zero means the default.
	MaxResponseBytes int64

	// AuthMode is AuthModeToken or AuthModeSession. Default AuthModeToken;
	// empty means the default.
	AuthMode AuthMode

	// LoginPath is the session login endpoint of AuthModeSession.
	// Default "/api/v1/login".
	LoginPath string

	// SessionHeader is the request header that carries the session id in
	// AuthModeSession. Default "arena_session_id".
	SessionHeader string

	// SessionIdleTimeout is how long Arena keeps a session after its last
	// call, in AuthModeSession. The client treats a session as expiring this
	// long after its login, so it logs in again before that even when the
	// session was in use. Default 90m. Zero means the default.
	SessionIdleTimeout time.Duration

	// WorkspaceID is sent as workspaceId in the session login, for accounts
	// that belong to several Arena workspaces. Zero sends none.
	WorkspaceID int64
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")

	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.TokenPath == "" {
		c.TokenPath = DefaultTokenPath
	}
	if c.RecordsPath == "" {
		c.RecordsPath = DefaultRecordsPath
	}
	if c.RecordPath == "" {
		c.RecordPath = DefaultRecordPath
	}
	if c.CompletePath == "" {
		c.CompletePath = DefaultCompletePath
	}
	if c.UserPath == "" {
		c.UserPath = DefaultUserPath
	}
	if len(c.RequiredScopes) == 0 {
		c.RequiredScopes = DefaultRequiredScopes()
	}
	if c.TokenRefreshMargin == 0 {
		c.TokenRefreshMargin = DefaultTokenRefreshMargin
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.AuthMode == "" {
		c.AuthMode = AuthModeToken
	}
	if c.LoginPath == "" {
		c.LoginPath = DefaultLoginPath
	}
	if c.SessionHeader == "" {
		c.SessionHeader = DefaultSessionHeader
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = DefaultSessionIdleTimeout
	}

	return c
}

// Validate reports every invalid field, after defaults are applied, as one
// error that wraps ErrInvalidConfig.
func (c Config) Validate() error {
	c = c.withDefaults()

	var errs []error
	if err := validateBaseURL(c.BaseURL); err != nil {
		errs = append(errs, err)
	}
	if c.ClientID == "" {
		errs = append(errs, invalidConfig("ClientID is missing; set the Arena service account's client id"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, invalidConfig("ClientSecret is missing; set the Arena service account's secret"))
	}
	if c.Timeout < 0 {
		errs = append(errs, invalidConfig("Timeout %s is negative; use a positive duration such as 10s", c.Timeout))
	}
	if c.TokenRefreshMargin < 0 {
		errs = append(errs, invalidConfig("TokenRefreshMargin %s is negative; use a positive duration such as 5m", c.TokenRefreshMargin))
	}
	if c.MaxResponseBytes < 0 {
		errs = append(errs, invalidConfig("MaxResponseBytes %d is negative; use a positive byte count", c.MaxResponseBytes))
	}

	if c.AuthMode != AuthModeToken && c.AuthMode != AuthModeSession {
		errs = append(errs, invalidConfig("AuthMode %q is unknown; use %q or %q", c.AuthMode, AuthModeToken, AuthModeSession))
	}
	if c.SessionIdleTimeout < 0 {
		errs = append(errs, invalidConfig("SessionIdleTimeout %s is negative; use a positive duration such as 90m", c.SessionIdleTimeout))
	}
	if strings.TrimSpace(c.SessionHeader) == "" || strings.ContainsAny(c.SessionHeader, " \t:") {
		errs = append(errs, invalidConfig("SessionHeader %q is not a header name; use a name such as arena_session_id", c.SessionHeader))
	}

	errs = append(errs, validatePath("TokenPath", c.TokenPath, ""))
	errs = append(errs, validatePath("LoginPath", c.LoginPath, ""))
	errs = append(errs, validatePath("RecordsPath", c.RecordsPath, ""))
	errs = append(errs, validatePath("RecordPath", c.RecordPath, PlaceholderTrainingRecordID))
	errs = append(errs, validatePath("CompletePath", c.CompletePath, PlaceholderTrainingRecordID))
	errs = append(errs, validatePath("UserPath", c.UserPath, PlaceholderEmployeeID))

	for i, scope := range c.RequiredScopes {
		if strings.TrimSpace(scope) == "" || strings.ContainsAny(scope, " \t") {
			errs = append(errs, invalidConfig("RequiredScopes[%d] %q is not a single scope name", i, scope))
		}
	}

	return errors.Join(errs...)
}

// MarshalLogObject writes the configuration to a zap log entry without the
// client secret.
func (c Config) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("base_url", c.BaseURL)
	enc.AddString("client_id", c.ClientID)
	enc.AddDuration("timeout", c.Timeout)
	enc.AddString("token_path", c.TokenPath)
	enc.AddString("records_path", c.RecordsPath)
	enc.AddString("record_path", c.RecordPath)
	enc.AddString("complete_path", c.CompletePath)
	enc.AddString("user_path", c.UserPath)
	enc.AddString("required_scopes", strings.Join(c.RequiredScopes, " "))
	enc.AddDuration("token_refresh_margin", c.TokenRefreshMargin)
	enc.AddString("auth_mode", string(c.AuthMode))
	enc.AddString("login_path", c.LoginPath)
	enc.AddString("session_header", c.SessionHeader)
	return nil
}

func validateBaseURL(raw string) error {
	if raw == "" {
		return invalidConfig("BaseURL is missing; set the Arena API root such as https://arena.example.com")
	}

	u, err := url.Parse(raw)
	if err != nil {
		return invalidConfig("BaseURL %q does not parse: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalidConfig("BaseURL %q must start with https:// or http://", raw)
	}
	if u.Host == "" {
		return invalidConfig("BaseURL %q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return invalidConfig("BaseURL %q must not contain a query or fragment", raw)
	}

	return nil
}

// validatePath returns nil for a path that starts with "/" and contains the
// placeholder, when one is given.
func validatePath(field, path, placeholder string) error {
	if !strings.HasPrefix(path, "/") {
		return invalidConfig("%s %q must start with /", field, path)
	}
	if placeholder != "" && !strings.Contains(path, placeholder) {
		return invalidConfig("%s %q must contain %s", field, path, placeholder)
	}
	return nil
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
