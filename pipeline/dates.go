package pipeline

import (
	"fmt"
	"time"
)

// FutureTolerance is how far in the future a completion date may lie before
// it is rejected. It absorbs clock skew between the LMS and this host.
const FutureTolerance = 5 * time.Minute

// zonedLayouts are the accepted layouts that carry a zone offset. The third
// takes an offset without a colon (+0200), as PHP's DATE_ISO8601 writes it.
var zonedLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.999999999Z0700"}

// localLayouts are the accepted layouts without a zone; they are read in the
// source's configured zone.
var localLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04"}

// dateOnlyLayout is a calendar date; it means midnight in the source's zone.
const dateOnlyLayout = "2006-01-02"

// DateRule parses the timestamps of one source.
type DateRule struct {
	// Location reads timestamps without a zone offset and date-only values.
	// Nil rejects them, so the LMS must send an offset.
	Location *time.Location
}

// Parse reads an ISO 8601 / RFC 3339 timestamp and returns it in UTC with
// fractional seconds truncated. The error message says what was expected.
func (r DateRule) Parse(value string) (time.Time, error) {
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, value); err == nil {
			return t.UTC().Truncate(time.Second), nil
		}
	}

	local := append(append([]string{}, localLayouts...), dateOnlyLayout)
	for _, layout := range local {
		t, err := time.ParseInLocation(layout, value, time.UTC)
		if err != nil {
			continue
		}
		if r.Location == nil {
			return time.Time{}, fmt.Errorf("%q has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone", value)
		}
		t, _ = time.ParseInLocation(layout, value, r.Location)

		return t.UTC().Truncate(time.Second), nil
	}

	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z", value)
}

// FormatUTC formats t as RFC 3339 in UTC with a Z suffix, as Arena expects.
func FormatUTC(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
