package arenasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error codes in the "error" field of error bodies.
const (
	codeInvalidRequest          = "invalid_request"
	codeInvalidClient           = "invalid_client"
	codeInvalidToken            = "invalid_token"
	codeInsufficientScope       = "insufficient_scope"
	codeExternalUpdatesDisabled = "external_updates_disabled"
	codeNotFound                = "not_found"
	codeEmployeeNotFound        = "employee_not_found"
	codeCourseNotFound          = "course_not_found"
	codeRecordNotFound          = "record_not_found"
	codeNotAcceptable           = "not_acceptable"
	codeInvalidRecordState      = "invalid_record_state"
	codeBodyTooLarge            = "request_too_large"
	codeUnsupportedMediaType    = "unsupported_media_type"
	codeValidationFailed        = "validation_failed"
	codeRateLimited             = "rate_limited"
	codeServiceUnavailable      = "service_unavailable"
	codeInjected                = "injected_failure"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, ErrorBody{Error: code, Message: message})
}

// decodeBody decodes the JSON request body into v and writes 400 or 413 when
// it does not decode.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	err := json.NewDecoder(r.Body).Decode(v)
	if err == nil {
		return true
	}

	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
			fmt.Sprintf("request body exceeds %d bytes", tooLarge.Limit))
		return false
	}

	writeError(w, http.StatusBadRequest, codeInvalidRequest, "request body is not valid JSON: "+err.Error())
	return false
}
