package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxIDLength bounds ids so a hostile or broken LMS cannot fill Redis keys
// and Kafka headers with megabytes.
const maxIDLength = 200

// object is a decoded JSON object whose fields are read one at a time, so
// every type error names its field.
type object map[string]json.RawMessage

// decodeObject decodes body as one JSON object, keeping numbers exact.
func decodeObject(body []byte) (object, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, malformed("the request body is empty: send one JSON object")
	}

	var fields object
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, malformed("the request body is not a JSON object: " + describeJSONError(err))
	}
	if fields == nil {
		return nil, malformed("the request body is null: send one JSON object")
	}

	return fields, nil
}

// present reports whether the field was sent with a value other than null.
func (o object) present(name string) bool {
	raw, ok := o[name]

	return ok && string(raw) != "null"
}

// str reads a string field. A missing required field, a non-string value or
// an empty string is recorded on ve.
func (o object) str(name string, required bool, ve *ValidationError) string {
	if !o.present(name) {
		if required {
			ve.add(name, "is required")
		}

		return ""
	}

	var value string
	if err := json.Unmarshal(o[name], &value); err != nil {
		ve.add(name, "must be a string, got %s", jsonKind(o[name]))

		return ""
	}

	value = strings.TrimSpace(value)
	if value == "" {
		ve.add(name, "must not be empty")
	}

	return value
}

// id reads an identifier field: a string of at most maxIDLength bytes
// without the key separator.
func (o object) id(name string, required bool, ve *ValidationError) string {
	value := o.str(name, required, ve)
	switch {
	case len(value) > maxIDLength:
		ve.add(name, "is %d bytes long; at most %d bytes are accepted", len(value), maxIDLength)

		return ""
	case strings.Contains(value, KeySeparator):
		ve.add(name, "must not contain %q, which separates employee and course in record keys", KeySeparator)

		return ""
	}

	return value
}

// number reads an optional numeric field. ok is false when the field is
// absent or invalid; an invalid value is recorded on ve.
func (o object) number(name string, ve *ValidationError) (value float64, ok bool) {
	if !o.present(name) {
		return 0, false
	}

	if err := json.Unmarshal(o[name], &value); err != nil {
		ve.add(name, "must be a number, got %s", jsonKind(o[name]))

		return 0, false
	}

	return value, true
}

// describeJSONError rewords a decoding error for the LMS, which knows
// nothing of Go types.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", syntax.Offset, syntax)
	}

	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return "got a JSON " + typeErr.Value + ": send one event as a JSON object"
	}

	return err.Error()
}

// jsonKind names the JSON type of raw for error messages.
func jsonKind(raw json.RawMessage) string {
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" {
		return "nothing"
	}

	switch trimmed[0] {
	case '"':
		return "a string (" + trimmed + ")"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number (" + trimmed + ")"
	}
}

// malformed wraps ErrMalformed with what was wrong.
func malformed(detail string) error {
	return &malformedError{detail: detail}
}

// malformedError carries the detail of an ErrMalformed.
type malformedError struct{ detail string }

func (e *malformedError) Error() string { return e.detail }

func (e *malformedError) Unwrap() error { return ErrMalformed }
