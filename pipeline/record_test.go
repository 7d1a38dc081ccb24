package pipeline_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/pipeline"
)

// completionEvent returns a completion with every field a completion can carry.
func completionEvent() pipeline.Event {
	return pipeline.Event{
		ID:               "evt-1",
		Type:             pipeline.CourseCompleted,
		Source:           pipeline.SourceGeneric,
		EmployeeID:       "EMP12345",
		CourseID:         "LMS-SAFETY-101",
		TrainingRecordID: "TR-000981",
		CompletionDate:   "2025-01-19T14:30:00Z",
		Status:           pipeline.StatusCompleted,
		Score:            score(95),
	}
}

// enrollmentEvent returns an enrollment with both optional dates.
func enrollmentEvent() pipeline.Event {
	return pipeline.Event{
		ID:         "evt-2",
		Type:       pipeline.CourseEnrolled,
		Source:     pipeline.SourceGeneric,
		EmployeeID: "EMP12345",
		CourseID:   "LMS-SAFETY-101",
		EnrolledAt: "2025-01-06T08:00:00Z",
		DueDate:    "2025-02-06",
	}
}

// fullMeta returns delivery state with every field set, times at millisecond precision.
func fullMeta() pipeline.Meta {
	return pipeline.Meta{
		AcceptedAt:        time.Date(2025, 1, 19, 14, 30, 1, 123_000_000, time.UTC),
		Attempt:           2,
		FirstSeen:         time.Date(2025, 1, 19, 14, 30, 2, 456_000_000, time.UTC),
		NotBefore:         time.Date(2025, 1, 19, 14, 36, 2, 456_000_000, time.UTC),
		ErrorClass:        string(pipeline.ReasonArenaUnavailable),
		ErrorMessage:      "Arena answered 503: maintenance",
		ArenaStatus:       503,
		OriginalTopic:     "lms.training.events",
		OriginalPartition: 3,
		OriginalOffset:    1_234_567_890_123,
		Reason:            string(pipeline.ReasonRetriesExhausted),
		Replay:            "dlt",
	}
}

// headerList renders headers as key=value lines so a mismatch prints readably.
func headerList(headers []kafka.Header) []string {
	lines := make([]string, 0, len(headers))
	for _, h := range headers {
		lines = append(lines, h.Key+"="+string(h.Value))
	}

	return lines
}

// assertMetaEqual compares times with time.Equal and every other field exactly.
func assertMetaEqual(t *testing.T, got, want pipeline.Meta) {
	t.Helper()

	times := []struct {
		name      string
		got, want time.Time
	}{
		{name: "AcceptedAt", got: got.AcceptedAt, want: want.AcceptedAt},
		{name: "FirstSeen", got: got.FirstSeen, want: want.FirstSeen},
		{name: "NotBefore", got: got.NotBefore, want: want.NotBefore},
	}
	for _, tm := range times {
		if !tm.got.Equal(tm.want) {
			t.Errorf("%s = %s, want %s", tm.name, tm.got.Format(time.RFC3339Nano), tm.want.Format(time.RFC3339Nano))
		}
		if !tm.got.IsZero() && tm.got.Location() != time.UTC {
			t.Errorf("%s is in %s, want UTC", tm.name, tm.got.Location())
		}
	}

	got.AcceptedAt, got.FirstSeen, got.NotBefore = time.Time{}, time.Time{}, time.Time{}
	want.AcceptedAt, want.FirstSeen, want.NotBefore = time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("meta without times = %+v\nwant                %+v", got, want)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	zone := berlin(t)

	zeroScore := completionEvent()
	zeroScore.Score = score(0)

	noScore := completionEvent()
	noScore.Score = nil
	noScore.TrainingRecordID = ""

	berlinMeta := fullMeta()
	berlinMeta.AcceptedAt = time.Date(2025, 1, 19, 15, 30, 1, 123_000_000, zone)
	berlinMeta.FirstSeen = time.Date(2025, 7, 19, 16, 30, 2, 456_000_000, zone)
	berlinMeta.NotBefore = time.Date(2025, 7, 19, 16, 36, 2, 0, zone)

	tests := []struct {
		name string
		env  pipeline.Envelope
	}{
		{name: "completion with full meta", env: pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()}},
		{name: "enrollment with full meta", env: pipeline.Envelope{Event: enrollmentEvent(), Meta: fullMeta()}},
		{name: "completion with zero meta", env: pipeline.Envelope{Event: completionEvent()}},
		{name: "score 0 kept", env: pipeline.Envelope{Event: zeroScore}},
		{name: "no score and no record id", env: pipeline.Envelope{Event: noScore}},
		{name: "times in another zone", env: pipeline.Envelope{Event: completionEvent(), Meta: berlinMeta}},
		{
			name: "original location at partition and offset 0",
			env: pipeline.Envelope{Event: completionEvent(), Meta: pipeline.Meta{
				OriginalTopic: "lms.training.events.retry.1m",
			}},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := pipeline.EncodeRecord(tt.env)
			if err != nil {
				t.Fatalf("EncodeRecord error: %v", err)
			}

			got, err := pipeline.DecodeRecord(msg)
			if err != nil {
				t.Fatalf("DecodeRecord error: %v; value %s", err, msg.Value)
			}

			if !reflect.DeepEqual(got.Event, tt.env.Event) {
				t.Errorf("event = %s\nwant    %s", describe(got.Event), describe(tt.env.Event))
			}
			assertMetaEqual(t, got.Meta, tt.env.Meta)
		})
	}
}

