package arena

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"
)

// Token is an Arena access token.
type Token struct {
	// AccessToken is the bearer token. String and GoString never print it.
	AccessToken string

	// TokenType is the type Arena returned, normally "Bearer".
	TokenType string

	// IssuedAt is when the token request was sent.
	IssuedAt time.Time

	// ExpiresAt is IssuedAt plus expires_in. It is zero when Arena sent no
	// expires_in, and then the token is used until Arena rejects it.
	ExpiresAt time.Time

	// Scopes are the granted scopes from the space-separated scope field.
	Scopes []string
}

// RefreshAt returns when the token should be replaced: margin before
// ExpiresAt, but never earlier than half of its lifetime, so a short-lived
// token is not refreshed on every call. It returns the zero time when the
// token has no expiry.
func (t Token) RefreshAt(margin time.Duration) time.Time {
	if t.ExpiresAt.IsZero() {
		return time.Time{}
	}

	lifetime := t.ExpiresAt.Sub(t.IssuedAt)
	if t.IssuedAt.IsZero() || lifetime <= 0 {
		return t.ExpiresAt.Add(-margin)
	}
	return t.ExpiresAt.Add(-min(margin, lifetime/2))
}

// NeedsRefresh reports whether the token is empty or has reached RefreshAt.
func (t Token) NeedsRefresh(now time.Time, margin time.Duration) bool {
	if t.AccessToken == "" {
		return true
	}

	refreshAt := t.RefreshAt(margin)
	return !refreshAt.IsZero() && !now.Before(refreshAt)
}

// HasScope reports whether the token was granted scope.
func (t Token) HasScope(scope string) bool {
	return slices.Contains(t.Scopes, scope)
}

// String describes the token without its secret value.
func (t Token) String() string {
	return fmt.Sprintf("Token{type=%s expires_at=%s scopes=%s access_token=[redacted]}",
		t.TokenType, t.ExpiresAt.UTC().Format(time.RFC3339), strings.Join(t.Scopes, " "))
}

// GoString keeps %#v from printing the access token.
func (t Token) GoString() string { return t.String() }

// TokenFetcher requests a new token from Arena. *Client implements it.
type TokenFetcher interface {
	FetchToken(ctx context.Context) (Token, error)
}

// TokenSource supplies the token for Arena calls. The default keeps one token
// per process. A shared implementation (Redis) can replace it, so that every
// instance uses the same login.
type TokenSource interface {
	// Token returns the cached token, fetching a new one when none is cached
	// or the cached one is within the refresh margin of expiry.
	Token(ctx context.Context) (Token, error)

	// Invalidate drops the cached token after Arena rejected it with 401, but
	// only while the cached token is still stale, so a token that another
	// caller already refreshed survives.
	Invalidate(ctx context.Context, stale Token)
}

// ProcessTokenSource caches one token per process. Concurrent callers that
// find no valid token share one fetch.
type ProcessTokenSource struct {
	fetcher TokenFetcher
	margin  time.Duration
	logger  *zap.Logger
	now     func() time.Time

	flights singleflight.Group

	mu     sync.Mutex
	cached Token
}

var _ TokenSource = (*ProcessTokenSource)(nil)

// NewProcessTokenSource returns a per-process token source that fetches with
// fetcher and refreshes refreshMargin before expiry, but never earlier than
// half the token's lifetime. A refreshMargin of zero or less means
// DefaultTokenRefreshMargin, and a nil logger logs nothing.
func NewProcessTokenSource(fetcher TokenFetcher, refreshMargin time.Duration, logger *zap.Logger) *ProcessTokenSource {
	if refreshMargin <= 0 {
		refreshMargin = DefaultTokenRefreshMargin
	}
	if logger == nil {
		logger = zap.NewNop()
	}

	return &ProcessTokenSource{
		fetcher: fetcher,
		margin:  refreshMargin,
		logger:  logger,
		now:     time.Now,
	}
}

// Token returns the cached token or fetches a new one. The fetch runs without
// the caller's cancellation, because other callers may wait for it. The
// fetcher's own timeout bounds it.
func (s *ProcessTokenSource) Token(ctx context.Context) (Token, error) {
	if token, ok := s.fresh(); ok {
		return token, nil
	}

	results := s.flights.DoChan("token", func() (any, error) {
		return s.fetch(context.WithoutCancel(ctx))
	})

	select {
	case <-ctx.Done():
		return Token{}, ctx.Err()
	case result := <-results:
		if result.Err != nil {
			return Token{}, result.Err
		}
		return result.Val.(Token), nil
	}
}

// Invalidate drops the cached token if it is still stale.
func (s *ProcessTokenSource) Invalidate(_ context.Context, stale Token) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.cached.AccessToken != "" && s.cached.AccessToken == stale.AccessToken {
		s.cached = Token{}
		s.logger.Info("arena token invalidated after 401")
	}
}

// fresh returns the cached token when it needs no refresh yet.
func (s *ProcessTokenSource) fresh() (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.cached.NeedsRefresh(s.now(), s.margin) {
		return Token{}, false
	}
	return s.cached, true
}

func (s *ProcessTokenSource) fetch(ctx context.Context) (Token, error) {
	// A flight that ended just before this one started may have stored a
	// token already.
	if token, ok := s.fresh(); ok {
		return token, nil
	}

	token, err := s.fetcher.FetchToken(ctx)
	if err != nil {
		return Token{}, err
	}

	s.mu.Lock()
	s.cached = token
	s.mu.Unlock()

	return token, nil
}
