package producer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// webhookRoute is the ServeMux pattern of the webhook endpoint and the route
// label of its metrics.
const webhookRoute = "/v1/webhooks/{source}"

// Values of the status member in the JSON body of 200 and 202.
const (
	statusAccepted  = "accepted"
	statusDuplicate = "duplicate"
)

// acceptedResponse is the body of a 202.
type acceptedResponse struct {
	// EventID is the id of the first accepted event.
	EventID  string `json:"eventId"`
	Status   string `json:"status"`
	Accepted int    `json:"accepted"`
	// EventIDs lists every accepted event id when a body held more than one.
	EventIDs []string `json:"eventIds,omitempty"`
}

// duplicateResponse is the body of a 200 for a delivery seen before.
type duplicateResponse struct {
	// EventID is the id the first delivery was accepted under.
	EventID string `json:"eventId"`
	Status  string `json:"status"`
}

// webhook handles POST /v1/webhooks/{source}.
type webhook struct {
	cfg     Config
	log     *zap.Logger
	metrics *metrics
	writer  *writer
	sources sources
	dedupe  Deduplicator
	auth    authenticator
	now     func() time.Time

	// perSource holds the per-source verifiers, parsers and body limits.
	perSource     map[string]*sourceSettings
	sourceMetrics *sourceMetrics
	// bookkeeping remembers ids and records acceptances after the 202.
	bookkeeping *bookkeeper
}

// exchange is the state of one webhook request.
type exchange struct {
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	source    string
	log       *zap.Logger
}

// ServeHTTP responds to one webhook request and records its metrics.
func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() { h.metrics.observeRequest(webhookRoute, sw.status, time.Since(start)) }()

	id := requestID(r)
	sw.Header().Set(headerRequestID, id)
	source := r.PathValue("source")
	ex := &exchange{w: sw, r: r, requestID: id, source: source, log: h.log.With(
		zap.String(keyRequestID, id),
		zap.String(keyRemoteAddr, r.RemoteAddr),
		zap.String(keySource, source),
	)}

	h.serve(ex, start.Add(h.cfg.RequestTimeout))
}

// serve runs the checks in the order that spends the least on a request
// that fails them: method, token, source and media type before the body
// is read. A source with its own verifier is authenticated after the body
// is read, because signatures cover the raw body.
func (h *webhook) serve(ex *exchange, deadline time.Time) {
	if ex.r.Method != http.MethodPost {
		ex.w.Header().Set("Allow", http.MethodPost)
		h.reject(ex, "", newProblem(ProblemMethodNotAllowed, http.StatusMethodNotAllowed, ex.r.Method+" is not allowed: send webhooks with POST"))

		return
	}

	verifier := h.sourceVerifier(ex.source)
	if reason := h.auth.check(ex.r.Header.Get("Authorization")); verifier == nil && reason != "" {
		h.countIngestTokenFailure(ex)
		ex.w.Header().Set("WWW-Authenticate", bearerScheme+` realm="arenasync"`)
		h.reject(ex, "", newProblem(ProblemUnauthorized, http.StatusUnauthorized, reason))

		return
	}

	parse, known := h.sources[ex.source]
	if !known {
		p := newProblem(ProblemUnknownSource, http.StatusNotFound, fmt.Sprintf("source %q is not registered: use one of %s", ex.source, strings.Join(h.sources.names(), ", ")))
		p.Sources = h.sources.names()
		h.reject(ex, "", p)

		return
	}

	if !isJSONMediaType(ex.r.Header.Get("Content-Type")) {
		detail := fmt.Sprintf("Content-Type %q is not supported: send application/json", ex.r.Header.Get("Content-Type"))
		h.reject(ex, "", newProblem(ProblemUnsupportedMedia, http.StatusUnsupportedMediaType, detail))

		return
	}

	ctx, cancel := context.WithDeadline(ex.r.Context(), deadline)
	defer cancel()

	body, p := readBody(ex.w, ex.r, h.sourceLimit(ex.source), deadline)
	if p != nil {
		h.reject(ex, "", *p)

		return
	}
	if verifier != nil && !h.verifyRequest(ex, verifier, body) {
		return
	}

	events, err := h.parseSource(ex, parse, body)
	if err != nil && h.respondParseOutcome(ex, err) {
		return
	}
	if err != nil {
		h.respondInvalid(ctx, ex, body, err)

		return
	}

	h.accept(ctx, ex, events)
}

// respondInvalid keeps an invalid body on the dead-letter topic and responds
// 422 to a validation error and 400 to anything else. When the dead letter
// cannot be written the response is 503, so the LMS sends the body again.
func (h *webhook) respondInvalid(ctx context.Context, ex *exchange, body []byte, parseErr error) {
	p := newProblem(ProblemMalformedBody, http.StatusBadRequest, parseErr.Error())
	var invalid *pipeline.ValidationError
	if errors.As(parseErr, &invalid) {
		p = newProblem(ProblemInvalidEvent, http.StatusUnprocessableEntity, invalid.Error())
		p.EventID = invalid.EventID
		p.Errors = invalid.Fields
	}

	if err := h.keepInvalid(ctx, ex, body, p.EventID, parseErr); err != nil {
		h.respondWriteFailure(ctx, ex, []string{p.EventID}, err)

		return
	}

	h.metrics.invalid.WithLabelValues(ex.source).Inc()
	h.reject(ex, p.EventID, p)
}

