package dev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// Generator settings.
const (
	// maxDeferred is how many follow-up webhooks a sender holds before it
	// posts the oldest, so a completion goes out a few webhooks after its
	// enrollment was accepted instead of right after it.
	maxDeferred = 3

	// maxPostAttempts bounds the attempts of one webhook that ingest rejects
	// with 503 or 429 or that fails in transport.
	maxPostAttempts = 6

	// requestTimeout bounds one webhook request.
	requestTimeout = 15 * time.Second

	// maxReportedErrors bounds the generator errors kept for the result.
	maxReportedErrors = 10
)

// generator posts the webhooks of a plan to the ingest with several
// concurrent senders.
type generator struct {
	client  *http.Client
	url     string
	token   string
	senders int
	limiter *rate.Limiter
	logger  *zap.Logger

	// responded counts webhooks with a 202, 200 or 422 response, whose
	// event ids the tracker records. A 200 names an event that already got
	// a 202.
	responded atomic.Int64

	mu     sync.Mutex
	errs   []error
	failed int
}

// newGenerator returns a generator posting to url with token. A rate of
// zero posts as fast as ingest responds.
func newGenerator(url, token string, senders int, perSecond float64, logger *zap.Logger) *generator {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = senders
	transport.MaxConnsPerHost = senders

	g := &generator{
		client:  &http.Client{Transport: transport, Timeout: requestTimeout},
		url:     url,
		token:   token,
		senders: senders,
		logger:  logger,
	}
	if perSecond > 0 {
		g.limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
	}

	return g
}

// run posts every unit and returns when all have a response or ctx ends.
// The error lists webhooks whose response status differed from the plan or
// that could not be posted.
func (g *generator) run(ctx context.Context, units []unit) error {
	defer g.client.CloseIdleConnections()

	queue := make(chan unit)
	go func() {
		defer close(queue)
		for _, u := range units {
			select {
			case queue <- u:
			case <-ctx.Done():
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range g.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.sender(ctx, queue)
		}()
	}
	wg.Wait()

	return g.err()
}

// sender posts units from queue. The follow-up of an accepted webhook waits
// in a local list until maxDeferred are held or the queue is empty.
func (g *generator) sender(ctx context.Context, queue <-chan unit) {
	var later []planned
	for ctx.Err() == nil {
		if len(later) > 0 && (len(later) >= maxDeferred || queue == nil) {
			g.post(ctx, later[0])
			later = later[1:]

			continue
		}
		if queue == nil {
			return
		}

		var u unit
		var open bool
		select {
		case u, open = <-queue:
		case <-ctx.Done():
			return
		}
		if !open {
			queue = nil

			continue
		}

		if g.post(ctx, u.first) && u.next != nil {
			later = append(later, *u.next)
		}
	}
}

// post sends one webhook and reports whether ingest accepted it. A status
// other than the planned one is recorded as an error.
func (g *generator) post(ctx context.Context, p planned) bool {
	body, err := json.Marshal(p.body)
	if err != nil {
		g.fail(fmt.Errorf("encode webhook %s: %w", p.body.EventID, err))

		return false
	}

	status, err := g.postWithRetries(ctx, body)
	if err != nil {
		if ctx.Err() == nil {
			g.fail(fmt.Errorf("post webhook %s: %w", p.body.EventID, err))
		}

		return false
	}

	switch status {
	case http.StatusAccepted, http.StatusOK, http.StatusUnprocessableEntity:
		g.responded.Add(1)
	}
	// Ingest returns 200 for a repeat of a webhook whose first attempt it
	// accepted although the response did not arrive.
	duplicate := status == http.StatusOK && p.status == http.StatusAccepted
	if status != p.status && !duplicate {
		g.fail(fmt.Errorf("webhook %s got status %d, the plan expected %d", p.body.EventID, status, p.status))
	}

	return status == http.StatusAccepted || status == http.StatusOK
}

// postWithRetries posts body until ingest responds with a status other than
// 503 or 429. Between attempts it waits for the Retry-After header's delay,
// or for a growing backoff when the header is missing.
func (g *generator) postWithRetries(ctx context.Context, body []byte) (int, error) {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if g.limiter != nil {
			if err := g.limiter.Wait(ctx); err != nil {
				return 0, err
			}
		}

		status, retryAfter, err := g.postOnce(ctx, body)
		if err == nil && status != http.StatusServiceUnavailable && status != http.StatusTooManyRequests {
			return status, nil
		}
		if err == nil {
			err = fmt.Errorf("ingest responded with status %d", status)
		}
		if attempt == maxPostAttempts || ctx.Err() != nil {
			return 0, fmt.Errorf("%d attempts failed, the last: %w", attempt, err)
		}

		wait := backoff
		if retryAfter > 0 {
			wait = retryAfter
		}
		g.logger.Warn("posting a webhook failed; retrying", zap.Int(keyAttempt, attempt), zap.Duration(keyWait, wait), zap.Error(err))
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// postOnce sends one request and returns the status and the Retry-After wait.
func (g *generator) postOnce(ctx context.Context, body []byte) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.token)

	resp, err := g.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()

	// Reading the body to the end lets the connection be reused.
	_, _ = io.Copy(io.Discard, resp.Body)

	seconds, _ := strconv.Atoi(resp.Header.Get("Retry-After"))

	return resp.StatusCode, time.Duration(seconds) * time.Second, nil
}

// fail records a generator error, keeping the first few.
func (g *generator) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()

	g.failed++
	if len(g.errs) < maxReportedErrors {
		g.errs = append(g.errs, err)
	}
	g.logger.Error("generator error", zap.Error(err))
}

// err returns the recorded errors as one, nil when there were none.
func (g *generator) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()

	if g.failed == 0 {
		return nil
	}

	err := errors.Join(g.errs...)
	if g.failed > len(g.errs) {
		err = fmt.Errorf("%w\n(and %d more generator errors)", err, g.failed-len(g.errs))
	}

	return err
}