func TestRecordTimesTruncatedToMilliseconds(t *testing.T) {
	meta := pipeline.Meta{
		AcceptedAt: time.Date(2025, 1, 19, 14, 30, 1, 123_987_654, time.UTC),
		NotBefore:  time.Date(2025, 1, 19, 14, 36, 0, 999_999_999, time.UTC),
	}
	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: completionEvent(), Meta: meta})
	if err != nil {
		t.Fatalf("EncodeRecord error: %v", err)
	}

	got, err := pipeline.DecodeRecord(msg)
	if err != nil {
		t.Fatalf("DecodeRecord error: %v", err)
	}

	want := pipeline.Meta{
		AcceptedAt: time.Date(2025, 1, 19, 14, 30, 1, 123_000_000, time.UTC),
		NotBefore:  time.Date(2025, 1, 19, 14, 36, 0, 999_000_000, time.UTC),
	}
	assertMetaEqual(t, got.Meta, want)
}

func TestEncodeHeaders(t *testing.T) {
	statusOnly := pipeline.Meta{ArenaStatus: 429, OriginalPartition: 3, OriginalOffset: 41}

	tests := []struct {
		name string
		env  pipeline.Envelope
		want []string
	}{
		{
			name: "every field set",
			env:  pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()},
			want: []string{
				"arenasync-event-id=evt-1",
				"arenasync-event-type=course.completed",
				"arenasync-source=lms",
				"arenasync-accepted-at=2025-01-19T14:30:01.123Z",
				"arenasync-attempt=2",
				"arenasync-first-seen=2025-01-19T14:30:02.456Z",
				"arenasync-not-before=2025-01-19T14:36:02.456Z",
				"arenasync-error-class=arena_unavailable",
				"arenasync-error-message=Arena answered 503: maintenance",
				"arenasync-arena-status=503",
				"arenasync-original-topic=lms.training.events",
				"arenasync-original-partition=3",
				"arenasync-original-offset=1234567890123",
				"arenasync-reason=retries_exhausted",
				"arenasync-replay=dlt",
			},
		},
		{
			name: "zero meta leaves out empty values",
			env:  pipeline.Envelope{Event: completionEvent()},
			want: []string{
				"arenasync-event-id=evt-1",
				"arenasync-event-type=course.completed",
				"arenasync-source=lms",
				"arenasync-attempt=0",
			},
		},
		{
			name: "partition and offset need a topic",
			env:  pipeline.Envelope{Event: completionEvent(), Meta: statusOnly},
			want: []string{
				"arenasync-event-id=evt-1",
				"arenasync-event-type=course.completed",
				"arenasync-source=lms",
				"arenasync-attempt=0",
				"arenasync-arena-status=429",
			},
		},
		{
			name: "times written in UTC",
			env: pipeline.Envelope{Event: enrollmentEvent(), Meta: pipeline.Meta{
				AcceptedAt: time.Date(2025, 7, 19, 16, 30, 0, 0, berlin(t)),
				Attempt:    1,
			}},
			want: []string{
				"arenasync-event-id=evt-2",
				"arenasync-event-type=course.enrolled",
				"arenasync-source=lms",
				"arenasync-accepted-at=2025-07-19T14:30:00.000Z",
				"arenasync-attempt=1",
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := headerList(pipeline.EncodeHeaders(tt.env))

			if !slices.Equal(got, tt.want) {
				t.Errorf("headers =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestEncodeRecordKeyAndHeaders(t *testing.T) {
	env := pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()}

	msg, err := pipeline.EncodeRecord(env)
	if err != nil {
		t.Fatalf("EncodeRecord error: %v", err)
	}

	if string(msg.Key) != "EMP12345|LMS-SAFETY-101" {
		t.Errorf("key = %q, want %q", msg.Key, "EMP12345|LMS-SAFETY-101")
	}
	if got, want := headerList(msg.Headers), headerList(pipeline.EncodeHeaders(env)); !slices.Equal(got, want) {
		t.Errorf("record headers = %q, want the EncodeHeaders output %q", got, want)
	}
	if msg.Topic != "" {
		t.Errorf("topic = %q, want empty so the writer decides", msg.Topic)
	}
}

func TestEncodeRecordRejectsNaNScore(t *testing.T) {
	event := completionEvent()
	event.Score = score(math.NaN())

	_, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event})

	if err == nil {
		t.Fatal("EncodeRecord returned no error for a NaN score, which JSON cannot carry")
	}
	if !strings.HasPrefix(err.Error(), "encode event evt-1: ") {
		t.Errorf("message = %q, want it to name the event id", err.Error())
	}
}

func TestEncodeRecordCloudEvent(t *testing.T) {
	zeroScore := completionEvent()
	zeroScore.Score = score(0)

	tests := []struct {
		name string
		env  pipeline.Envelope
		want string
	}{
		{
			name: "completion",
			env:  pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()},
			want: `{
				"specversion": "1.0",
				"id": "evt-1",
				"source": "arenasync/lms",
				"type": "course.completed",
				"subject": "EMP12345|LMS-SAFETY-101",
				"time": "2025-01-19T14:30:01.123Z",
				"datacontenttype": "application/json",
				"data": {
					"eventId": "evt-1",
					"eventType": "course.completed",
					"source": "lms",
					"employeeId": "EMP12345",
					"courseId": "LMS-SAFETY-101",
					"trainingRecordId": "TR-000981",
					"completionDate": "2025-01-19T14:30:00Z",
					"status": "COMPLETED",
					"score": 95
				}
			}`,
		},
		{
			name: "enrollment without accepted time",
			env:  pipeline.Envelope{Event: enrollmentEvent()},
			want: `{
				"specversion": "1.0",
				"id": "evt-2",
				"source": "arenasync/lms",
				"type": "course.enrolled",
				"subject": "EMP12345|LMS-SAFETY-101",
				"datacontenttype": "application/json",
				"data": {
					"eventId": "evt-2",
					"eventType": "course.enrolled",
					"source": "lms",
					"employeeId": "EMP12345",
					"courseId": "LMS-SAFETY-101",
					"enrolledAt": "2025-01-06T08:00:00Z",
					"dueDate": "2025-02-06"
				}
			}`,
		},
		{
			name: "score 0 written",
			env:  pipeline.Envelope{Event: zeroScore},
			want: `{
				"specversion": "1.0",
				"id": "evt-1",
				"source": "arenasync/lms",
				"type": "course.completed",
				"subject": "EMP12345|LMS-SAFETY-101",
				"datacontenttype": "application/json",
				"data": {
					"eventId": "evt-1",
					"eventType": "course.completed",
					"source": "lms",
					"employeeId": "EMP12345",
					"courseId": "LMS-SAFETY-101",
					"trainingRecordId": "TR-000981",
					"completionDate": "2025-01-19T14:30:00Z",
					"status": "COMPLETED",
					"score": 0
				}
			}`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := pipeline.EncodeRecord(tt.env)
			if err != nil {
				t.Fatalf("EncodeRecord error: %v", err)
			}

			var got, want map[string]any
			if err := json.Unmarshal(msg.Value, &got); err != nil {
				t.Fatalf("record value is not JSON: %v; value %s", err, msg.Value)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("expected value is not JSON: %v", err)
			}

			if !reflect.DeepEqual(got, want) {
				t.Errorf("value = %s\nwant    %s", msg.Value, tt.want)
			}
		})
	}
}

