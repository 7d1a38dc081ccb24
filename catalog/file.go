package catalog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/arenasync/arenasync/internal/csvrows"
	"github.com/arenasync/arenasync/pipeline"
)

// CSV columns of a catalog file, as its first line names them.
const (
	ColumnLMSCourseID   = "lmsCourseId"
	ColumnArenaCourseID = "arenaCourseId"
)

// yamlCoursesKey is the top-level key of a YAML catalog file.
const yamlCoursesKey = "courses"

// Courses maps LMS course ids to Arena course ids.
type Courses map[string]string

// Load reads a catalog file, YAML or CSV by its extension. Every invalid
// entry is reported, each with its line, in one error wrapping
// ErrInvalidFile.
func Load(path string) (Courses, error) {
	format, err := formatOf(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}
	defer f.Close()

	var courses Courses
	if format == formatYAML {
		courses, err = ParseYAML(f)
	} else {
		courses, err = ParseCSV(f)
	}
	if err != nil {
		return nil, fmt.Errorf("course catalog %s: %w", path, err)
	}

	return courses, nil
}

// ParseYAML reads a YAML catalog: a "courses" mapping of LMS course id to
// Arena course id.
//
//	courses:
//	  LMS-SAFETY-101: TRN-0042
func ParseYAML(in io.Reader) (Courses, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(in).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the file is empty; it must hold a %q mapping", ErrInvalidFile, yamlCoursesKey)
		}

		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}

	entries, err := coursesNode(&doc)
	if err != nil {
		return nil, err
	}

	b := newBuilder()
	for i := 0; i+1 < len(entries.Content); i += 2 {
		key, value := entries.Content[i], entries.Content[i+1]
		if value.Kind != yaml.ScalarNode {
			b.fail(value.Line, fmt.Sprintf("the Arena course id of %q is not a single value", key.Value))

			continue
		}
		b.add(key.Line, key.Value, value.Value)
	}

	return b.result()
}

// coursesNode returns the mapping under the top-level "courses" key.
func coursesNode(doc *yaml.Node) (*yaml.Node, error) {
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value != yamlCoursesKey {
				continue
			}
			if node := top.Content[i+1]; node.Kind == yaml.MappingNode {
				return node, nil
			}

			return nil, fmt.Errorf("%w: line %d: %q must map LMS course ids to Arena course ids", ErrInvalidFile, top.Content[i+1].Line, yamlCoursesKey)
		}
	}

	return nil, fmt.Errorf("%w: the file has no top-level %q mapping of LMS course ids to Arena course ids", ErrInvalidFile, yamlCoursesKey)
}

// ParseCSV reads a CSV catalog whose first line names the columns
// lmsCourseId and arenaCourseId.
func ParseCSV(in io.Reader) (Courses, error) {
	reader, err := csvrows.NewReader(in, ColumnLMSCourseID, ColumnArenaCourseID)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}

	b := newBuilder()
	for {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			b.fail(parseErr.StartLine, parseErr.Err.Error())

			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
		}

		b.add(row.Line, row.Get(ColumnLMSCourseID), row.Get(ColumnArenaCourseID))
	}

	return b.result()
}

// builder collects entries and the problems found on the way.
type builder struct {
	courses  Courses
	lines    map[string]int
	problems []string
}

func newBuilder() *builder {
	return &builder{courses: Courses{}, lines: map[string]int{}}
}

// add checks one entry and keeps it when it is valid.
func (b *builder) add(line int, lmsID, arenaID string) {
	lmsID, arenaID = strings.TrimSpace(lmsID), strings.TrimSpace(arenaID)

	if err := pipeline.CheckID(lmsID); err != nil {
		b.fail(line, fmt.Sprintf("LMS course id %q %v", lmsID, err))

		return
	}
	if arenaID == "" {
		b.fail(line, fmt.Sprintf("the Arena course id of %q is empty", lmsID))

		return
	}

	if earlier, ok := b.courses[lmsID]; ok && earlier != arenaID {
		b.fail(line, fmt.Sprintf("LMS course %q maps to %q here and to %q on line %d", lmsID, arenaID, earlier, b.lines[lmsID]))

		return
	}

	b.courses[lmsID] = arenaID
	b.lines[lmsID] = line
}

// fail records a problem of one line.
func (b *builder) fail(line int, problem string) {
	b.problems = append(b.problems, fmt.Sprintf("line %d: %s", line, problem))
}

// result returns the courses, or every problem found.
func (b *builder) result() (Courses, error) {
	if len(b.problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidFile, strings.Join(b.problems, "; "))
	}

	return b.courses, nil
}

// WriteCSV writes courses as a CSV catalog file, header first and sorted
// by LMS course id, which ParseCSV reads back.
func WriteCSV(out io.Writer, courses Courses) error {
	w := csv.NewWriter(out)
	if err := w.Write([]string{ColumnLMSCourseID, ColumnArenaCourseID}); err != nil {
		return err
	}

	for _, id := range courses.sortedIDs() {
		if err := w.Write([]string{id, courses[id]}); err != nil {
			return err
		}
	}
	w.Flush()

	return w.Error()
}
