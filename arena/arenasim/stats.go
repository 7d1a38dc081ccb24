package arenasim

import (
	"maps"
	"time"
)

// Stats are counters since the simulator started or ResetStats ran.
type Stats struct {
	// Logins counts tokens issued.
	Logins int

	// SessionLogins counts sessions started at the login endpoint.
	SessionLogins int

	// LoginFailures counts token requests and session logins with a wrong
	// client id or secret.
	LoginFailures int

	// RejectedUnauthorized counts calls rejected with 401 for a missing,
	// unknown, revoked or expired token or session. Injected 401s are not
	// counted here.
	RejectedUnauthorized int

	// RateLimited counts calls rejected with 429 by the rate limit. Injected 429s
	// are not counted here.
	RateLimited int

	// QuotaRejected counts calls rejected with 429 by SetQuotaExhausted.
	QuotaRejected int

	// InjectedFailures counts failures returned by FailNext, FailRecord,
	// SetOutage and the random error rate.
	InjectedFailures int

	// Creates counts records created through the API.
	Creates int

	// Completions counts completions that succeeded.
	Completions int

	// DuplicateCompletions counts completions rejected because the record
	// was already COMPLETED.
	DuplicateCompletions int

	// Requests counts requests per endpoint, rejected ones included.
	Requests map[Endpoint]int
}

// RequestLogEntry is one request the simulator responded to.
type RequestLogEntry struct {
	Method    string
	Path      string
	Endpoint  Endpoint
	Status    int
	RequestID string
	At        time.Time
	Duration  time.Duration
}

// requestLog keeps the newest entries in a ring.
type requestLog struct {
	entries []RequestLogEntry
	next    int
	full    bool
}

func newRequestLog(size int) requestLog {
	return requestLog{entries: make([]RequestLogEntry, size)}
}

func (l *requestLog) add(entry RequestLogEntry) {
	if len(l.entries) == 0 {
		return
	}

	l.entries[l.next] = entry
	l.next = (l.next + 1) % len(l.entries)
	if l.next == 0 {
		l.full = true
	}
}

// snapshot returns the entries oldest first.
func (l *requestLog) snapshot() []RequestLogEntry {
	if !l.full {
		return append([]RequestLogEntry(nil), l.entries[:l.next]...)
	}

	out := make([]RequestLogEntry, 0, len(l.entries))
	out = append(out, l.entries[l.next:]...)
	return append(out, l.entries[:l.next]...)
}

// Stats returns a copy of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()

	stats := s.stats
	stats.Requests = maps.Clone(s.stats.Requests)
	return stats
}

// Requests returns the request log, oldest first.
func (s *Sim) Requests() []RequestLogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requestLog.snapshot()
}

// ResetStats sets every counter to zero and empties the request log.
func (s *Sim) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.stats = Stats{Requests: make(map[Endpoint]int)}
	s.requestLog = newRequestLog(len(s.requestLog.entries))
}
