package arena

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Client calls the Arena REST API. It is safe for concurrent use.
type Client struct {
	cfg      Config
	http     *http.Client
	logger   *zap.Logger
	tokens   TokenSource
	observe  func(CallInfo)
	guard    CallGuard
	now      func() time.Time
	newToken func(TokenFetcher) TokenSource
}

// CallInfo describes one HTTP exchange with Arena, for metrics.
type CallInfo struct {
	Endpoint Endpoint

	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int

	// Duration is the time from sending the request to reading the body.
	Duration time.Duration

	// Err is nil for a 2xx response that decoded.
	Err error
}

// Option changes a Client built by New.
type Option func(*Client)

// WithTokenSource makes the client take tokens from source instead of the
// per-process cache.
func WithTokenSource(source TokenSource) Option {
	return func(c *Client) {
		c.newToken = func(TokenFetcher) TokenSource { return source }
	}
}

// WithTokenSourceFunc builds the token source from the new client, which
// serves as its TokenFetcher. A Redis-shared source that fetches through the
// client uses this.
func WithTokenSourceFunc(build func(fetcher TokenFetcher) TokenSource) Option {
	return func(c *Client) { c.newToken = build }
}

// WithCallObserver calls observe after every HTTP exchange, 401 retries and
// token requests included. observe must not block.
func WithCallObserver(observe func(CallInfo)) Option {
	return func(c *Client) { c.observe = observe }
}

// New returns a Client for cfg. A nil httpClient means a client with a pooled
// transport that does not follow redirects, because a redirected POST would
// turn into a GET. A nil logger logs nothing. Without WithTokenSource the
// client keeps its token in a ProcessTokenSource.
func New(cfg Config, httpClient *http.Client, logger *zap.Logger, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = defaultHTTPClient()
	}
	if logger == nil {
		logger = zap.NewNop()
	}

	c := &Client{
		cfg:     cfg.withDefaults(),
		http:    httpClient,
		logger:  logger,
		observe: func(CallInfo) {},
		now:     time.Now,
	}
	c.newToken = func(fetcher TokenFetcher) TokenSource {
		return NewProcessTokenSource(fetcher, c.cfg.TokenRefreshMargin, logger)
	}

	for _, opt := range opts {
		opt(c)
	}
	c.tokens = c.newToken(c)

	return c, nil
}

// Config returns the client's configuration with defaults applied.
func (c *Client) Config() Config { return c.cfg }

func defaultHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16

	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// call is one authenticated Arena request.
type call struct {
	op        Endpoint
	method    string
	path      string
	requestID string
	body      any
	out       any

	// usedTokens are the tokens this call has sent, removed from Arena's
	// error messages in case Arena echoes one.
	usedTokens []string
}

// do sends cl with a bearer token. When Arena rejects the token with 401, do
// invalidates it and sends the call once more with a fresh one. A second 401
// is returned.
func (c *Client) do(ctx context.Context, cl call) error {
	payload, err := encodeBody(cl.body)
	if err != nil {
		return &Error{Op: cl.op, Err: fmt.Errorf("%w: encode request body: %v", ErrInvalidArgument, err)}
	}
	if cl.requestID == "" {
		cl.requestID = newRequestID()
	}

	token, err := c.token(ctx)
	if err != nil {
		return err
	}

	cl.usedTokens = append(cl.usedTokens, token.AccessToken)
	err = c.exchange(ctx, cl, payload, token.AccessToken)
	if !IsUnauthorized(err) {
		return err
	}

	c.logger.Warn("arena rejected the token, retrying once with a new one",
		zap.String(logKeyEndpoint, string(cl.op)),
		zap.String(logKeyRequestID, cl.requestID))
	c.tokens.Invalidate(ctx, token)

	token, err = c.token(ctx)
	if err != nil {
		return err
	}
	cl.usedTokens = append(cl.usedTokens, token.AccessToken)
	return c.exchange(ctx, cl, payload, token.AccessToken)
}

