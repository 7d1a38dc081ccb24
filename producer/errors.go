package producer

import "errors"

// ErrInvalidConfig is wrapped by the errors of Config.Validate and New when a
// field of Config is missing or out of range.
var ErrInvalidConfig = errors.New("invalid producer config")

// ErrInvalidSource is wrapped by New when WithSource got a name that cannot
// be a URL path segment or a nil parser.
var ErrInvalidSource = errors.New("invalid webhook source")
