package pipeline

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMalformed is returned by the webhook parsers when the body is not a
// JSON document of the expected shape. Ingest answers it with 400.
var ErrMalformed = errors.New("malformed webhook body")

// FieldError names one invalid field of a webhook and what is wrong with it.
type FieldError struct {
	// Field is the JSON field name as the LMS sent it, such as "completionDate".
	Field string `json:"field"`
	// Message says what is wrong and what a valid value looks like.
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a well-formed webhook. Ingest
// answers it with 422 and a problem+json body.
type ValidationError struct {
	// EventID is the event id when the body carried one, for the LMS's logs.
	EventID string
	// Fields holds one entry per invalid field, in the order they were checked.
	Fields []FieldError
}

// Error joins the field messages into one line.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}

	return "invalid event: " + strings.Join(parts, "; ")
}

// add records one invalid field.
func (e *ValidationError) add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// orNil returns e when it holds at least one field error, nil otherwise.
func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}

	return e
}