// validCloudEvent returns the fields of a record value that DecodeRecord accepts.
func validCloudEvent() map[string]any {
	return map[string]any{
		"specversion":     "1.0",
		"id":              "evt-1",
		"source":          "arenasync/lms",
		"type":            "course.completed",
		"subject":         "EMP12345|LMS-SAFETY-101",
		"datacontenttype": "application/json",
	}
}

// validData returns the data of a record value that DecodeRecord accepts.
func validData() map[string]any {
	return map[string]any{
		"eventId":        "evt-1",
		"eventType":      "course.completed",
		"source":         "lms",
		"employeeId":     "EMP12345",
		"courseId":       "LMS-SAFETY-101",
		"completionDate": "2025-01-19T14:30:00Z",
		"status":         "COMPLETED",
	}
}

// recordValue returns a CloudEvents value with changes applied to the
// envelope fields and to data.
func recordValue(envelopeChanges, dataChanges map[string]any) []byte {
	fields := validCloudEvent()
	fields["data"] = json.RawMessage(encodeBody(validData(), dataChanges))

	return encodeBody(fields, envelopeChanges)
}

func TestDecodeRecordValid(t *testing.T) {
	got, err := pipeline.DecodeRecord(kafka.Message{Value: recordValue(nil, nil)})
	if err != nil {
		t.Fatalf("DecodeRecord error: %v", err)
	}

	want := pipeline.Event{
		ID:             "evt-1",
		Type:           pipeline.CourseCompleted,
		Source:         pipeline.SourceGeneric,
		EmployeeID:     "EMP12345",
		CourseID:       "LMS-SAFETY-101",
		CompletionDate: "2025-01-19T14:30:00Z",
		Status:         pipeline.StatusCompleted,
	}
	if !reflect.DeepEqual(got.Event, want) {
		t.Errorf("event = %s\nwant    %s", describe(got.Event), describe(want))
	}
}

