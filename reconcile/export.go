package reconcile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/arenasync/arenasync/pipeline"
)

// maxExportBytes bounds the LMS export that ReadExport reads into memory.
const maxExportBytes = 256 << 20

// utf8BOM is the byte order mark some spreadsheet programs write first.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// dateOnly matches a calendar date without a time.
var dateOnly = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ExportColumns names the columns of an LMS completion export. Each field
// lists the header names accepted for its column, first match wins. A
// header matches a name when both are equal after lower-casing and
// removing spaces and the characters _ - . ( ) %.
type ExportColumns struct {
	// Employee holds Arena's employee id. Required.
	Employee []string
	// Course holds the LMS course id. Required.
	Course []string
	// CompletionDate holds the completion date. Required.
	CompletionDate []string
	// Score holds the score in percent. Optional: without it, scores are
	// not compared.
	Score []string
	// Status holds the completion status. Optional: with it, rows whose
	// status is not one of ExportOptions.CompletedStatuses are skipped.
	Status []string
}

// DefaultExportColumns are the header names of common LMS report exports.
var DefaultExportColumns = ExportColumns{
	Employee:       []string{"employeeId", "Employee ID", "Employee number", "User ID", "Username", "ID number", "Learner ID"},
	Course:         []string{"courseId", "Course ID", "Course code", "Course short name", "Training ID"},
	CompletionDate: []string{"completionDate", "Completion date", "Date completed", "Completed on", "Completion time"},
	Score:          []string{"score", "Final score", "Score %", "Grade"},
	Status:         []string{"status", "Completion status", "Course status"},
}

// DefaultCompletedStatuses are the status values that mean completed.
var DefaultCompletedStatuses = []string{"completed", "complete", "passed"}

// ExportOptions tell ReadExport how to read an LMS export.
type ExportOptions struct {
	// Columns names the columns. An empty field uses the field of
	// DefaultExportColumns.
	Columns ExportColumns
	// Dates parses completion dates with the webhook's rules: its Location
	// reads values without a zone offset and date-only values, which are
	// rejected when it is nil.
	Dates pipeline.DateRule
	// CompletedStatuses are the status values, matched without regard to
	// case, of rows that are completions. Default
	// DefaultCompletedStatuses. Used only when a status column exists.
	CompletedStatuses []string
}

// Export is the content of an LMS completion export.
type Export struct {
	// Name is the file name, for the report.
	Name string `json:"file"`
	// Separator is the cell separator found in the header row.
	Separator string `json:"separator"`
	// Columns are the header names used, by column: employee, course,
	// completionDate and, when found, score and status.
	Columns map[string]string `json:"columns"`
	// DataRows counts the rows after the header that hold a cell.
	DataRows int `json:"dataRows"`
	// Rows are the valid completions, the latest per enrollment.
	Rows []ExportRow `json:"-"`
	// Bad are the rows that were not read, in file order.
	Bad []BadRow `json:"badRows"`
	// NotCompleted counts rows skipped because their status is not a
	// completion.
	NotCompleted int `json:"notCompleted"`
	// Superseded counts valid rows replaced by a later completion of the
	// same enrollment in the file.
	Superseded int `json:"superseded"`
}

// ExportRow is one completion of the export.
type ExportRow struct {
	// Line is the row's line number in the file, the header being line 1
	// when it is the first line.
	Line       int
	EmployeeID string
	CourseID   string
	Completion Completion
}

// Key returns the enrollment key "employeeId|courseId".
func (r ExportRow) Key() string {
	return r.EmployeeID + pipeline.KeySeparator + r.CourseID
}

// BadRow is a row of the export that was not read.
type BadRow struct {
	Line int `json:"line"`
	// Column is the column of the invalid value, empty when the whole row
	// is at fault.
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	// Reason states what is wrong and what the export should contain.
	Reason string `json:"reason"`
}

// String formats the bad row, such as `line 7: completionDate "19.01.2025": ...`.
func (b BadRow) String() string {
	if b.Column == "" {
		return fmt.Sprintf("line %d: %s", b.Line, b.Reason)
	}

	return fmt.Sprintf("line %d: %s %q: %s", b.Line, b.Column, b.Value, b.Reason)
}

// Column keys of Export.Columns and BadRow.Column.
const (
	columnEmployee       = "employee"
	columnCourse         = "course"
	columnCompletionDate = "completionDate"
	columnScore          = "score"
	columnStatus         = "status"
)

// ReadExport reads an LMS completion export: CSV with a header row, cells
// separated by ',', ';' or a tab (whichever the header row uses most), an
// optional UTF-8 byte order mark, and blank lines anywhere. Rows that
// cannot be read are listed in Export.Bad. The error is set only when the
// file cannot be read or its header lacks a required column.
func ReadExport(in io.Reader, name string, opts ExportOptions) (*Export, error) {
	data, err := io.ReadAll(io.LimitReader(in, maxExportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read LMS export %s: %w", name, err)
	}
	if len(data) > maxExportBytes {
		return nil, fmt.Errorf("LMS export %s is larger than %d MiB: export a shorter period", name, maxExportBytes>>20)
	}
	data = bytes.TrimPrefix(data, utf8BOM)

	separator := detectSeparator(data)
	reader := csv.NewReader(bytes.NewReader(data))
	reader.Comma = separator
	reader.FieldsPerRecord = -1

	header, err := firstRecord(reader)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrExportHeader, name, err)
	}

	p, err := newExportParser(name, header, separator, opts)
	if err != nil {
		return nil, err
	}
	if err := p.readRows(reader); err != nil {
		return nil, fmt.Errorf("read LMS export %s: %w", name, err)
	}

	return p.export(), nil
}

// detectSeparator returns the separator that occurs most often, outside
// quotes, in the first line that is not blank; ',' on a tie or none.
func detectSeparator(data []byte) rune {
	line := firstLine(data)
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}

	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}

	return best
}

// firstLine returns the first line of data that is not blank.
func firstLine(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) != "" {
			return line
		}
	}

	return ""
}

// firstRecord returns the first record that has a non-empty cell.
func firstRecord(reader *csv.Reader) ([]string, error) {
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty; the first line must name the columns")
		}
		if err != nil {
			return nil, err
		}
		if !blank(record) {
			return record, nil
		}
	}
}

// blank reports whether every cell of record is empty or white space.
func blank(record []string) bool {
	for _, cell := range record {
		if strings.TrimSpace(cell) != "" {
			return false
		}
	}

	return true
}

// normalizeHeader returns the form in which header names are compared.
func normalizeHeader(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch r {
		case ' ', '_', '-', '.', '(', ')', '%':
			continue
		}
		b.WriteRune(r)
	}

	return b.String()
}

// scoreValue reads a score cell with the webhook's score rule. A decimal
// comma is accepted when cells are separated by ';', as spreadsheet
// programs in many locales write them.
func scoreValue(cell string, separator rune) (*float64, error) {
	if separator == ';' && strings.Count(cell, ",") == 1 && !strings.Contains(cell, ".") {
		cell = strings.Replace(cell, ",", ".", 1)
	}

	raw, err := json.Marshal(cell)
	if err != nil {
		return nil, err
	}
	score, drop, err := pipeline.ParseScore(columnScore, raw)
	if err != nil {
		return nil, err
	}
	if drop != nil {
		return nil, fmt.Errorf("lies outside %g..%g: the export must give scores in percent", pipeline.MinScore, pipeline.MaxScore)
	}

	return score, nil
}
