package notify

import (
	"testing"
	"time"
)

func TestWindowMessage(t *testing.T) {
	opened := time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)

	tests := []struct {
		name    string
		letters []DeadLetter
		span    time.Duration
		want    string
	}{
		{
			name:    "one event",
			letters: []DeadLetter{{Reason: "employee_not_found", EmployeeID: "EMP1", CourseID: "C1"}},
			span:    5 * time.Minute,
			want:    "1 training event dead-lettered with reason employee_not_found in the last 5m: EMP1 (C1). Run `arenasync dlt list --reason employee_not_found` to review them.",
		},
		{
			name: "samples run out",
			letters: []DeadLetter{
				{Reason: "invalid_payload", EmployeeID: "EMP1"},
				{Reason: "invalid_payload", EventID: "evt-2"},
				{Reason: "invalid_payload", EntryID: "topic.dlt-0-3"},
				{Reason: "invalid_payload", EmployeeID: "EMP4", CourseID: "C4"},
			},
			span: time.Hour,
			want: "4 training events dead-lettered with reason invalid_payload in the last 1h: EMP1, event evt-2, entry topic.dlt-0-3 and 1 more. Run `arenasync dlt list --reason invalid_payload` to review them.",
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &window{reason: tc.letters[0].Reason, openedAt: opened}
			for _, dl := range tc.letters {
				w.add(dl, 3)
			}

			got := w.message(opened.Add(tc.span))

			if got.Text != tc.want {
				t.Errorf("text = %q, want %q", got.Text, tc.want)
			}
			if got.Count != len(tc.letters) {
				t.Errorf("count = %d, want %d", got.Count, len(tc.letters))
			}
		})
	}
}

func TestFormatSpan(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "minutes", in: 5*time.Minute + 3*time.Millisecond, want: "5m"},
		{name: "hours", in: 2 * time.Hour, want: "2h"},
		{name: "hours and minutes", in: 90 * time.Minute, want: "1h30m"},
		{name: "seconds", in: 90 * time.Second, want: "1m30s"},
		{name: "below a second", in: 303 * time.Millisecond, want: "300ms"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatSpan(tc.in); got != tc.want {
				t.Errorf("formatSpan(%s) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
