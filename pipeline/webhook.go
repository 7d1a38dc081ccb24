package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// SourceGeneric is the source name of the generic LMS webhook format.
const SourceGeneric = "lms"

// MinScore and MaxScore bound a score, in percent.
const (
	MinScore = 0.0
	MaxScore = 100.0
)

// GenericOptions configures ParseGeneric.
type GenericOptions struct {
	// Dates reads completionDate, enrolledAt and dueDate. The zero value
	// requires a zone offset on every timestamp.
	Dates DateRule
	// Now returns the current time for the future-date check. Nil means time.Now.
	Now func() time.Time
	// OnScoreDropped is called for a score left out under the score rule of
	// ParseScore. Nil drops it silently.
	OnScoreDropped func(ScoreDrop)
}

// ParseGeneric parses, validates and normalizes one event of the generic
// webhook format. It returns an error wrapping ErrMalformed when the body is
// not a JSON object, and a *ValidationError naming every invalid field when
// it is one.
func ParseGeneric(body []byte, opts GenericOptions) (Event, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return Event{}, err
	}

	ve := &ValidationError{}
	event := Event{
		Source:           SourceGeneric,
		ID:               fields.id("eventId", false, ve),
		EmployeeID:       fields.id("employeeId", true, ve),
		CourseID:         fields.id("courseId", true, ve),
		TrainingRecordID: fields.id("trainingRecordId", false, ve),
	}
	ve.EventID = event.ID

	event.Type = EventType(fields.str("eventType", true, ve))
	switch event.Type {
	case CourseCompleted:
		readCompletion(fields, &event, opts, ve)
	case CourseEnrolled:
		readEnrollment(fields, &event, opts, ve)
	case "":
	default:
		ve.add("eventType", "%q is not supported: use %q or %q", event.Type, CourseEnrolled, CourseCompleted)
	}

	if err := ve.orNil(); err != nil {
		return Event{}, err
	}

	if event.ID == "" {
		event.ID = DeriveEventID(event)
	}

	return event, nil
}

// readCompletion reads the fields of a course.completed event.
func readCompletion(fields object, event *Event, opts GenericOptions, ve *ValidationError) {
	if date := fields.str("completionDate", true, ve); date != "" {
		event.CompletionDate = normalizeDate("completionDate", date, opts, true, ve)
	}

	status := fields.str("status", true, ve)
	if status != "" && !strings.EqualFold(status, StatusCompleted) {
		ve.add("status", "must be %q on a %s event, got %q", StatusCompleted, CourseCompleted, status)
	}
	if status != "" {
		event.Status = StatusCompleted
	}

	score, drop, err := ParseScore("score", fields["score"])
	switch {
	case err != nil:
		ve.add("score", "%s", err.Error())
	case drop != nil && opts.OnScoreDropped != nil:
		opts.OnScoreDropped(*drop)
	}
	event.Score = score
}

// readEnrollment reads the fields of a course.enrolled event.
func readEnrollment(fields object, event *Event, opts GenericOptions, ve *ValidationError) {
	if date := fields.str("enrolledAt", false, ve); date != "" {
		event.EnrolledAt = normalizeDate("enrolledAt", date, opts, true, ve)
	}

	due := fields.str("dueDate", false, ve)
	if due == "" {
		return
	}
	if _, err := time.Parse(dateOnlyLayout, due); err == nil {
		event.DueDate = due

		return
	}
	event.DueDate = normalizeDate("dueDate", due, opts, false, ve)
}

// normalizeDate parses a timestamp field into RFC 3339 UTC. pastOnly rejects
// a value further in the future than FutureTolerance.
func normalizeDate(field, value string, opts GenericOptions, pastOnly bool, ve *ValidationError) string {
	t, err := opts.Dates.Parse(value)
	if err != nil {
		ve.add(field, "%s", err.Error())

		return ""
	}

	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if pastOnly && t.After(now().Add(FutureTolerance)) {
		ve.add(field, "%q lies in the future: check the LMS clock and time zone", value)

		return ""
	}

	return FormatUTC(t)
}

// DeriveEventID returns a stable id for an event the LMS sent without one,
// so a repeated delivery of the same content is recognised as a duplicate.
func DeriveEventID(e Event) string {
	score := ""
	if e.Score != nil {
		score = strconv.FormatFloat(*e.Score, 'f', -1, 64)
	}

	parts := []string{e.Source, string(e.Type), e.EmployeeID, e.CourseID, e.TrainingRecordID, e.CompletionDate, score, e.EnrolledAt, e.DueDate}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))

	return "derived-" + hex.EncodeToString(sum[:16])
}
