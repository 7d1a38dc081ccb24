package pipeline

import (
	"errors"
	"fmt"
	"strings"
)

// CheckID applies the rules ingest applies to employee and course ids to a
// value that did not come through ingest, such as a row of an imported
// enrollment file: not empty, at most 200 bytes, without the key separator.
func CheckID(value string) error {
	switch {
	case strings.TrimSpace(value) == "":
		return errors.New("is empty")
	case len(value) > maxIDLength:
		return fmt.Errorf("is %d bytes long; at most %d bytes are accepted", len(value), maxIDLength)
	case strings.Contains(value, KeySeparator):
		return fmt.Errorf("contains %q, which separates employee and course in record keys", KeySeparator)
	}

	return nil
}
