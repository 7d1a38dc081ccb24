package pipeline_test

import (
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

func TestDateRuleParse(t *testing.T) {
	berlinRule := pipeline.DateRule{Location: berlin(t)}

	tests := []struct {
		name  string
		rule  pipeline.DateRule
		value string
		want  time.Time
	}{
		{name: "UTC", value: "2025-01-19T14:30:00Z", want: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)},
		{name: "nanoseconds truncated", value: "2025-01-19T14:30:00.999999999Z", want: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)},
		{name: "offset converted", value: "2025-01-19T16:30:00.5+02:00", want: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)},
		{name: "offset without colon", value: "2025-01-19T09:30:00.5-0500", want: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)},
		{name: "zone read in Berlin", rule: berlinRule, value: "2025-01-19T15:30:00.75", want: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)},
		{name: "date read in Berlin", rule: berlinRule, value: "2025-07-19", want: time.Date(2025, 7, 18, 22, 0, 0, 0, time.UTC)},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rule.Parse(tt.value)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.value, err)
			}

			if !got.Equal(tt.want) {
				t.Errorf("Parse(%q) = %s, want %s", tt.value, got.Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
			if got.Location() != time.UTC {
				t.Errorf("Parse(%q) is in %s, want UTC", tt.value, got.Location())
			}
		})
	}
}

func TestFormatUTC(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{name: "UTC", in: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC), want: "2025-01-19T14:30:00Z"},
		{name: "fraction dropped", in: time.Date(2025, 1, 19, 14, 30, 0, 999_000_000, time.UTC), want: "2025-01-19T14:30:00Z"},
		{name: "Berlin converted", in: time.Date(2025, 7, 19, 16, 30, 0, 0, berlin(t)), want: "2025-07-19T14:30:00Z"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pipeline.FormatUTC(tt.in); got != tt.want {
				t.Errorf("FormatUTC = %q, want %q", got, tt.want)
			}
		})
	}
}
