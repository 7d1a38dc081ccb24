package catalog

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Sentinel errors of the package.
var (
	// ErrInvalidConfig is wrapped by Config.Validate and New for every
	// invalid field.
	ErrInvalidConfig = errors.New("invalid course catalog config")

	// ErrInvalidFile is wrapped by Load and New when the catalog file
	// cannot be read or holds invalid entries.
	ErrInvalidFile = errors.New("invalid course catalog file")
)

// Config selects the sources of a Catalog.
type Config struct {
	// File is a YAML (.yaml or .yml) or CSV (.csv) file of LMS course id
	// to Arena course id entries, read once by New. Optional; empty means
	// no file.
	File string

	// Passthrough uses an LMS course id that no other source maps as the
	// Arena course id. Default false: such a course is unknown.
	Passthrough bool
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.File == "" {
		return nil
	}

	if _, err := formatOf(c.File); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}

	return nil
}

// fileFormat is the syntax of a catalog file.
type fileFormat int

const (
	formatYAML fileFormat = iota + 1
	formatCSV
)

// formatOf picks the syntax of a catalog file by its extension.
func formatOf(path string) (fileFormat, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return formatYAML, nil
	case ".csv":
		return formatCSV, nil
	default:
		return 0, fmt.Errorf("course catalog file %q has an unknown extension: use .yaml, .yml or .csv", path)
	}
}
