package arena

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"
)

func TestErrorRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want bool
	}{
		{"400", &Error{StatusCode: 400}, false},
		{"401", &Error{StatusCode: 401}, true},
		{"403", &Error{StatusCode: 403}, false},
		{"404", &Error{StatusCode: 404}, false},
		{"408", &Error{StatusCode: 408}, true},
		{"409", &Error{StatusCode: 409}, false},
		{"413", &Error{StatusCode: 413}, false},
		{"415", &Error{StatusCode: 415}, false},
		{"422", &Error{StatusCode: 422}, false},
		{"429", &Error{StatusCode: 429}, true},
		{"500", &Error{StatusCode: 500}, true},
		{"502", &Error{StatusCode: 502}, true},
		{"503", &Error{StatusCode: 503}, true},
		{"504", &Error{StatusCode: 504}, true},
		{"transport", &Error{Transport: true, Err: syscall.ECONNREFUSED}, true},
		{"timeout", &Error{Transport: true, Timeout: true, Err: context.DeadlineExceeded}, true},
		{"undecodable 200", &Error{StatusCode: 200, Err: fmt.Errorf("%w: x", ErrInvalidResponse)}, true},
		{"invalid argument", &Error{Err: fmt.Errorf("%w: x", ErrInvalidArgument)}, false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Retryable(); got != tt.want {
				t.Errorf("Retryable() = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{
			name: "conflict with code",
			err:  &Error{Op: EndpointCompleteRecord, StatusCode: 409, Code: "invalid_record_state", Message: "record is COMPLETED"},
			want: "arena complete_record: 409 Conflict [invalid_record_state]: record is COMPLETED",
		},
		{
			name: "rate limited",
			err:  &Error{Op: EndpointCreateRecord, StatusCode: 429, RetryAfter: 7 * time.Second},
			want: "arena create_record: 429 Too Many Requests (retry after 7s)",
		},
		{
			name: "transport",
			err:  &Error{Op: EndpointToken, Transport: true, Err: syscall.ECONNREFUSED},
			want: "arena token: transport failure: connection refused",
		},
		{
			name: "timeout",
			err:  &Error{Op: EndpointGetUser, Transport: true, Timeout: true, Err: context.DeadlineExceeded},
			want: "arena get_user: timed out: context deadline exceeded",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	wrap := func(status int) error {
		return fmt.Errorf("handle event: %w", &Error{Op: EndpointCompleteRecord, StatusCode: status, RetryAfter: time.Second})
	}

	tests := []struct {
		name  string
		check func(error) bool
		err   error
		want  bool
	}{
		{"not found", IsNotFound, wrap(404), true},
		{"not found on 409", IsNotFound, wrap(409), false},
		{"conflict", IsConflict, wrap(409), true},
		{"forbidden", IsForbidden, wrap(403), true},
		{"unauthorized", IsUnauthorized, wrap(401), true},
		{"rate limited", IsRateLimited, wrap(429), true},
		{"validation 400", IsValidation, wrap(400), true},
		{"validation 422", IsValidation, wrap(422), true},
		{"validation 409", IsValidation, wrap(409), false},
		{"retryable 503", IsRetryable, wrap(503), true},
		{"retryable 404", IsRetryable, wrap(404), false},
		{"retryable plain error", IsRetryable, errors.New("other"), false},
		{"not found nil", IsNotFound, nil, false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(tt.err); got != tt.want {
				t.Errorf("got %t, want %t", got, tt.want)
			}
		})
	}

	if got := StatusCode(wrap(422)); got != 422 {
		t.Errorf("StatusCode = %d, want 422", got)
	}
	if got := StatusCode(errors.New("other")); got != 0 {
		t.Errorf("StatusCode(plain) = %d, want 0", got)
	}
	if got := RetryAfter(wrap(429)); got != time.Second {
		t.Errorf("RetryAfter = %s, want 1s", got)
	}
}

func TestErrorUnwrap(t *testing.T) {
	err := fmt.Errorf("outer: %w", &Error{Op: EndpointGetRecord, Transport: true, Err: context.Canceled})

	if !errors.Is(err, context.Canceled) {
		t.Error("errors.Is(err, context.Canceled) = false")
	}
}
