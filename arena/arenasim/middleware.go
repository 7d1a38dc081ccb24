package arenasim

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// maxBodyBytes bounds request bodies. Larger ones are rejected with 413.
const maxBodyBytes = 64 << 10

// statusClientGone is logged when the client went away before the response,
// borrowing nginx's 499.
const statusClientGone = 499

// endpoint wraps h with the checks every request of endpoint e passes, and
// records the request in the stats and the request log.
func (s *Sim) endpoint(e Endpoint, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		recorder := &statusRecorder{ResponseWriter: w}

		s.serve(e, recorder, r, h)

		status := recorder.status
		if status == 0 {
			status = statusClientGone
		}
		s.recordRequest(e, r, status, start)
	})
}

// serve runs the checks in the order the package documentation lists, then
// the endpoint's handler.
func (s *Sim) serve(e Endpoint, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if !s.delay(r.Context()) {
		return
	}
	if s.rejectOutage(w) || s.rejectQuota(w) || s.rejectRateLimit(w) || s.rejectInjected(e, w) || s.rejectRandom(e, w) {
		return
	}
	if e == EndpointUnknown {
		h(w, r)
		return
	}

	if !checkMediaTypes(w, r) {
		return
	}
	if e != EndpointToken && e != EndpointLogin && !s.authorize(e, w, r) {
		return
	}

	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	h(w, r)
}

// delay waits for the configured latency and reports false when the client
// went away meanwhile.
func (s *Sim) delay(ctx context.Context) bool {
	s.mu.Lock()
	latency := s.faults.latency
	s.mu.Unlock()

	if latency <= 0 {
		return true
	}

	timer := time.NewTimer(latency)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// checkMediaTypes rejects a POST whose Content-Type is not JSON with 415, and
// a request whose Accept is missing or does not allow JSON with 406.
func checkMediaTypes(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mediaType != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMediaType,
				fmt.Sprintf("Content-Type %q is not supported; send application/json", r.Header.Get("Content-Type")))
			return false
		}
	}

	if !acceptsJSON(r.Header.Values("Accept")) {
		writeError(w, http.StatusNotAcceptable, codeNotAcceptable,
			fmt.Sprintf("Accept %q does not allow application/json; send Accept: application/json", r.Header.Get("Accept")))
		return false
	}

	return true
}

func acceptsJSON(values []string) bool {
	for _, value := range values {
		for _, item := range strings.Split(value, ",") {
			mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err != nil {
				continue
			}
			switch mediaType {
			case "application/json", "application/*", "*/*":
				return true
			}
		}
	}
	return false
}

// statusRecorder keeps the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Sim) recordRequest(e Endpoint, r *http.Request, status int, start time.Time) {
	entry := RequestLogEntry{
		Method:    r.Method,
		Path:      r.URL.Path,
		Endpoint:  e,
		Status:    status,
		RequestID: r.Header.Get("X-Request-ID"),
		At:        start,
		Duration:  s.now().Sub(start),
	}

	s.mu.Lock()
	s.stats.Requests[e]++
	s.requestLog.add(entry)
	s.mu.Unlock()

	s.logger.Debug("arena simulator request",
		zap.String(logKeyMethod, entry.Method),
		zap.String(logKeyPath, entry.Path),
		zap.String(logKeyEndpoint, string(e)),
		zap.Int(logKeyStatusCode, status),
		zap.String(logKeyRequestID, entry.RequestID))
}
