package review

import (
	"fmt"
	"strings"
	"time"
)

// ParseSince reads a --since value: an RFC 3339 time, a date (YYYY-MM-DD,
// midnight UTC) or a duration back from now, such as 24h or 90m.
func ParseSince(value string, now time.Time) (time.Time, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, nil
	}

	if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, value); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(value); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}

	return time.Time{}, fmt.Errorf("since %q is invalid: use an RFC 3339 time (2025-01-19T14:30:00Z), a date (2025-01-19) or a duration back from now (24h)", value)
}
