package producer

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/arenasync/arenasync/pipeline"
)

// Media types of the response bodies.
const (
	contentTypeJSON    = "application/json"
	contentTypeProblem = "application/problem+json"
)

// Problem types, the "type" member of a problem+json response. They are URNs
// because they identify a kind of problem and are not meant to be fetched.
const (
	ProblemUnauthorized     = problemPrefix + "unauthorized"
	ProblemUnknownSource    = problemPrefix + "unknown_source"
	ProblemMethodNotAllowed = problemPrefix + "method_not_allowed"
	ProblemUnsupportedMedia = problemPrefix + "unsupported_media_type"
	ProblemBodyTooLarge     = problemPrefix + "body_too_large"
	ProblemRequestTimeout   = problemPrefix + "request_timeout"
	ProblemMalformedBody    = problemPrefix + "malformed_body"
	ProblemInvalidEvent     = problemPrefix + "invalid_event"
	ProblemKafkaUnavailable = problemPrefix + "kafka_unavailable"
	ProblemNotReady         = problemPrefix + "not_ready"
	ProblemNotFound         = problemPrefix + "not_found"
	ProblemInternal         = problemPrefix + "internal"
)

// problemPrefix starts every problem type. The rest of the type is the
// reason that rejections are logged with.
const problemPrefix = "urn:arenasync:problem:"

// problemReason returns the log reason of a problem type, such as
// "invalid_event".
func problemReason(problemType string) string {
	return strings.TrimPrefix(problemType, problemPrefix)
}

// Problem is an RFC 9457 problem details object with the extensions of the
// ingest responses.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// EventID is the event id when the body carried one.
	EventID string `json:"eventId,omitempty"`
	// Errors lists every invalid field of a 422 response.
	Errors []pipeline.FieldError `json:"errors,omitempty"`
	// Sources lists the registered sources of a 404 response.
	Sources []string `json:"sources,omitempty"`
}

// newProblem returns a problem whose title is the status text.
func newProblem(problemType string, status int, detail string) Problem {
	return Problem{Type: problemType, Title: http.StatusText(status), Status: status, Detail: detail}
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, p Problem) {
	writeJSON(w, contentTypeProblem, p.Status, p)
}

// writeJSON sends body with the given media type and status. The body is
// encoded before the status is sent, so an encoding error becomes a 500.
func writeJSON(w http.ResponseWriter, mediaType string, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)

		return
	}

	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
