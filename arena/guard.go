package arena

import (
	"context"
	"fmt"
)

// CallGuard admits Arena calls, for limits that span calls and processes:
// a shared rate limit, a limit on concurrent calls, or a pause that Arena
// requested with 429.
type CallGuard interface {
	// Admit blocks until a call to endpoint may be sent. It returns a
	// function that the client calls exactly once with the call's result,
	// or an error when the call must not be sent, such as when ctx ends
	// first.
	Admit(ctx context.Context, endpoint Endpoint) (done func(CallInfo), err error)
}

// WithCallGuard makes every HTTP exchange, token requests and 401 retries
// included, wait for guard's admission. Without it, calls are sent at once.
func WithCallGuard(guard CallGuard) Option {
	return func(c *Client) { c.guard = guard }
}

// admit waits for the call guard. Its error is a retryable *Error that
// wraps ErrNotAdmitted, because nothing was sent.
func (c *Client) admit(ctx context.Context, op Endpoint) (func(CallInfo), error) {
	if c.guard == nil {
		return func(CallInfo) {}, nil
	}

	done, err := c.guard.Admit(ctx, op)
	if err != nil {
		return nil, &Error{Op: op, Timeout: isTimeout(err), Err: fmt.Errorf("%w: %w", ErrNotAdmitted, err)}
	}
	return done, nil
}
