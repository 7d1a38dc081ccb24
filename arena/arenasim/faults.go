package arenasim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Failure is an injected error response.
type Failure struct {
	// Status is the HTTP status of the response.
	Status int

	// RetryAfter is sent verbatim as the Retry-After header (seconds or an
	// HTTP date). Empty sends none.
	RetryAfter string

	// Message is the error body's message. Empty means "injected failure".
	Message string
}

type queuedFailure struct {
	failure   Failure
	remaining int
}

type faults struct {
	next       map[Endpoint]*queuedFailure
	records    map[string]Failure
	outageFrom time.Time
	outageTo   time.Time
	errorRate  float64
	latency    time.Duration
}

func newFaults(errorRate float64, latency time.Duration) faults {
	return faults{
		next:      make(map[Endpoint]*queuedFailure),
		records:   make(map[string]Failure),
		errorRate: errorRate,
		latency:   latency,
	}
}

// FailNext makes the next n calls of endpoint fail with status. A 429 carries
// "Retry-After: 1". It replaces earlier FailNext calls for that endpoint.
func (s *Sim) FailNext(endpoint Endpoint, status, n int) {
	failure := Failure{Status: status}
	if status == http.StatusTooManyRequests {
		failure.RetryAfter = "1"
	}
	s.FailNextWith(endpoint, failure, n)
}

// FailNextWith makes the next n calls of endpoint fail with failure. It replaces
// earlier FailNext calls for that endpoint, and n of zero or less clears them.
func (s *Sim) FailNextWith(endpoint Endpoint, failure Failure, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if n <= 0 {
		delete(s.faults.next, endpoint)
		return
	}
	s.faults.next[endpoint] = &queuedFailure{failure: failure, remaining: n}
}

// FailRecord makes every completion of recordID fail with status until
// ClearFailures.
func (s *Sim) FailRecord(recordID string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.records[recordID] = Failure{Status: status}
}

// SetOutage makes every call, the token endpoint included, fail with 503 from
// from until to, with Retry-After set to the seconds left.
func (s *Sim) SetOutage(from, to time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.outageFrom, s.faults.outageTo = from, to
}

// ClearFailures removes the failures of FailNext, FailRecord and SetOutage.
// The error rate, latency and rate limit stay.
func (s *Sim) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()

	clear(s.faults.next)
	clear(s.faults.records)
	s.faults.outageFrom, s.faults.outageTo = time.Time{}, time.Time{}
}

// SetErrorRate sets the fraction, 0 to 1, of training-record calls that fail
// with 503 at random. Values outside are clamped.
func (s *Sim) SetErrorRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.errorRate = min(max(rate, 0), 1)
}

// SetLatency sets the delay added before every response. Zero or less removes
// it.
func (s *Sim) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = max(d, 0)
}

// SetRateLimit sets the requests per second above which calls fail with 429.
// Zero or less removes the limit.
func (s *Sim) SetRateLimit(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if perSecond <= 0 {
		s.limiter = nil
		return
	}
	burst := max(1, int(math.Ceil(perSecond)))
	s.limiter = rate.NewLimiter(rate.Limit(perSecond), burst)
}

func (s *Sim) rejectOutage(w http.ResponseWriter) bool {
	s.mu.Lock()
	now := s.now()
	from, to := s.faults.outageFrom, s.faults.outageTo
	inOutage := !to.IsZero() && !now.Before(from) && now.Before(to)
	if inOutage {
		s.stats.InjectedFailures++
	}
	s.mu.Unlock()

	if !inOutage {
		return false
	}

	w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(to.Sub(now))))
	writeError(w, http.StatusServiceUnavailable, codeServiceUnavailable,
		fmt.Sprintf("Arena is unavailable until %s", to.UTC().Format(time.RFC3339)))
	return true
}

func (s *Sim) rejectRateLimit(w http.ResponseWriter) bool {
	s.mu.Lock()
	wait := s.reserve()
	if wait > 0 {
		s.stats.RateLimited++
	}
	s.mu.Unlock()

	if wait == 0 {
		return false
	}

	w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
	writeError(w, http.StatusTooManyRequests, codeRateLimited, "rate limit exceeded; retry after the Retry-After seconds")
	return true
}

// reserve takes one request from the limiter and returns 0, or returns how
// long the caller must wait and takes nothing. s.mu must be held.
func (s *Sim) reserve() time.Duration {
	if s.limiter == nil {
		return 0
	}

	now := s.now()
	reservation := s.limiter.ReserveN(now, 1)
	wait := reservation.DelayFrom(now)
	if wait > 0 {
		reservation.CancelAt(now)
	}
	return wait
}

func (s *Sim) rejectInjected(e Endpoint, w http.ResponseWriter) bool {
	s.mu.Lock()
	queued := s.faults.next[e]
	var failure Failure
	if queued != nil {
		failure = queued.failure
		queued.remaining--
		if queued.remaining <= 0 {
			delete(s.faults.next, e)
		}
		s.stats.InjectedFailures++
	}
	s.mu.Unlock()

	if queued == nil {
		return false
	}
	writeFailure(w, failure)
	return true
}

func (s *Sim) rejectRandom(e Endpoint, w http.ResponseWriter) bool {
	if !isTrainingCall(e) {
		return false
	}

	s.mu.Lock()
	fail := s.faults.errorRate > 0 && s.rng.Float64() < s.faults.errorRate
	if fail {
		s.stats.InjectedFailures++
	}
	s.mu.Unlock()

	if !fail {
		return false
	}
	writeError(w, http.StatusServiceUnavailable, codeServiceUnavailable, "Arena is temporarily unavailable (random error rate)")
	return true
}

// recordFailure returns the FailRecord failure of recordID, if any.
func (s *Sim) recordFailure(recordID string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	failure, ok := s.faults.records[recordID]
	if ok {
		s.stats.InjectedFailures++
	}
	return failure, ok
}

func writeFailure(w http.ResponseWriter, failure Failure) {
	if failure.RetryAfter != "" {
		w.Header().Set("Retry-After", failure.RetryAfter)
	}
	if failure.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}

	message := failure.Message
	if message == "" {
		message = "injected failure"
	}
	writeError(w, failure.Status, codeInjected, message)
}

// ceilSeconds rounds d up to whole seconds, at least 1, for Retry-After.
func ceilSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
