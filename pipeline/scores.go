package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Reasons for leaving a score out of an event. They are the reason label of
// arenasync_ingest_scores_dropped_total.
const (
	// ScoreOutOfRange: a percentage outside 0..100, or an xAPI raw score
	// outside its min..max.
	ScoreOutOfRange = "out_of_range"
	// ScoreScaledOutOfRange: an xAPI scaled score outside 0..1.
	ScoreScaledOutOfRange = "scaled_out_of_range"
	// ScoreScaledMismatch: an xAPI scaled score that differs from raw over
	// min..max by more than ScaledTolerance.
	ScoreScaledMismatch = "scaled_mismatch"
	// ScoreUnknownRange: an xAPI raw score without a usable min..max and
	// without a usable scaled score, so it cannot become a percentage.
	ScoreUnknownRange = "unknown_range"
)

// ScaledTolerance is the largest difference between an xAPI scaled score and
// (raw - min) / (max - min) that still counts as agreement. It is half a
// percentage point, which absorbs a scaled score rounded to two decimals.
const ScaledTolerance = 0.005

// numericString matches a score sent as a string: a decimal number with an
// optional sign and an optional trailing percent sign, such as "85",
// "85.00" or "85%". Exponents and thousands separators are not accepted.
var numericString = regexp.MustCompile(`^[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*%?$`)

// ScoreDrop describes a score value that was left out of an event. The
// completion itself is kept.
type ScoreDrop struct {
	// Field is the JSON path of the value, such as "score" or
	// "result.score.scaled".
	Field string
	// Value is the value as the LMS sent it.
	Value string
	// Reason is one of the Score* reasons above.
	Reason string
}

// Message describes the drop for a log line.
func (d ScoreDrop) Message() string {
	switch d.Reason {
	case ScoreScaledOutOfRange:
		return fmt.Sprintf("%s %s lies outside 0..1; the score is left out", d.Field, d.Value)
	case ScoreScaledMismatch:
		return fmt.Sprintf("%s %s disagrees with raw over min..max; raw is used", d.Field, d.Value)
	case ScoreUnknownRange:
		return fmt.Sprintf("%s %s has no usable min..max and no usable scaled score; the score is left out", d.Field, d.Value)
	default:
		return fmt.Sprintf("%s %s lies outside 0..100; the score is left out", d.Field, d.Value)
	}
}

// ParseScore reads a percentage score: a JSON number, or a string holding a
// decimal number with an optional percent sign ("85", "85.00", "85%").
// Absent, null and empty-string values mean no score and return nil, nil,
// nil. A value outside 0..100 returns a nil score and a drop, so the
// completion is kept without it. Any other value, such as a boolean or
// "eighty", returns an error whose message fits a FieldError.
func ParseScore(field string, raw json.RawMessage) (*float64, *ScoreDrop, error) {
	text := strings.TrimSpace(string(raw))
	if text == "" || text == "null" {
		return nil, nil, nil
	}

	value, err := scoreNumber(raw)
	if err != nil {
		return nil, nil, err
	}
	if value == nil {
		return nil, nil, nil
	}

	if *value < MinScore || *value > MaxScore {
		return nil, &ScoreDrop{Field: field, Value: text, Reason: ScoreOutOfRange}, nil
	}

	return value, nil, nil
}

// scoreNumber decodes a JSON number or numeric string. It returns nil for an
// empty string. A JSON number too large for a float64 returns +Inf or -Inf,
// which the range check drops.
func scoreNumber(raw json.RawMessage) (*float64, error) {
	text := strings.TrimSpace(string(raw))
	if text[0] != '"' {
		if text[0] != '-' && (text[0] < '0' || text[0] > '9') {
			return nil, fmt.Errorf("must be a number or a numeric string such as \"85\" or \"85%%\", got %s", kindOf(text))
		}

		value, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("must be a number, got %s", text)
		}

		return &value, nil
	}

	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("must be a number or a numeric string, got an invalid string")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if !numericString.MatchString(s) {
		return nil, fmt.Errorf("must be a number or a numeric string such as \"85\" or \"85%%\", got %q", s)
	}

	value, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("must be a number or a numeric string such as \"85\" or \"85%%\", got %q", s)
	}

	return &value, nil
}

// kindOf names the JSON type of a trimmed raw value for messages.
func kindOf(text string) string {
	return jsonKind(json.RawMessage(text))
}

// XAPIScore is the result.score object of an xAPI statement. Nil fields were
// not sent.
type XAPIScore struct {
	Scaled *float64
	Raw    *float64
	Min    *float64
	Max    *float64
}

// Percent applies the score rule to an xAPI score and returns the score in
// percent, rounded to two decimals, with every value it dropped:
//
//   - raw over min..max is known when max is sent and max > min (min
//     defaults to 0); max = min means the range is unknown. A raw value
//     outside min..max is dropped as out of range.
//   - scaled is used only when it lies in 0..1 and, when raw over min..max
//     is known, agrees with it within ScaledTolerance. A scaled value that
//     disagrees is dropped and raw over min..max is used.
//   - raw without a known range and without a usable scaled value is
//     dropped, because its scale is unknown.
func (s XAPIScore) Percent() (*float64, []ScoreDrop) {
	var drops []ScoreDrop

	fraction, rawDrop := s.rawFraction()
	if rawDrop != nil {
		drops = append(drops, *rawDrop)
	}

	if s.Scaled != nil {
		scaled := *s.Scaled
		switch {
		case scaled < 0 || scaled > 1:
			drops = append(drops, ScoreDrop{Field: "result.score.scaled", Value: formatScore(scaled), Reason: ScoreScaledOutOfRange})
		case fraction != nil && math.Abs(scaled-*fraction) > ScaledTolerance:
			drops = append(drops, ScoreDrop{Field: "result.score.scaled", Value: formatScore(scaled), Reason: ScoreScaledMismatch})
		default:
			return percentOf(scaled), drops
		}
	}

	if fraction != nil {
		return percentOf(*fraction), drops
	}
	if s.Raw != nil && rawDrop == nil {
		drops = append(drops, ScoreDrop{Field: "result.score.raw", Value: formatScore(*s.Raw), Reason: ScoreUnknownRange})
	}

	return nil, drops
}

// rawFraction returns (raw - min) / (max - min) when raw and a usable range
// were sent, and a drop when raw lies outside the range.
func (s XAPIScore) rawFraction() (*float64, *ScoreDrop) {
	if s.Raw == nil || s.Max == nil {
		return nil, nil
	}

	lower := 0.0
	if s.Min != nil {
		lower = *s.Min
	}
	upper := *s.Max
	if !(upper > lower) {
		return nil, nil
	}

	raw := *s.Raw
	if raw < lower || raw > upper {
		return nil, &ScoreDrop{Field: "result.score.raw", Value: formatScore(raw), Reason: ScoreOutOfRange}
	}

	fraction := (raw - lower) / (upper - lower)

	return &fraction, nil
}

// percentOf converts a fraction of 0..1 to a percentage rounded to two
// decimals, which also removes float noise such as 92.00000000000001.
func percentOf(fraction float64) *float64 {
	percent := math.Round(fraction*100*100) / 100

	return &percent
}

// formatScore formats a score value for a ScoreDrop.
func formatScore(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
