package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// ErrRejected is wrapped by post's error when the webhook responded with a
// status that a retry cannot fix, such as 400 or 404.
var ErrRejected = errors.New("webhook rejected the message")

// statusError is a webhook response with a status other than 2xx.
type statusError struct {
	status     int
	body       string
	retryAfter time.Duration
}

func (e *statusError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("webhook responded %d", e.status)
	}

	return fmt.Sprintf("webhook responded %d: %s", e.status, e.body)
}

// Unwrap returns ErrRejected for statuses that a retry cannot fix.
func (e *statusError) Unwrap() error {
	if retryableStatus(e.status) {
		return nil
	}

	return ErrRejected
}

// retryableStatus reports whether a later post may succeed.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// deliver sends msg, retrying as the package doc describes, and counts and
// logs the result.
func (n *Notifier) deliver(ctx context.Context, msg Message) {
	if n.cfg.WebhookURL == "" {
		n.metrics.sent.WithLabelValues(channelLog).Inc()
		n.logger.Info("dead-letter notification (no webhook URL configured, so only logged)",
			zap.String(keyReason, msg.Reason), zap.Int(keyCount, msg.Count), zap.String(keyText, msg.Text))

		return
	}

	backoff := n.cfg.RetryBackoff
	var err error
	for attempt := 1; attempt <= n.cfg.MaxAttempts; attempt++ {
		err = n.post(ctx, msg.Text)
		if err == nil {
			n.metrics.sent.WithLabelValues(channelWebhook).Inc()
			n.logger.Info("dead-letter notification sent",
				zap.String(keyReason, msg.Reason), zap.Int(keyCount, msg.Count), zap.Int(keyAttempt, attempt),
				zap.String(keyHost, n.host), zap.String(keyText, msg.Text))

			return
		}
		n.metrics.attemptsFailed.Inc()

		if errors.Is(err, ErrRejected) || attempt == n.cfg.MaxAttempts {
			break
		}

		wait := n.retryWait(err, backoff)
		n.logger.Warn("posting dead-letter notification failed; retrying",
			zap.String(keyReason, msg.Reason), zap.Int(keyAttempt, attempt), zap.String(keyHost, n.host),
			zap.Duration(keyWait, wait), zap.String(keyError, err.Error()))
		if !sleep(ctx, wait) {
			break
		}
		backoff = min(backoff*2, n.cfg.MaxBackoff)
	}

	n.metrics.failed.Inc()
	n.logger.Error("dead-letter notification not sent; check the webhook URL and the channel",
		zap.String(keyReason, msg.Reason), zap.Int(keyCount, msg.Count), zap.String(keyHost, n.host),
		zap.String(keyText, msg.Text), zap.String(keyError, err.Error()))
}

// retryWait returns the wait before the next post: the webhook's
// Retry-After when it sent one, else backoff, never above MaxBackoff.
func (n *Notifier) retryWait(err error, backoff time.Duration) time.Duration {
	var status *statusError
	if errors.As(err, &status) && status.retryAfter > 0 {
		return min(status.retryAfter, n.cfg.MaxBackoff)
	}

	return backoff
}

// post sends text once. Its errors never contain the webhook URL.
func (n *Notifier) post(ctx context.Context, text string) error {
	body, err := json.Marshal(struct {
		Text string `json:"text"`
	}{Text: text})
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("build webhook request: the webhook URL is invalid")
	}
	req.Header.Set("Content-Type", "application/json")

	resp, err := n.client.Do(req)
	if err != nil {
		return withoutURL(err)
	}
	defer resp.Body.Close()

	// Slack and Teams explain a rejection in a short plain-text body.
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}

	return &statusError{status: resp.StatusCode, body: string(bytes.TrimSpace(excerpt)), retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
}

// withoutURL strips the request URL from a transport error, because
// *url.Error prints it and the URL contains a credential.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("post to webhook: %w", urlErr.Err)
	}

	return fmt.Errorf("post to webhook: %w", err)
}

// parseRetryAfter reads a Retry-After header given in seconds; other forms
// yield 0, so the regular backoff applies.
func parseRetryAfter(value string) time.Duration {
	seconds, err := strconv.Atoi(value)
	if err != nil || seconds < 0 {
		return 0
	}

	return time.Duration(seconds) * time.Second
}

// sleep waits for d and reports whether ctx was still live afterwards.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