// keepInvalid writes an invalid body to the dead-letter topic with reason
// invalid_payload. An empty body holds nothing to keep and is skipped.
func (h *webhook) keepInvalid(ctx context.Context, ex *exchange, body []byte, eventID string, parseErr error) error {
	if len(body) == 0 {
		return nil
	}

	letter := pipeline.RawDeadLetter{
		Raw:     body,
		Source:  ex.source,
		EventID: eventID,
		Reason:  pipeline.ReasonInvalidPayload,
		Message: parseErr.Error(),
		At:      h.now(),
	}

	return h.writer.write(ctx, h.cfg.DeadLetterTopic, []kafka.Message{letter.Record()})
}

// accept writes the events that were not delivered before to the main topic
// and responds 202 once Kafka acknowledged them, or 200 when every event is a
// duplicate. The bookkeeping of accepted events runs after the response
// unless its queue is full (see bookkeeper).
func (h *webhook) accept(ctx context.Context, ex *exchange, events []pipeline.Event) {
	fresh, firstID := h.dropDuplicates(ctx, ex, events)
	if len(fresh) == 0 && firstID != "" {
		ex.log.Debug("duplicate webhook delivery, responding with the first event id", zap.String(keyEventID, firstID))
		writeJSON(ex.w, contentTypeJSON, http.StatusOK, duplicateResponse{EventID: firstID, Status: statusDuplicate})

		return
	}

	ids := eventIDs(fresh)
	msgs, err := h.encode(fresh)
	if err != nil {
		ex.log.Error("encoding the Kafka records failed", eventIDField(ids), zap.Error(err))
		writeProblem(ex.w, newProblem(ProblemInternal, http.StatusInternalServerError, "the event could not be encoded. The error is logged under request id "+ex.requestID))

		return
	}

	if err := h.writer.write(ctx, h.cfg.Topic, msgs); err != nil {
		h.respondWriteFailure(ctx, ex, ids, err)

		return
	}

	for _, e := range fresh {
		h.metrics.accepted.WithLabelValues(string(e.Type), e.Source).Inc()
	}
	h.bookkeeping.submit(ctx, newBookkeepingJob(ex.log, fresh, ids, msgs))
	ex.log.Debug("webhook accepted", eventIDField(ids))
	writeJSON(ex.w, contentTypeJSON, http.StatusAccepted, acceptedResponseFor(ids))
}

// acceptedResponseFor builds the 202 body for the accepted event ids.
func acceptedResponseFor(ids []string) acceptedResponse {
	response := acceptedResponse{Status: statusAccepted, Accepted: len(ids)}
	if len(ids) > 0 {
		response.EventID = ids[0]
	}
	if len(ids) > 1 {
		response.EventIDs = ids
	}

	return response
}

// encode builds the Kafka records of events, all accepted now.
func (h *webhook) encode(events []pipeline.Event) ([]kafka.Message, error) {
	meta := pipeline.Meta{AcceptedAt: h.now()}
	msgs := make([]kafka.Message, 0, len(events))
	for _, e := range events {
		msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: e, Meta: meta})
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
	}

	return msgs, nil
}

// respondWriteFailure responds to a failed Kafka write: 413 when a record is
// too large for Kafka, which no retry fixes, and 503 with Retry-After
// otherwise.
func (h *webhook) respondWriteFailure(ctx context.Context, ex *exchange, ids []string, err error) {
	fields := []zap.Field{eventIDField(ids), zap.Error(err)}

	if isTooLarge(err) {
		ex.log.Error("Kafka rejected a record as too large: raise the broker's message.max.bytes or lower MaxBodyBytes", fields...)
		writeProblem(ex.w, newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, "the body is too large for the Kafka topic: send a smaller body"))

		return
	}

	// A client that hung up cancels the context, which is no Kafka failure.
	if errors.Is(ctx.Err(), context.Canceled) {
		ex.log.Warn("client went away before Kafka acknowledged the write", fields...)
	} else {
		ex.log.Error("Kafka write failed", fields...)
	}

	retryAfter := int(math.Ceil(h.cfg.RetryAfter.Seconds()))
	ex.w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	detail := fmt.Sprintf("Kafka did not acknowledge the event: send it again after %d seconds", retryAfter)
	writeProblem(ex.w, newProblem(ProblemKafkaUnavailable, http.StatusServiceUnavailable, detail))
}

// reject logs a rejected request at Warn and sends the problem.
func (h *webhook) reject(ex *exchange, eventID string, p Problem) {
	ex.log.Warn("webhook rejected",
		zap.Int(keyStatus, p.Status),
		zap.String(keyReason, problemReason(p.Type)),
		eventIDField([]string{eventID}),
		zap.String(keyDetail, p.Detail),
	)
	writeProblem(ex.w, p)
}

// eventIDs returns the ids of events.
func eventIDs(events []pipeline.Event) []string {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		ids = append(ids, e.ID)
	}

	return ids
}
