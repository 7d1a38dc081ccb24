package review

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/pipeline"
)

func TestEntryFromRecord(t *testing.T) {
	stored := t0.Add(time.Second)

	undecodable := kafka.Message{
		Topic: "lms.training.events.dlt", Partition: 2, Offset: 9, Time: t0,
		Key:   []byte("EMP55555|LMS-FIRE-200"),
		Value: []byte{0xff, 0xfe, 0x00},
		Headers: []kafka.Header{
			{Key: pipeline.HeaderReason, Value: []byte("undecodable_record")},
			{Key: pipeline.HeaderErrorMessage, Value: []byte("value is not JSON")},
			{Key: pipeline.HeaderOriginalTopic, Value: []byte("lms.training.events.retry.1m")},
			{Key: pipeline.HeaderOriginalPartition, Value: []byte("4")},
			{Key: pipeline.HeaderOriginalOffset, Value: []byte("12")},
		},
	}
	withoutReason := kafka.Message{Topic: "t.dlt", Partition: 0, Offset: 1, Value: []byte("plain text")}

	tests := []struct {
		name string
		msg  kafka.Message
		want Entry
	}{
		{
			name: "event",
			msg:  eventRecord(t, completion("evt-1", "EMP12345"), deadLetterMeta(pipeline.ReasonEmployeeNotFound), 1, 7, t0),
			want: Entry{
				ID: "lms.training.events.dlt-1-7", Status: StatusOpen,
				EventID: "evt-1", EventType: "course.completed", Source: "lms", EmployeeID: "EMP12345", CourseID: "LMS-SAFETY-101",
				Reason: "employee_not_found", ErrorClass: "employee_not_found", ErrorMessage: "Arena answered 404: employee not found",
				ArenaStatus: 404, Attempt: 3,
				OriginalTopic: "lms.training.events", OriginalPartition: 2, OriginalOffset: 41,
				Topic: "lms.training.events.dlt", Partition: 1, Offset: 7, Key: "EMP12345|LMS-SAFETY-101",
				AcceptedAt: t0.Add(-time.Hour), FirstSeen: t0.Add(-59 * time.Minute), DeadLetteredAt: t0, StoredAt: stored,
				Replayable: true,
			},
		},
		{
			name: "invalid webhook body",
			msg:  rawRecord(0, 8, t0),
			want: Entry{
				ID: "lms.training.events.dlt-0-8", Status: StatusOpen,
				EventID: "evt-raw", EventType: "course.completed", Source: "lms", EmployeeID: "EMP77777", CourseID: "LMS-FIRE-200",
				Reason: "invalid_payload", ErrorClass: "invalid_payload", ErrorMessage: "score: must be a number from 0 to 100",
				Topic: "lms.training.events.dlt", Partition: 0, Offset: 8,
				AcceptedAt: t0.Add(-time.Minute), DeadLetteredAt: t0, StoredAt: stored,
				DecodeError: "undecodable record: specversion is \"\", want \"1.0\"",
			},
		},
		{
			name: "undecodable bytes with key",
			msg:  undecodable,
			want: Entry{
				ID: "lms.training.events.dlt-2-9", Status: StatusOpen,
				EmployeeID: "EMP55555", CourseID: "LMS-FIRE-200",
				Reason: "undecodable_record", ErrorMessage: "value is not JSON",
				OriginalTopic: "lms.training.events.retry.1m", OriginalPartition: 4, OriginalOffset: 12,
				Topic: "lms.training.events.dlt", Partition: 2, Offset: 9, Key: "EMP55555|LMS-FIRE-200",
				DeadLetteredAt: t0, StoredAt: stored,
				DecodeError: "undecodable record: value is not a CloudEvents JSON object: invalid character 'ÿ' looking for beginning of value",
			},
		},
		{
			name: "no reason and no timestamp",
			msg:  withoutReason,
			want: Entry{
				ID: "t.dlt-0-1", Status: StatusOpen, Reason: "unknown",
				Topic: "t.dlt", Partition: 0, Offset: 1, DeadLetteredAt: stored, StoredAt: stored,
				DecodeError: "undecodable record: value is not a CloudEvents JSON object: invalid character 'p' looking for beginning of value",
			},
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EntryFromRecord(tc.msg, stored)

			// Value and headers are copied as they are; compare the rest.
			if string(got.Value) != string(tc.msg.Value) {
				t.Errorf("value = %q, want %q", got.Value, tc.msg.Value)
			}
			if len(got.Headers) != len(tc.msg.Headers) {
				t.Errorf("headers = %d, want %d", len(got.Headers), len(tc.msg.Headers))
			}
			got.Value, got.Headers = nil, nil

			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tc.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("entry =\n%s\nwant\n%s", gotJSON, wantJSON)
			}
		})
	}
}

