package pipeline

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Epoch values are read as seconds below epochMillisFrom and as
// milliseconds from it on. 1e11 seconds lie in the year 5138, while 1e11
// milliseconds lie in March 1973, before any LMS event, so the two ranges
// do not overlap for real dates.
const epochMillisFrom = 1e11

// maxEpochMillis bounds epoch values (in milliseconds, the year 5138), so the
// conversion to time.Time cannot overflow.
const maxEpochMillis = 1e14

// epochString matches an epoch value sent as a string: at least 10 digits
// (epoch seconds from September 2001 on) with an optional fraction. Shorter
// digit strings are not read as epoch values, so an ISO 8601 basic date
// such as "20250119" is never mistaken for one.
var epochString = regexp.MustCompile(`^\d{10,}(?:\.\d+)?$`)

// ParseEpoch reads an epoch time in seconds or milliseconds since
// 1970-01-01T00:00:00Z, telling them apart by size (see epochMillisFrom),
// and returns it in UTC with fractional seconds truncated.
func ParseEpoch(value float64) (time.Time, error) {
	text := strconv.FormatFloat(value, 'f', -1, 64)
	if math.IsNaN(value) || value <= 0 {
		return time.Time{}, fmt.Errorf("epoch time %s is not after 1970-01-01: send seconds or milliseconds since 1970-01-01T00:00:00Z", text)
	}

	millis := value
	if value < epochMillisFrom {
		millis = value * 1000
	}
	if millis >= maxEpochMillis {
		return time.Time{}, fmt.Errorf("epoch time %s is too large: send seconds or milliseconds since 1970-01-01T00:00:00Z", text)
	}

	return time.UnixMilli(int64(millis)).UTC().Truncate(time.Second), nil
}

// ParseValue reads a date field as JSON: a string goes through Parse, or
// through ParseEpoch when it holds only digits (see epochString), and a
// number goes through ParseEpoch.
func (r DateRule) ParseValue(raw json.RawMessage) (time.Time, error) {
	text := strings.TrimSpace(string(raw))
	if text == "" || text == "null" {
		return time.Time{}, fmt.Errorf("is required")
	}

	if text[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("is not a valid JSON string")
		}

		return r.parseString(strings.TrimSpace(s))
	}

	if text[0] != '-' && (text[0] < '0' || text[0] > '9') {
		return time.Time{}, fmt.Errorf("must be a date string or an epoch number, got %s", jsonKind(raw))
	}
	value, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("epoch time %s is too large: send seconds or milliseconds since 1970-01-01T00:00:00Z", text)
	}

	return ParseEpoch(value)
}

// parseString reads a date string: epoch digits or ISO 8601.
func (r DateRule) parseString(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("must not be empty")
	}
	if !epochString.MatchString(s) {
		return r.Parse(s)
	}

	value, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("epoch time %q is too large: send seconds or milliseconds since 1970-01-01T00:00:00Z", s)
	}

	return ParseEpoch(value)
}

// CheckNotFuture returns an error when t lies more than FutureTolerance
// after now. A completion cannot happen in the future, so such a date comes
// from a wrong LMS clock or a wrong time zone.
func CheckNotFuture(t, now time.Time) error {
	if t.After(now.Add(FutureTolerance)) {
		return fmt.Errorf("%s lies in the future: check the LMS clock and time zone", FormatUTC(t))
	}

	return nil
}
