package adapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/arenasync/arenasync/pipeline"
)

// maxIDLength bounds ids, as the generic format does, so a broken LMS
// cannot fill Redis keys and Kafka headers with megabytes.
const maxIDLength = 200

// integerID matches an id sent as a JSON integer, as Docebo sends user and
// course ids.
var integerID = regexp.MustCompile(`^-?\d+$`)

// object is a decoded JSON object whose fields are read one at a time, so
// every error names its field.
type object map[string]json.RawMessage

// decodeObject decodes body as one JSON object.
func decodeObject(body []byte) (object, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, malformed("the request body is empty: send one JSON object")
	}
	if trimmed[0] != '{' {
		return nil, malformed("the request body is not a JSON object")
	}

	var fields object
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return nil, malformed("the request body is not valid JSON: " + err.Error())
	}

	return fields, nil
}

// asObject decodes a field value as an object. ok is false when the value
// is absent or null; a value of another type is recorded on fe.
func asObject(raw json.RawMessage, path string, fe *fieldErrors) (object, bool) {
	if isNull(raw) {
		return nil, false
	}

	var fields object
	if bytes.TrimSpace(raw)[0] != '{' || json.Unmarshal(raw, &fields) != nil {
		fe.add(path, "must be an object, got %s", kind(raw))

		return nil, false
	}

	return fields, true
}

// isNull reports whether a field was absent or null.
func isNull(raw json.RawMessage) bool {
	trimmed := bytes.TrimSpace(raw)

	return len(trimmed) == 0 || string(trimmed) == "null"
}

// text reads an optional string field; "" when absent or null. A value of
// another type is recorded on fe.
func text(raw json.RawMessage, path string, fe *fieldErrors) string {
	if isNull(raw) {
		return ""
	}

	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		fe.add(path, "must be a string, got %s", kind(raw))

		return ""
	}

	return strings.TrimSpace(value)
}

// requiredText reads a string field that must be present and not empty.
func requiredText(raw json.RawMessage, path string, fe *fieldErrors) string {
	if isNull(raw) {
		fe.add(path, "is required")

		return ""
	}

	value := text(raw, path, fe)
	if value == "" && !fe.has(path) {
		fe.add(path, "must not be empty")
	}

	return value
}

// id reads a required id: a string, or an integer as LMSs with numeric ids
// send it. It must fit the rules of record keys.
func id(raw json.RawMessage, path string, fe *fieldErrors) string {
	trimmed := strings.TrimSpace(string(raw))
	value := ""
	if integerID.MatchString(trimmed) {
		value = trimmed
	} else if !isNull(raw) && trimmed[0] != '"' {
		fe.add(path, "must be a string or an integer, got %s", kind(raw))

		return ""
	} else {
		value = requiredText(raw, path, fe)
	}

	if value == "" {
		return ""
	}
	if err := checkID(value); err != nil {
		fe.add(path, "%s", err.Error())

		return ""
	}

	return value
}

// checkID applies the rules of record keys to an id.
func checkID(value string) error {
	switch {
	case len(value) > maxIDLength:
		return fmt.Errorf("is %d bytes long; at most %d bytes are accepted", len(value), maxIDLength)
	case strings.Contains(value, pipeline.KeySeparator):
		return fmt.Errorf("must not contain %q, which separates employee and course in record keys", pipeline.KeySeparator)
	case strings.ContainsFunc(value, isControl):
		return fmt.Errorf("must not contain control characters")
	}

	return nil
}

// isControl reports ASCII control characters and DEL.
func isControl(r rune) bool {
	return r < ' ' || r == 0x7f
}

// kind names the JSON type of raw for messages.
func kind(raw json.RawMessage) string {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return "nothing"
	}

	switch trimmed[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// fieldErrors collects the invalid fields of a delivery.
type fieldErrors struct {
	eventID string
	fields  []pipeline.FieldError
}

// add records one invalid field.
func (f *fieldErrors) add(field, format string, args ...any) {
	f.fields = append(f.fields, pipeline.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// has reports whether field already has an error.
func (f *fieldErrors) has(field string) bool {
	for _, e := range f.fields {
		if e.Field == field {
			return true
		}
	}

	return false
}

// err returns a *pipeline.ValidationError when a field is invalid, nil
// otherwise.
func (f *fieldErrors) err() error {
	if len(f.fields) == 0 {
		return nil
	}

	return &pipeline.ValidationError{EventID: f.eventID, Fields: f.fields}
}

// malformed returns an error wrapping pipeline.ErrMalformed.
func malformed(detail string) error {
	return fmt.Errorf("%w: %s", pipeline.ErrMalformed, detail)
}