func TestEntryJSONValueEncoding(t *testing.T) {
	tests := []struct {
		name         string
		value        []byte
		wantValue    string
		wantEncoding string
	}{
		{name: "json text", value: []byte(`{"a":1}`), wantValue: `{"a":1}`, wantEncoding: "utf-8"},
		{name: "binary", value: []byte{0xff, 0x00}, wantValue: "/wA=", wantEncoding: "base64"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			encoded, err := json.Marshal(Entry{ID: "x", Value: tc.value})
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}

			var got struct {
				Value         string `json:"value"`
				ValueEncoding string `json:"valueEncoding"`
				ID            string `json:"id"`
			}
			if err := json.Unmarshal(encoded, &got); err != nil {
				t.Fatalf("Unmarshal %s: %v", encoded, err)
			}
			if got.Value != tc.wantValue {
				t.Errorf("value = %q, want %q", got.Value, tc.wantValue)
			}
			if got.ValueEncoding != tc.wantEncoding {
				t.Errorf("valueEncoding = %q, want %q", got.ValueEncoding, tc.wantEncoding)
			}
			if got.ID != "x" {
				t.Errorf("id = %q, want %q", got.ID, "x")
			}
			if strings.Contains(string(encoded), `"acceptedAt"`) {
				t.Errorf("JSON %s contains a zero acceptedAt, want it left out", encoded)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in      string
		want    Status
		wantErr string
	}{
		{in: "open", want: StatusOpen},
		{in: "replayed", want: StatusReplayed},
		{in: "resolved", want: StatusResolved},
		{in: "all", want: ""},
		{in: "", want: ""},
		{in: "closed", wantErr: `status "closed" is invalid: use open, replayed, resolved or all`},
	}

	for _, tc := range tests {
		t.Run("status "+tc.in, func(t *testing.T) {
			got, err := ParseStatus(tc.in)

			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("ParseStatus(%q) error = %q, want %q", tc.in, gotErr, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseStatus(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)

	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantErr string
	}{
		{name: "empty", in: "", want: time.Time{}},
		{name: "rfc 3339 with offset", in: "2025-01-19T16:30:00+02:00", want: time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)},
		{name: "date", in: "2025-01-19", want: time.Date(2025, 1, 19, 0, 0, 0, 0, time.UTC)},
		{name: "duration", in: "36h", want: time.Date(2025, 1, 19, 0, 0, 0, 0, time.UTC)},
		{name: "negative duration", in: "-1h", wantErr: `since "-1h" is invalid: use an RFC 3339 time (2025-01-19T14:30:00Z), a date (2025-01-19) or a duration back from now (24h)`},
		{name: "word", in: "yesterday", wantErr: `since "yesterday" is invalid: use an RFC 3339 time (2025-01-19T14:30:00Z), a date (2025-01-19) or a duration back from now (24h)`},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSince(tc.in, now)

			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("ParseSince(%q) error = %q, want %q", tc.in, gotErr, tc.wantErr)
			}
			if !got.Equal(tc.want) {
				t.Errorf("ParseSince(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
