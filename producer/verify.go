package producer

import (
	"errors"
	"net/http"

	"github.com/arenasync/arenasync/webhookauth"
)

// unknownSourceLabel is the source label of an auth failure on a path that
// names no registered source, which keeps the label set bounded.
const unknownSourceLabel = "unknown"

// countIngestTokenFailure counts a failed ingest token check.
func (h *webhook) countIngestTokenFailure(ex *exchange) {
	reason := webhookauth.ReasonWrongToken
	if _, ok := webhookauth.BearerToken(ex.r.Header.Get("Authorization")); !ok {
		reason = webhookauth.ReasonMissingToken
	}

	source := ex.source
	if _, known := h.sources[source]; !known {
		source = unknownSourceLabel
	}
	h.sourceMetrics.authFailures.WithLabelValues(source, reason).Inc()
}

// verifyRequest runs the source's verifier over the raw body. It responds
// 401 and returns false when the request fails; the response and the log
// carry the reason and never a secret.
func (h *webhook) verifyRequest(ex *exchange, v webhookauth.Verifier, body []byte) bool {
	err := v.Verify(ex.r.Header, body)
	if err == nil {
		return true
	}

	reason := "error"
	var failure *webhookauth.Failure
	if errors.As(err, &failure) {
		reason = failure.Reason
	}
	h.sourceMetrics.authFailures.WithLabelValues(ex.source, reason).Inc()

	ex.w.Header().Set("WWW-Authenticate", v.Scheme()+` realm="arenasync"`)
	h.reject(ex, "", newProblem(ProblemUnauthorized, http.StatusUnauthorized, err.Error()))

	return false
}
