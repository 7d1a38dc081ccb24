package arena

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. Each is matched with errors.Is.
var (
	// ErrInvalidConfig is wrapped by Config.Validate and New for every
	// invalid Config field.
	ErrInvalidConfig = errors.New("invalid arena config")

	// ErrInvalidArgument is wrapped by the *Error that a call returns without
	// sending anything, because an id that goes into the URL path is empty.
	ErrInvalidArgument = errors.New("invalid argument")

	// ErrInvalidResponse is wrapped by the *Error that a call returns when
	// Arena responded 2xx with a body that does not decode, or with a token
	// response that lacks access_token. Such an *Error is retryable because Arena may
	// have applied the call, and the next attempt shows its effect.
	ErrInvalidResponse = errors.New("invalid arena response")

	// ErrMissingScopes is matched by the *ScopeError that CheckScopes returns.
	ErrMissingScopes = errors.New("arena token lacks required scopes")

	// ErrNotAdmitted is wrapped by the *Error that a call returns when its
	// CallGuard did not admit it, so nothing was sent. Such an *Error is
	// retryable.
	ErrNotAdmitted = errors.New("arena call not admitted by the call guard")
)

// maxMessageBytes bounds Error.Message, so a large HTML error page does not
// end up in logs and Kafka headers.
const maxMessageBytes = 512

// Error is a failed Arena call.
type Error struct {
	// Op is the endpoint that failed.
	Op Endpoint

	// StatusCode is the HTTP status Arena returned, or 0 when no response
	// arrived (transport failure, timeout, invalid argument).
	StatusCode int

	// Message is Arena's message from its JSON error body, or the start of the
	// body text, at most 512 bytes.
	Message string

	// Code is Arena's error code from the JSON error body, if any.
	Code string

	// RetryAfter is the wait Arena requested with Retry-After (seconds or an
	// HTTP date) or X-RateLimit-Reset. Zero means it requested none.
	RetryAfter time.Duration

	// Transport is true when the request failed before a response arrived.
	Transport bool

	// Timeout is true when the call ran out of time.
	Timeout bool

	// Err is the underlying error, if any.
	Err error
}

// Error returns a one-line description without tokens: Message has the
// tokens the call sent replaced, token response bodies are left out of
// Message, and request URLs carry no token.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("arena ")
	b.WriteString(string(e.Op))

	switch {
	case e.Timeout:
		b.WriteString(": timed out")
	case e.Transport:
		b.WriteString(": transport failure")
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}

	if e.Code != "" {
		fmt.Fprintf(&b, " [%s]", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}

	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call can succeed later: transport
// failures, timeouts, calls the CallGuard did not admit, 401 (after the
// refresh the client already tried), 408, 429, every 5xx and undecodable 2xx
// responses. Every other status, 400, 403, 404, 409 and 422 among them, and
// invalid arguments are permanent.
func (e *Error) Retryable() bool {
	if e.Transport || e.Timeout {
		return true
	}
	if errors.Is(e.Err, ErrInvalidResponse) || errors.Is(e.Err, ErrNotAdmitted) {
		return true
	}
	return retryableStatus(e.StatusCode)
}

func retryableStatus(code int) bool {
	switch {
	case code == http.StatusUnauthorized,
		code == http.StatusRequestTimeout,
		code == http.StatusTooManyRequests:
		return true
	case code >= 500 && code <= 599:
		return true
	default:
		return false
	}
}

// ScopeError is returned by CheckScopes when the token lacks required scopes.
type ScopeError struct {
	// ClientID is the service account whose token was checked.
	ClientID string

	// Missing are the required scopes the token does not have.
	Missing []string

	// Granted are the scopes the token has.
	Granted []string
}

// Error names the client id and the missing scopes, never the secret.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("arena client %q lacks required scopes %s (granted: %s); grant them to the service account in Arena",
		e.ClientID, strings.Join(e.Missing, ", "), grantedText(e.Granted))
}

// Is matches ErrMissingScopes.
func (e *ScopeError) Is(target error) bool { return target == ErrMissingScopes }

func grantedText(scopes []string) string {
	if len(scopes) == 0 {
		return "none"
	}
	return strings.Join(scopes, ", ")
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var arenaErr *Error
	ok := errors.As(err, &arenaErr)
	return arenaErr, ok
}

// StatusCode returns the HTTP status of the *Error in err's chain, or 0 when
// there is none or no response arrived.
func StatusCode(err error) int {
	if arenaErr, ok := AsError(err); ok {
		return arenaErr.StatusCode
	}
	return 0
}

// IsRetryable reports whether err holds an *Error whose Retryable is true.
func IsRetryable(err error) bool {
	arenaErr, ok := AsError(err)
	return ok && arenaErr.Retryable()
}

// IsUnauthorized reports whether Arena responded 401.
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports whether Arena responded 403.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsNotFound reports whether Arena responded 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether Arena responded 409.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsValidation reports whether Arena responded 400 or 422.
func IsValidation(err error) bool {
	code := StatusCode(err)
	return code == http.StatusBadRequest || code == http.StatusUnprocessableEntity
}

// IsRateLimited reports whether Arena responded 429.
func IsRateLimited(err error) bool { return StatusCode(err) == http.StatusTooManyRequests }

// RetryAfter returns the wait of the *Error in err's chain, or 0.
func RetryAfter(err error) time.Duration {
	if arenaErr, ok := AsError(err); ok {
		return arenaErr.RetryAfter
	}
	return 0
}
