package producer

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// Parser turns one webhook body into events. It returns an error wrapping
// pipeline.ErrMalformed when the body cannot be read at all, and a
// *pipeline.ValidationError when the body is well formed but invalid. Any
// other error is handled like a malformed body.
type Parser func(body []byte) ([]pipeline.Event, error)

// sourcePattern matches a source name, which is one segment of the webhook
// path /v1/webhooks/{source}.
var sourcePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// sources maps a source name to its parser.
type sources map[string]Parser

// defaultSources returns the parsers registered without options: the generic
// LMS webhook under pipeline.SourceGeneric.
func defaultSources(zone *time.Location, now func() time.Time) sources {
	return sources{pipeline.SourceGeneric: genericParser(zone, now)}
}

// genericParser parses the generic LMS webhook, one event per body.
func genericParser(zone *time.Location, now func() time.Time) Parser {
	opts := pipeline.GenericOptions{Dates: pipeline.DateRule{Location: zone}, Now: now}

	return func(body []byte) ([]pipeline.Event, error) {
		event, err := pipeline.ParseGeneric(body, opts)
		if err != nil {
			return nil, err
		}

		return []pipeline.Event{event}, nil
	}
}

// add registers parse under name, replacing an earlier parser of that name.
func (s sources) add(name string, parse Parser) error {
	if !sourcePattern.MatchString(name) {
		return fmt.Errorf("%w: name %q: use lower-case letters, digits, '_' or '-'", ErrInvalidSource, name)
	}
	if parse == nil {
		return fmt.Errorf("%w: source %q has a nil parser", ErrInvalidSource, name)
	}

	s[name] = parse

	return nil
}

// names returns the registered source names in order.
func (s sources) names() []string {
	names := make([]string, 0, len(s))
	for name := range s {
		names = append(names, name)
	}
	slices.Sort(names)

	return names
}
