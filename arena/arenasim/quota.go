package arenasim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// quota is a window in which the workspace's request quota is used up.
type quota struct {
	until time.Time

	// retryAfter makes the 429 responses carry the seconds left as
	// Retry-After. Without it they carry no hint, as real Arena's quota
	// responses may not.
	retryAfter bool
}

// SetQuotaExhausted makes every call, the token and login endpoints
// included, fail with 429 until until, as when a workspace has used up its
// request quota for the period. withRetryAfter adds Retry-After with the
// seconds left. A zero until ends the window.
func (s *Sim) SetQuotaExhausted(until time.Time, withRetryAfter bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = quota{until: until, retryAfter: withRetryAfter}
}

func (s *Sim) rejectQuota(w http.ResponseWriter) bool {
	s.mu.Lock()
	now := s.now()
	q := s.quota
	exhausted := now.Before(q.until)
	if exhausted {
		s.stats.QuotaRejected++
	}
	s.mu.Unlock()

	if !exhausted {
		return false
	}

	if q.retryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(q.until.Sub(now))))
	}
	writeError(w, http.StatusTooManyRequests, codeRateLimited,
		fmt.Sprintf("the workspace's request quota is used up until %s", q.until.UTC().Format(time.RFC3339)))
	return true
}
