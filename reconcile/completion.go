package reconcile

import (
	"math"
	"strconv"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// scoreTolerance is the largest difference between two scores that still
// counts as the same score. It absorbs a score rounded to two decimals by
// an export.
const scoreTolerance = 0.005

// Completion is a completion date and score as one side holds it.
type Completion struct {
	// Date is the completion time in UTC.
	Date time.Time
	// Day is set, as YYYY-MM-DD, when the source gave a calendar date
	// without a time. Such a completion matches any time on that day in
	// Zone.
	Day  string
	Zone *time.Location
	// Score is 0 to 100, nil when the source has none.
	Score *float64
}

// DateText formats the date for reports: the day for a date without time,
// otherwise RFC 3339 in UTC.
func (c Completion) DateText() string {
	if c.Day != "" {
		return c.Day
	}

	return pipeline.FormatUTC(c.Date)
}

// sameDate reports whether Arena's completion time t is c's date: the same
// second, or the same calendar day for a date without time.
func (c Completion) sameDate(t time.Time) bool {
	if c.Day != "" {
		zone := c.Zone
		if zone == nil {
			zone = time.UTC
		}

		return t.In(zone).Format(time.DateOnly) == c.Day
	}

	return t.UTC().Truncate(time.Second).Equal(c.Date.UTC().Truncate(time.Second))
}

// sameScore reports whether Arena's score agrees with c's. A completion
// without a score agrees with any Arena score, as the worker treats a
// repeat of such a completion as done.
func (c Completion) sameScore(arena *float64) bool {
	if c.Score == nil {
		return true
	}

	return arena != nil && math.Abs(*arena-*c.Score) < scoreTolerance
}

// formatScore writes a score for reports, "" for none.
func formatScore(score *float64) string {
	if score == nil {
		return ""
	}

	return strconv.FormatFloat(*score, 'f', -1, 64)
}
