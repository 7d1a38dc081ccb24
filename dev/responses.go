package dev

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// webhookPathPrefix starts the ingest's webhook routes.
const webhookPathPrefix = "/v1/webhooks/"

// maxRecordedBody bounds the response bytes kept for parsing. Ingest
// responses are small JSON objects.
const maxRecordedBody = 64 << 10

// ingestResponse holds the fields of the ingest's 202 and 422 bodies that
// name event ids.
type ingestResponse struct {
	EventID  string   `json:"eventId"`
	EventIDs []string `json:"eventIds"`
}

// recordResponses wraps the ingest handler and reports to the tracker which
// event ids each webhook response accepted (202) or rejected as invalid
// (422). It reads the responses ingest sends, so events from the generator
// and from outside clients are tracked the same way.
func recordResponses(next http.Handler, t *tracker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, webhookPathPrefix) {
			next.ServeHTTP(w, r)

			return
		}

		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		if rec.status != http.StatusAccepted && rec.status != http.StatusUnprocessableEntity {
			return
		}
		if ids := responseEventIDs(rec.body.Bytes()); len(ids) > 0 {
			t.recordResponse(rec.status, ids)
		}
	})
}

// responseEventIDs returns the event ids of a 202 or 422 body. A 422 for a body
// without an event id names none, and such a dead letter cannot be tracked.
func responseEventIDs(body []byte) []string {
	var a ingestResponse
	if err := json.Unmarshal(body, &a); err != nil {
		return nil
	}
	if len(a.EventIDs) > 0 {
		return a.EventIDs
	}
	if a.EventID != "" {
		return []string{a.EventID}
	}

	return nil
}

// responseRecorder passes a response through and keeps its status and body.
type responseRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

// WriteHeader records the status and sends it.
func (r *responseRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write keeps the start of the body and sends all of it.
func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if room := maxRecordedBody - r.body.Len(); room > 0 {
		r.body.Write(b[:min(len(b), room)])
	}

	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer, which
// ingest uses to set the body's read deadline.
func (r *responseRecorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}