func TestDecodeRecordErrors(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
		// wantMessage is the exact error text; empty checks wantPrefix only.
		wantMessage string
		wantPrefix  string
	}{
		{name: "not JSON", value: []byte("EMP12345 completed LMS-SAFETY-101"), wantPrefix: "undecodable record: value is not a CloudEvents JSON object: "},
		{name: "empty value", value: nil, wantPrefix: "undecodable record: value is not a CloudEvents JSON object: "},
		{name: "JSON array", value: []byte(`[` + string(recordValue(nil, nil)) + `]`), wantPrefix: "undecodable record: value is not a CloudEvents JSON object: "},
		{name: "data of the wrong type", value: recordValue(map[string]any{"data": "evt-1"}, nil), wantPrefix: "undecodable record: value is not a CloudEvents JSON object: "},
		{
			name:        "older specversion",
			value:       recordValue(map[string]any{"specversion": "0.3"}, nil),
			wantMessage: `undecodable record: specversion is "0.3", want "1.0"`,
		},
		{
			name:        "missing specversion",
			value:       recordValue(map[string]any{"specversion": absent{}}, nil),
			wantMessage: `undecodable record: specversion is "", want "1.0"`,
		},
		{
			name:        "bare event without envelope",
			value:       encodeBody(validData(), nil),
			wantMessage: `undecodable record: specversion is "", want "1.0"`,
		},
		{
			name:        "missing eventId",
			value:       recordValue(nil, map[string]any{"eventId": absent{}}),
			wantMessage: "undecodable record: data.eventId is missing",
		},
		{
			name:        "missing data",
			value:       recordValue(map[string]any{"data": absent{}}, nil),
			wantMessage: "undecodable record: data.eventId is missing",
		},
		{
			name:        "missing employee",
			value:       recordValue(nil, map[string]any{"employeeId": absent{}}),
			wantMessage: "undecodable record: data.employeeId or data.courseId is missing",
		},
		{
			name:        "missing course",
			value:       recordValue(nil, map[string]any{"courseId": ""}),
			wantMessage: "undecodable record: data.employeeId or data.courseId is missing",
		},
		{
			name:        "unknown type",
			value:       recordValue(nil, map[string]any{"eventType": "course.started"}),
			wantMessage: `undecodable record: data.eventType "course.started" is not supported`,
		},
		{
			name:        "missing type",
			value:       recordValue(nil, map[string]any{"eventType": absent{}}),
			wantMessage: `undecodable record: data.eventType "" is not supported`,
		},
		{
			name:        "completion without date",
			value:       recordValue(nil, map[string]any{"completionDate": absent{}}),
			wantMessage: "undecodable record: data.completionDate is missing on a completion",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := pipeline.DecodeRecord(kafka.Message{Value: tt.value, Headers: pipeline.EncodeHeaders(pipeline.Envelope{Meta: fullMeta()})})

			if !errors.Is(err, pipeline.ErrUndecodable) {
				t.Fatalf("error = %v, want one wrapping ErrUndecodable", err)
			}
			if tt.wantMessage != "" && err.Error() != tt.wantMessage {
				t.Errorf("message = %q, want %q", err.Error(), tt.wantMessage)
			}
			if !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("message = %q, want prefix %q", err.Error(), tt.wantPrefix)
			}
			if !reflect.DeepEqual(env, pipeline.Envelope{}) {
				t.Errorf("envelope = %+v, want the zero Envelope", env)
			}
		})
	}
}

