package producer

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// ProblemSourceUnavailable is the problem type of a 503 when a service a
// parser needs, such as Redis for identity lookups, did not answer.
const ProblemSourceUnavailable = problemPrefix + "dependency_unavailable"

// statusIgnored is the status member of the 200 body of an ignored delivery.
const statusIgnored = "ignored"

// ignoredResponse is the body of a 200 for a delivery that holds no event
// arenasync handles.
type ignoredResponse struct {
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail"`
	Accepted int    `json:"accepted"`
}

// respondParseOutcome responds to the parse errors that are no invalid
// payload: an ignored delivery gets 200 and a missing dependency 503. It
// returns false for every other error.
func (h *webhook) respondParseOutcome(ex *exchange, err error) bool {
	var ignored *pipeline.IgnoredError
	if errors.As(err, &ignored) {
		ex.log.Debug("webhook ignored", zap.String(keyReason, ignored.Reason), zap.String(keyDetail, ignored.Detail))
		writeJSON(ex.w, contentTypeJSON, http.StatusOK, ignoredResponse{Status: statusIgnored, Reason: ignored.Reason, Detail: ignored.Detail})

		return true
	}

	if errors.Is(err, pipeline.ErrUnavailable) {
		ex.log.Error("reading the webhook needs a service that did not answer", zap.Error(err))
		retryAfter := int(math.Ceil(h.cfg.RetryAfter.Seconds()))
		ex.w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeProblem(ex.w, newProblem(ProblemSourceUnavailable, http.StatusServiceUnavailable, "a service needed to read the webhook is unavailable: send it again after "+strconv.Itoa(retryAfter)+" seconds"))

		return true
	}

	return false
}
