package producer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"time"
)

// headerRequestID carries the request id in both directions.
const headerRequestID = "X-Request-ID"

// maxRequestIDLength bounds a request id taken from the client.
const maxRequestIDLength = 128

// acceptedMediaTypes are the Content-Type values of a webhook body.
// Parameters such as charset are allowed.
var acceptedMediaTypes = map[string]bool{
	"application/json":             true,
	"application/cloudevents+json": true,
}

// requestID returns the client's X-Request-ID when it is printable ASCII of
// a sane length, and a new random id otherwise.
func requestID(r *http.Request) string {
	if id := r.Header.Get(headerRequestID); isPrintableID(id) {
		return id
	}

	var b [16]byte
	_, _ = rand.Read(b[:])

	return hex.EncodeToString(b[:])
}

// isPrintableID reports whether id is 1 to maxRequestIDLength characters of
// visible ASCII, which keeps control characters out of logs and headers.
func isPrintableID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '!' || id[i] > '~' {
			return false
		}
	}

	return true
}

// isJSONMediaType reports whether a Content-Type header names a JSON body.
func isJSONMediaType(header string) bool {
	mediaType, _, err := mime.ParseMediaType(header)

	return err == nil && acceptedMediaTypes[mediaType]
}

// readBody reads at most limit bytes of the body before deadline. It returns
// a 413 problem when the body is larger, a 408 problem when the deadline
// passes and a 400 problem when reading fails otherwise.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, deadline time.Time) ([]byte, *Problem) {
	if r.ContentLength > limit {
		p := newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is %d bytes, more than the limit of %d bytes: send a smaller body", r.ContentLength, limit))

		return nil, &p
	}

	// Servers that cannot set a read deadline, such as httptest recorders,
	// return http.ErrNotSupported, and the body is then read without one.
	_ = http.NewResponseController(w).SetReadDeadline(deadline)

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		p := newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body exceeds the limit of %d bytes: send a smaller body", tooLarge.Limit))

		return nil, &p
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p := newProblem(ProblemRequestTimeout, http.StatusRequestTimeout, "the body did not arrive before the request deadline: send it again")

		return nil, &p
	}
	if err != nil {
		p := newProblem(ProblemMalformedBody, http.StatusBadRequest, "reading the request body failed: "+err.Error())

		return nil, &p
	}

	return body, nil
}

// statusWriter remembers the status code sent, for the request metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status and sends it.
func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write sends body bytes. Without an earlier WriteHeader the status is 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}

	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
