package pipeline_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// TestDateRuleParseValue covers every case of the date rule that a webhook
// field can take, as JSON.
func TestDateRuleParseValue(t *testing.T) {
	berlinRule := pipeline.DateRule{Location: berlin(t)}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}

		return v
	}

	tests := []struct {
		name      string
		rule      pipeline.DateRule
		raw       string
		want      time.Time
		wantError string
	}{
		{name: "RFC 3339 UTC", raw: `"2025-01-19T14:30:00Z"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "RFC 3339 offset to UTC", raw: `"2025-01-19T15:30:00+01:00"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "offset wins over configured zone", rule: berlinRule, raw: `"2025-01-19T14:30:00-05:00"`, want: utc("2025-01-19T19:30:00Z")},
		{name: "no zone read in configured zone", rule: berlinRule, raw: `"2025-01-19 15:30:00"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "no zone in summer time", rule: berlinRule, raw: `"2025-07-19 16:30:00"`, want: utc("2025-07-19T14:30:00Z")},
		{name: "no zone without configured zone", raw: `"2025-01-19 15:30:00"`, wantError: `"2025-01-19 15:30:00" has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone`},
		{name: "date only is midnight in zone", rule: berlinRule, raw: `"2025-01-19"`, want: utc("2025-01-18T23:00:00Z")},
		{name: "date only without configured zone", raw: `"2025-01-19"`, wantError: `"2025-01-19" has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone`},
		{name: "epoch seconds", raw: `1737297000`, want: utc("2025-01-19T14:30:00Z")},
		{name: "epoch milliseconds", raw: `1737297000456`, want: utc("2025-01-19T14:30:00Z")},
		{name: "epoch seconds with fraction truncated", raw: `1737297000.999`, want: utc("2025-01-19T14:30:00Z")},
		{name: "epoch seconds as string", raw: `"1737297000"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "epoch milliseconds as string", raw: `"1737297000456"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "epoch ignores configured zone", rule: berlinRule, raw: `1737297000`, want: utc("2025-01-19T14:30:00Z")},
		{name: "fractional seconds truncated", raw: `"2025-01-19T14:30:00.999999Z"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "fraction without zone truncated", rule: berlinRule, raw: `"2025-01-19 15:30:00.75"`, want: utc("2025-01-19T14:30:00Z")},
		{name: "basic date is no epoch", raw: `"20250119"`, wantError: `"20250119" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`},
		{name: "zero epoch", raw: `0`, wantError: "epoch time 0 is not after 1970-01-01: send seconds or milliseconds since 1970-01-01T00:00:00Z"},
		{name: "negative epoch", raw: `-5`, wantError: "epoch time -5 is not after 1970-01-01: send seconds or milliseconds since 1970-01-01T00:00:00Z"},
		{name: "epoch too large", raw: `1e20`, wantError: "epoch time 100000000000000000000 is too large: send seconds or milliseconds since 1970-01-01T00:00:00Z"},
		{name: "boolean", raw: `true`, wantError: "must be a date string or an epoch number, got a boolean"},
		{name: "empty string", raw: `""`, wantError: "must not be empty"},
		{name: "null", raw: `null`, wantError: "is required"},
		{name: "words", raw: `"yesterday"`, wantError: `"yesterday" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rule.ParseValue(json.RawMessage(tt.raw))

			if tt.wantError != "" {
				if err == nil || err.Error() != tt.wantError {
					t.Fatalf("error = %v, want %q", err, tt.wantError)
				}

				return
			}
			if err != nil {
				t.Fatalf("error = %v, want none", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseValue(%s) = %s, want %s", tt.raw, got.Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseValue(%s) is in %s, want UTC", tt.raw, got.Location())
			}
		})
	}
}

func TestCheckNotFuture(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		at      time.Time
		wantErr bool
	}{
		{name: "past", at: now.Add(-24 * time.Hour)},
		{name: "now", at: now},
		{name: "within tolerance", at: now.Add(pipeline.FutureTolerance)},
		{name: "beyond tolerance", at: now.Add(pipeline.FutureTolerance + time.Second), wantErr: true},
		{name: "a day ahead", at: now.Add(24 * time.Hour), wantErr: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pipeline.CheckNotFuture(tt.at, now)

			if (err != nil) != tt.wantErr {
				t.Errorf("CheckNotFuture(%s) = %v, want error %v", tt.at, err, tt.wantErr)
			}
		})
	}
}
