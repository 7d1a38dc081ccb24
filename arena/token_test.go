package arena

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTokenRefreshAt(t *testing.T) {
	issued := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)

	tests := []struct {
		name     string
		lifetime time.Duration
		margin   time.Duration
		elapsed  time.Duration
		want     bool
	}{
		{"hour token before margin", time.Hour, 5 * time.Minute, 54*time.Minute + 59*time.Second, false},
		{"hour token at margin", time.Hour, 5 * time.Minute, 55 * time.Minute, true},
		{"six minute token before half", 6 * time.Minute, 5 * time.Minute, 2*time.Minute + 59*time.Second, false},
		{"six minute token at half", 6 * time.Minute, 5 * time.Minute, 3 * time.Minute, true},
		{"expired", time.Hour, 5 * time.Minute, 2 * time.Hour, true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := Token{AccessToken: "a", IssuedAt: issued, ExpiresAt: issued.Add(tt.lifetime)}

			if got := token.NeedsRefresh(issued.Add(tt.elapsed), tt.margin); got != tt.want {
				t.Errorf("NeedsRefresh = %t, want %t", got, tt.want)
			}
		})
	}

	if (Token{AccessToken: "a"}).NeedsRefresh(issued, time.Minute) {
		t.Error("a token without expiry needs refresh, want not")
	}
	if !(Token{}).NeedsRefresh(issued, time.Minute) {
		t.Error("an empty token needs no refresh, want it to")
	}
}

// countingFetcher returns tokens "t1", "t2", ... that live for an hour, after
// release is closed when it is set.
type countingFetcher struct {
	calls   atomic.Int32
	release chan struct{}
	err     error
	issued  time.Time
}

func (f *countingFetcher) FetchToken(context.Context) (Token, error) {
	n := f.calls.Add(1)
	if f.release != nil {
		<-f.release
	}
	if f.err != nil {
		return Token{}, f.err
	}
	return Token{
		AccessToken: "t" + string(rune('0'+n)),
		IssuedAt:    f.issued,
		ExpiresAt:   f.issued.Add(time.Hour),
	}, nil
}

func TestProcessTokenSourceSharesOneFetch(t *testing.T) {
	fetcher := &countingFetcher{release: make(chan struct{}), issued: time.Now()}
	source := NewProcessTokenSource(fetcher, 0, nil)

	var wg sync.WaitGroup
	tokens := make(chan string, 50)
	for range 50 {
		wg.Go(func() {
			token, err := source.Token(context.Background())
			if err != nil {
				t.Errorf("Token: %v", err)
			}
			tokens <- token.AccessToken
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(fetcher.release)
	wg.Wait()
	close(tokens)

	if got := fetcher.calls.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
	for token := range tokens {
		if token != "t1" {
			t.Errorf("token = %q, want t1", token)
		}
	}
}

func TestProcessTokenSourceRefreshesNearExpiry(t *testing.T) {
	issued := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	fetcher := &countingFetcher{issued: issued}
	source := NewProcessTokenSource(fetcher, 5*time.Minute, nil)
	now := issued
	source.now = func() time.Time { return now }
	ctx := context.Background()

	tests := []struct {
		name      string
		at        time.Duration
		wantToken string
	}{
		{"first call fetches", 0, "t1"},
		{"cached before the margin", 54 * time.Minute, "t1"},
		{"refetched within the margin", 55 * time.Minute, "t2"},
	}

	for _, tt := range tests {
		now = issued.Add(tt.at)
		token, err := source.Token(ctx)
		if err != nil {
			t.Fatalf("%s: Token: %v", tt.name, err)
		}
		if token.AccessToken != tt.wantToken {
			t.Errorf("%s: token = %q, want %q", tt.name, token.AccessToken, tt.wantToken)
		}
	}
}

func TestProcessTokenSourceInvalidate(t *testing.T) {
	tests := []struct {
		name      string
		stale     Token
		wantToken string
	}{
		{"stale token is dropped", Token{AccessToken: "t1"}, "t2"},
		{"other token keeps the cache", Token{AccessToken: "t0"}, "t1"},
		{"empty token keeps the cache", Token{}, "t1"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetcher := &countingFetcher{issued: time.Now()}
			source := NewProcessTokenSource(fetcher, 0, nil)
			ctx := context.Background()
			if _, err := source.Token(ctx); err != nil {
				t.Fatalf("Token: %v", err)
			}

			source.Invalidate(ctx, tt.stale)
			token, err := source.Token(ctx)

			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if token.AccessToken != tt.wantToken {
				t.Errorf("token = %q, want %q", token.AccessToken, tt.wantToken)
			}
		})
	}
}

func TestProcessTokenSourceDoesNotCacheErrors(t *testing.T) {
	fetchErr := errors.New("arena down")
	fetcher := &countingFetcher{err: fetchErr, issued: time.Now()}
	source := NewProcessTokenSource(fetcher, 0, nil)
	ctx := context.Background()

	for i := range 2 {
		if _, err := source.Token(ctx); !errors.Is(err, fetchErr) {
			t.Errorf("call %d: error = %v, want %v", i, err, fetchErr)
		}
	}
	if got := fetcher.calls.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}

func TestProcessTokenSourceCallerCancel(t *testing.T) {
	fetcher := &countingFetcher{release: make(chan struct{}), issued: time.Now()}
	source := NewProcessTokenSource(fetcher, 0, nil)
	ctx, cancel := context.WithCancel(context.Background())

	done := make(chan error, 1)
	go func() {
		_, err := source.Token(ctx)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()

	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}

	// The fetch goes on without the cancelled caller and fills the cache.
	close(fetcher.release)
	token, err := source.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if token.AccessToken != "t1" {
		t.Errorf("token = %q, want t1", token.AccessToken)
	}
	if got := fetcher.calls.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}
