package producer

import (
	"net/http"
	"sync/atomic"

	"go.uber.org/zap"
)

// healthResponse is the body of a 200 from /healthz and /readyz.
type healthResponse struct {
	Status string `json:"status"`
}

// serveHealth responds to /healthz with 200 while the process serves requests.
func serveHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, contentTypeJSON, http.StatusOK, healthResponse{Status: "ok"})
}

// readyHandler responds to /readyz with 200 when Kafka can take writes for the
// ingest topics, 503 with the reason otherwise.
type readyHandler struct {
	check *readiness
	log   *zap.Logger
	// state is the readiness state of the last response. A change is logged
	// once.
	state atomic.Int32
}

// Readiness states of readyHandler.state.
const (
	stateUnknown int32 = iota
	stateReady
	stateNotReady
)

// ServeHTTP runs the cached readiness check.
func (h *readyHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	err := h.check.check()
	h.logChange(err)

	if err != nil {
		writeProblem(w, newProblem(ProblemNotReady, http.StatusServiceUnavailable, err.Error()))

		return
	}

	writeJSON(w, contentTypeJSON, http.StatusOK, healthResponse{Status: "ready"})
}

// logChange logs when readiness flips, not on every probe.
func (h *readyHandler) logChange(err error) {
	state := stateReady
	if err != nil {
		state = stateNotReady
	}
	if h.state.Swap(state) == state {
		return
	}

	if state == stateReady {
		h.log.Info("ingest is ready: Kafka serves the ingest topics")
	} else {
		h.log.Warn("ingest is not ready", zap.Error(err))
	}
}

// notFound responds 404 to paths that no route matches.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, newProblem(ProblemNotFound, http.StatusNotFound, "no endpoint at "+r.URL.Path+": webhooks go to /v1/webhooks/{source}"))
}