func TestDecodeRecordEnrollmentWithoutDates(t *testing.T) {
	value := recordValue(
		map[string]any{"type": "course.enrolled"},
		map[string]any{"eventType": "course.enrolled", "completionDate": absent{}, "status": absent{}},
	)

	got, err := pipeline.DecodeRecord(kafka.Message{Value: value})
	if err != nil {
		t.Fatalf("DecodeRecord error: %v", err)
	}

	if got.Event.Type != pipeline.CourseEnrolled {
		t.Errorf("type = %q, want %q", got.Event.Type, pipeline.CourseEnrolled)
	}
}

func TestDecodeRecordDamagedHeaders(t *testing.T) {
	headers := []kafka.Header{
		{Key: pipeline.HeaderEventID, Value: []byte("evt-1")},
		{Key: pipeline.HeaderAcceptedAt, Value: []byte("yesterday")},
		{Key: pipeline.HeaderAttempt, Value: []byte("two")},
		{Key: pipeline.HeaderFirstSeen, Value: []byte("")},
		{Key: pipeline.HeaderNotBefore, Value: []byte("2025-13-45T99:00:00Z")},
		{Key: pipeline.HeaderErrorClass, Value: []byte("arena_timeout")},
		{Key: pipeline.HeaderArenaStatus, Value: []byte("5xx")},
		{Key: pipeline.HeaderOriginalTopic, Value: []byte("lms.training.events")},
		{Key: pipeline.HeaderOriginalPartition, Value: []byte("p3")},
		{Key: pipeline.HeaderOriginalOffset, Value: []byte("1e3")},
		{Key: pipeline.HeaderReason, Value: []byte("retries_exhausted")},
		{Key: "traceparent", Value: []byte("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")},
	}

	got, err := pipeline.DecodeRecord(kafka.Message{Value: recordValue(nil, nil), Headers: headers})
	if err != nil {
		t.Fatalf("DecodeRecord error: %v; damaged headers must not block the event", err)
	}

	if got.Event.ID != "evt-1" {
		t.Errorf("event id = %q, want %q", got.Event.ID, "evt-1")
	}
	want := pipeline.Meta{
		ErrorClass:    "arena_timeout",
		OriginalTopic: "lms.training.events",
		Reason:        "retries_exhausted",
	}
	assertMetaEqual(t, got.Meta, want)
}

func TestDecodeMetaLastHeaderWins(t *testing.T) {
	headers := []kafka.Header{
		{Key: pipeline.HeaderAttempt, Value: []byte("1")},
		{Key: pipeline.HeaderAttempt, Value: []byte("2")},
	}

	if got := pipeline.DecodeMeta(headers).Attempt; got != 2 {
		t.Errorf("Attempt = %d, want 2 from the last header", got)
	}
}

