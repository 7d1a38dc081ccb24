package arena

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// errorBody is Arena's JSON error body. Besides {"error", "message"} it
// accepts the list form {"errors": [{"code", "message"}]}, whose first entry
// is used.
type errorBody struct {
	Error   string `json:"error"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// responseError builds the *Error for a non-2xx response. Tokens the call
// sent are replaced in the message, in case Arena echoes one.
func responseError(op Endpoint, resp *http.Response, body []byte, usedTokens []string, now time.Time) *Error {
	code, message := parseErrorBody(body)
	for _, token := range usedTokens {
		if token != "" {
			message = strings.ReplaceAll(message, token, "[redacted]")
		}
	}

	return &Error{
		Op:         op,
		StatusCode: resp.StatusCode,
		Code:       code,
		Message:    truncate(message, maxMessageBytes),
		RetryAfter: retryAfter(resp.Header, now),
	}
}

// parseErrorBody returns Arena's error code and message, or no code and the
// trimmed body text when the body is not a JSON error.
func parseErrorBody(body []byte) (code, message string) {
	var parsed errorBody
	if err := json.Unmarshal(body, &parsed); err == nil {
		code = firstNonEmpty(parsed.Error, parsed.Code)
		message = parsed.Message
		if len(parsed.Errors) > 0 {
			code = firstNonEmpty(code, parsed.Errors[0].Code)
			message = firstNonEmpty(message, parsed.Errors[0].Message)
		}
		if code != "" || message != "" {
			return code, message
		}
	}

	return "", string(bytes.TrimSpace(body))
}

// retryAfter returns the longer of the waits that Retry-After and
// X-RateLimit-Reset request, or 0 when neither is present or both are past.
//
// Retry-After is delay-seconds or an HTTP date, as HTTP defines it.
// X-RateLimit-Reset is not standardized: a value above 1e9 is read as Unix
// epoch seconds, a smaller one as seconds from now.
func retryAfter(header http.Header, now time.Time) time.Duration {
	wait := parseRetryAfter(header.Get("Retry-After"), now)
	if reset := parseRateLimitReset(header.Get("X-RateLimit-Reset"), now); reset > wait {
		wait = reset
	}
	return wait
}

func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}

	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		return secondsToDuration(seconds)
	}

	at, err := http.ParseTime(value)
	if err != nil {
		return 0
	}
	return positive(at.Sub(now))
}

// epochThreshold separates epoch timestamps from relative seconds in
// X-RateLimit-Reset: 1e9 seconds after 1970 is September 2001.
const epochThreshold = 1_000_000_000

func parseRateLimitReset(value string, now time.Time) time.Duration {
	seconds, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return 0
	}

	if seconds > epochThreshold {
		return positive(time.Unix(seconds, 0).Sub(now))
	}
	return secondsToDuration(seconds)
}

// secondsToDuration converts non-negative seconds, capped at one day so an
// absurd header cannot stall a retry for years.
func secondsToDuration(seconds int64) time.Duration {
	const maxSeconds = 24 * 60 * 60
	if seconds <= 0 {
		return 0
	}
	return time.Duration(min(seconds, maxSeconds)) * time.Second
}

func positive(d time.Duration) time.Duration {
	return max(d, 0)
}

// truncate shortens s to at most limit bytes, the trailing "..." included,
// without splitting a UTF-8 sequence.
func truncate(s string, limit int) string {
	const ellipsis = "..."
	if len(s) <= limit {
		return s
	}

	cut := limit - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