// token returns a token from the token source. Errors that are not already
// an *Error (Redis failures, cancellation) become a retryable transport
// *Error of the token endpoint.
func (c *Client) token(ctx context.Context) (Token, error) {
	token, err := c.tokens.Token(ctx)
	if err == nil {
		return token, nil
	}

	if _, ok := AsError(err); ok {
		return Token{}, err
	}
	return Token{}, &Error{
		Op:        EndpointToken,
		Transport: true,
		Timeout:   isTimeout(err),
		Err:       err,
	}
}

// exchange sends one HTTP request and decodes a 2xx body into cl.out. An
// empty bearer sends no Authorization header. The call guard's wait comes
// before the call's Timeout starts.
func (c *Client) exchange(ctx context.Context, cl call, payload []byte, bearer string) error {
	done, err := c.admit(ctx, cl.op)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	req, err := c.newRequest(ctx, cl, payload, bearer)
	if err != nil {
		done(CallInfo{Endpoint: cl.op, Err: err})
		return &Error{Op: cl.op, Err: fmt.Errorf("%w: %v", ErrInvalidArgument, err)}
	}

	start := c.now()
	status, err := c.roundTrip(req, cl)
	duration := c.now().Sub(start)

	info := CallInfo{Endpoint: cl.op, StatusCode: status, Duration: duration, Err: err}
	done(info)
	c.observe(info)
	c.logger.Debug("arena call",
		zap.String(logKeyEndpoint, string(cl.op)),
		zap.String(logKeyRequestID, cl.requestID),
		zap.Int(logKeyStatusCode, status),
		zap.Duration(logKeyDuration, duration))

	return err
}

// roundTrip returns the response status and the call's error, if any.
func (c *Client) roundTrip(req *http.Request, cl call) (int, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, transportError(cl.op, err)
	}
	defer resp.Body.Close()

	body, err := readBody(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		e := transportError(cl.op, err)
		e.StatusCode = resp.StatusCode
		return resp.StatusCode, e
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, responseError(cl.op, resp, body, cl.usedTokens, c.now())
	}

	if int64(len(body)) > c.cfg.MaxResponseBytes {
		return resp.StatusCode, &Error{
			Op:         cl.op,
			StatusCode: resp.StatusCode,
			Err:        fmt.Errorf("%w: %s body exceeds %d bytes; raise MaxResponseBytes", ErrInvalidResponse, cl.op, c.cfg.MaxResponseBytes),
		}
	}

	if cl.out != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, cl.out); err != nil {
			return resp.StatusCode, decodeError(cl.op, resp.StatusCode, body, err)
		}
	}

	return resp.StatusCode, nil
}

// decodeError builds the *Error for a 2xx body that does not decode. The
// body of a token or login response is left out, because it may hold the
// token or session id.
func decodeError(op Endpoint, status int, body []byte, err error) *Error {
	e := &Error{
		Op:         op,
		StatusCode: status,
		Err:        fmt.Errorf("%w: decode %s body: %v", ErrInvalidResponse, op, err),
	}
	if op != EndpointToken && op != EndpointLogin {
		e.Message = truncate(string(body), maxMessageBytes)
	}
	return e
}

func (c *Client) newRequest(ctx context.Context, cl call, payload []byte, bearer string) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}

	req, err := http.NewRequestWithContext(ctx, cl.method, c.cfg.BaseURL+cl.path, body)
	if err != nil {
		return nil, err
	}

	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Request-ID", cl.requestID)
	switch {
	case bearer == "":
	case c.cfg.AuthMode == AuthModeSession:
		req.Header.Set(c.cfg.SessionHeader, bearer)
	default:
		req.Header.Set("Authorization", "Bearer "+bearer)
	}

	return req, nil
}

func encodeBody(body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	return json.Marshal(body)
}

// readBody reads at most limit+1 bytes, so the caller can tell a body that
// exceeds limit from one that fits.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	return data, nil
}

func transportError(op Endpoint, err error) *Error {
	return &Error{Op: op, Transport: true, Timeout: isTimeout(err), Err: err}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}

	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// newRequestID returns a random id for calls whose caller passed none.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "arenasync-" + hex.EncodeToString(b[:])
}