func TestHeaderValue(t *testing.T) {
	headers := []kafka.Header{
		{Key: pipeline.HeaderReason, Value: []byte("invalid_payload")},
		{Key: pipeline.HeaderEventID, Value: []byte("evt-1")},
		{Key: pipeline.HeaderEventID, Value: []byte("evt-2")},
	}

	tests := []struct {
		name string
		key  string
		want string
	}{
		{name: "present", key: pipeline.HeaderReason, want: "invalid_payload"},
		{name: "first of two", key: pipeline.HeaderEventID, want: "evt-1"},
		{name: "missing", key: pipeline.HeaderReplay, want: ""},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pipeline.HeaderValue(headers, tt.key); got != tt.want {
				t.Errorf("HeaderValue(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestRawDeadLetterRecord(t *testing.T) {
	receivedAt := time.Date(2025, 1, 19, 14, 30, 1, 123_000_000, time.UTC)

	tests := []struct {
		name        string
		letter      pipeline.RawDeadLetter
		wantKey     string
		wantHeaders []string
		wantMeta    pipeline.Meta
	}{
		{
			name: "invalid webhook body",
			letter: pipeline.RawDeadLetter{
				Raw:     []byte(`{"eventType": "course.completed", "score": 101}`),
				Source:  pipeline.SourceGeneric,
				Reason:  pipeline.ReasonInvalidPayload,
				Message: "invalid event: employeeId: is required",
				At:      receivedAt,
			},
			wantHeaders: []string{
				"arenasync-reason=invalid_payload",
				"arenasync-error-class=invalid_payload",
				"arenasync-error-message=invalid event: employeeId: is required",
				"arenasync-source=lms",
				"arenasync-accepted-at=2025-01-19T14:30:01.123Z",
			},
			wantMeta: pipeline.Meta{
				AcceptedAt:   receivedAt,
				ErrorClass:   "invalid_payload",
				ErrorMessage: "invalid event: employeeId: is required",
				Reason:       "invalid_payload",
			},
		},
		{
			name: "undecodable record",
			letter: pipeline.RawDeadLetter{
				Raw:               []byte("\x00\x01 not an event"),
				Key:               []byte("EMP12345|LMS-SAFETY-101"),
				Source:            "lms.training.events",
				EventID:           "evt-9",
				Reason:            pipeline.ReasonUndecodableRecord,
				Message:           "undecodable record: data.eventId is missing",
				At:                receivedAt,
				OriginalTopic:     "lms.training.events",
				OriginalPartition: 2,
				OriginalOffset:    77,
			},
			wantKey: "EMP12345|LMS-SAFETY-101",
			wantHeaders: []string{
				"arenasync-reason=undecodable_record",
				"arenasync-error-class=undecodable_record",
				"arenasync-error-message=undecodable record: data.eventId is missing",
				"arenasync-source=lms.training.events",
				"arenasync-accepted-at=2025-01-19T14:30:01.123Z",
				"arenasync-event-id=evt-9",
				"arenasync-original-topic=lms.training.events",
				"arenasync-original-partition=2",
				"arenasync-original-offset=77",
			},
			wantMeta: pipeline.Meta{
				AcceptedAt:        receivedAt,
				ErrorClass:        "undecodable_record",
				ErrorMessage:      "undecodable record: data.eventId is missing",
				OriginalTopic:     "lms.training.events",
				OriginalPartition: 2,
				OriginalOffset:    77,
				Reason:            "undecodable_record",
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.letter.Record()

			if string(msg.Value) != string(tt.letter.Raw) {
				t.Errorf("value = %q, want the raw bytes %q", msg.Value, tt.letter.Raw)
			}
			if string(msg.Key) != tt.wantKey {
				t.Errorf("key = %q, want %q", msg.Key, tt.wantKey)
			}
			if got := headerList(msg.Headers); !slices.Equal(got, tt.wantHeaders) {
				t.Errorf("headers =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.wantHeaders, "\n"))
			}
			assertMetaEqual(t, pipeline.DecodeMeta(msg.Headers), tt.wantMeta)
		})
	}
}

func TestSplitKey(t *testing.T) {
	tests := []struct {
		name         string
		key          string
		wantEmployee string
		wantCourse   string
		wantOK       bool
	}{
		{name: "event key", key: completionEvent().Key(), wantEmployee: "EMP12345", wantCourse: "LMS-SAFETY-101", wantOK: true},
		{name: "empty course", key: "EMP12345|", wantEmployee: "EMP12345", wantCourse: "", wantOK: true},
		{name: "no separator", key: "EMP12345", wantEmployee: "EMP12345", wantCourse: "", wantOK: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			employee, course, ok := pipeline.SplitKey(tt.key)

			if employee != tt.wantEmployee {
				t.Errorf("employee = %q, want %q", employee, tt.wantEmployee)
			}
			if course != tt.wantCourse {
				t.Errorf("course = %q, want %q", course, tt.wantCourse)
			}
			if ok != tt.wantOK {
				t.Errorf("ok = %t, want %t", ok, tt.wantOK)
			}
		})
	}
}
