package store

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/arenasync/arenasync/internal/csvrows"
	"github.com/arenasync/arenasync/pipeline"
)

// CSV columns of an enrollment map file, as its first line names them.
// Export writes them in this order; import accepts any order and ignores
// other columns.
const (
	ColumnEmployeeID       = "employeeId"
	ColumnCourseID         = "courseId"
	ColumnTrainingRecordID = "trainingRecordId"
)

// Mapping is one entry of the enrollment map: the Arena training record of
// an employee's LMS course.
type Mapping struct {
	EmployeeID       string
	CourseID         string
	TrainingRecordID string
}

// MappingRow is a mapping read from line Line of a file.
type MappingRow struct {
	Mapping
	Line int
}

// RejectedRow is a row of an imported file that was not stored.
type RejectedRow struct {
	// Line is the row's line number in the file, the header being line 1.
	Line int
	// Field is the column of the invalid value, empty when the whole row is at fault.
	Field string
	// Value is the invalid value.
	Value string
	// Reason says what is wrong and, where it is not obvious, what to do.
	Reason string
}

// String formats the rejection for the import report, such as
// `line 7: trainingRecordId "": is empty`.
func (r RejectedRow) String() string {
	if r.Field == "" {
		return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
	}

	return fmt.Sprintf("line %d: %s %q: %s", r.Line, r.Field, r.Value, r.Reason)
}

// ParsedMappings is the content of an enrollment map file.
type ParsedMappings struct {
	// Rows are the valid rows, in file order, without repeats.
	Rows []MappingRow
	// Rejected are the invalid rows, in file order.
	Rejected []RejectedRow
	// Repeats counts rows identical to an earlier row, which are skipped.
	Repeats int
}

// ReadMappingsCSV reads an enrollment map file whose first line names the
// columns employeeId, courseId and trainingRecordId. Invalid rows are
// listed in Rejected. The error is set only when the file cannot be read
// or its header is invalid.
func ReadMappingsCSV(in io.Reader) (ParsedMappings, error) {
	reader, err := csvrows.NewReader(in, ColumnEmployeeID, ColumnCourseID, ColumnTrainingRecordID)
	if err != nil {
		return ParsedMappings{}, err
	}

	p := newMappingParser()
	for {
		row, err := reader.Next()
		if errors.Is(err, io.EOF) {
			return p.parsed, nil
		}

		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			p.reject(RejectedRow{Line: parseErr.StartLine, Reason: "is not valid CSV: " + parseErr.Err.Error()})

			continue
		}
		if err != nil {
			return ParsedMappings{}, fmt.Errorf("read enrollment map file: %w", err)
		}

		if len(row.Raw) < reader.Width() {
			p.reject(RejectedRow{Line: row.Line, Reason: fmt.Sprintf("has %d cells; the header names %d columns", len(row.Raw), reader.Width())})

			continue
		}
		p.add(row)
	}
}

// mappingParser checks rows one by one and against the rows before them.
type mappingParser struct {
	parsed   ParsedMappings
	byKey    map[string]MappingRow
	byRecord map[string]MappingRow
}

func newMappingParser() *mappingParser {
	return &mappingParser{byKey: map[string]MappingRow{}, byRecord: map[string]MappingRow{}}
}

func (p *mappingParser) reject(r RejectedRow) {
	p.parsed.Rejected = append(p.parsed.Rejected, r)
}

// add checks one row and keeps it when it is valid and new.
func (p *mappingParser) add(row csvrows.Row) {
	m := MappingRow{Line: row.Line, Mapping: Mapping{
		EmployeeID:       row.Get(ColumnEmployeeID),
		CourseID:         row.Get(ColumnCourseID),
		TrainingRecordID: row.Get(ColumnTrainingRecordID),
	}}

	fields := []struct{ name, value string }{
		{ColumnEmployeeID, m.EmployeeID},
		{ColumnCourseID, m.CourseID},
		{ColumnTrainingRecordID, m.TrainingRecordID},
	}
	for _, f := range fields {
		if err := pipeline.CheckID(f.value); err != nil {
			p.reject(RejectedRow{Line: m.Line, Field: f.name, Value: f.value, Reason: err.Error()})

			return
		}
	}

	key := m.EmployeeID + pipeline.KeySeparator + m.CourseID
	if earlier, ok := p.byKey[key]; ok {
		if earlier.TrainingRecordID == m.TrainingRecordID {
			p.parsed.Repeats++

			return
		}
		p.reject(RejectedRow{Line: m.Line, Field: ColumnTrainingRecordID, Value: m.TrainingRecordID,
			Reason: fmt.Sprintf("employee %s and course %s are mapped to %s on line %d; keep one of the two rows", m.EmployeeID, m.CourseID, earlier.TrainingRecordID, earlier.Line)})

		return
	}

	if earlier, ok := p.byRecord[m.TrainingRecordID]; ok {
		p.reject(RejectedRow{Line: m.Line, Field: ColumnTrainingRecordID, Value: m.TrainingRecordID,
			Reason: fmt.Sprintf("is mapped on line %d to employee %s and course %s; a training record belongs to one enrollment", earlier.Line, earlier.EmployeeID, earlier.CourseID)})

		return
	}

	p.byKey[key] = m
	p.byRecord[m.TrainingRecordID] = m
	p.parsed.Rows = append(p.parsed.Rows, m)
}

// WriteMappingsCSV writes mappings as an enrollment map file, header first,
// which ReadMappingsCSV reads back.
func WriteMappingsCSV(out io.Writer, mappings []Mapping) error {
	w := csv.NewWriter(out)
	if err := w.Write([]string{ColumnEmployeeID, ColumnCourseID, ColumnTrainingRecordID}); err != nil {
		return err
	}

	for _, m := range mappings {
		if err := w.Write([]string{m.EmployeeID, m.CourseID, m.TrainingRecordID}); err != nil {
			return err
		}
	}
	w.Flush()

	return w.Error()
}
