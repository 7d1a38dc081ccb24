package reconcile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/arenasync/arenasync/pipeline"
)

// exportColumn is one column that the parser reads.
type exportColumn struct {
	key      string
	names    []string
	required bool
	index    int
	header   string
}

// columnOrder is the order in which columns are resolved and reported.
var columnOrder = []string{columnEmployee, columnCourse, columnCompletionDate, columnScore, columnStatus}

// exportParser checks the rows of one export.
type exportParser struct {
	name      string
	separator rune
	opts      ExportOptions
	completed map[string]bool
	columns   map[string]*exportColumn
	width     int

	parsed Export
	byKey  map[string]int
}

// newExportParser resolves the header's columns. It fails when a required
// column is missing, naming the accepted header names.
func newExportParser(name string, header []string, separator rune, opts ExportOptions) (*exportParser, error) {
	names := withDefaultColumns(opts.Columns)
	p := &exportParser{
		name: name, separator: separator, opts: opts, width: len(header), byKey: map[string]int{},
		columns: map[string]*exportColumn{
			columnEmployee:       {key: columnEmployee, names: names.Employee, required: true},
			columnCourse:         {key: columnCourse, names: names.Course, required: true},
			columnCompletionDate: {key: columnCompletionDate, names: names.CompletionDate, required: true},
			columnScore:          {key: columnScore, names: names.Score},
			columnStatus:         {key: columnStatus, names: names.Status},
		},
	}

	statuses := opts.CompletedStatuses
	if len(statuses) == 0 {
		statuses = DefaultCompletedStatuses
	}
	p.completed = map[string]bool{}
	for _, s := range statuses {
		p.completed[strings.ToLower(strings.TrimSpace(s))] = true
	}

	if err := p.resolve(header); err != nil {
		return nil, err
	}

	return p, nil
}

// withDefaultColumns fills the empty fields of c from DefaultExportColumns.
func withDefaultColumns(c ExportColumns) ExportColumns {
	d := DefaultExportColumns
	if len(c.Employee) == 0 {
		c.Employee = d.Employee
	}
	if len(c.Course) == 0 {
		c.Course = d.Course
	}
	if len(c.CompletionDate) == 0 {
		c.CompletionDate = d.CompletionDate
	}
	if len(c.Score) == 0 {
		c.Score = d.Score
	}
	if len(c.Status) == 0 {
		c.Status = d.Status
	}

	return c
}

// resolve finds each column's index in header, by the order of its names.
func (p *exportParser) resolve(header []string) error {
	positions := map[string]int{}
	for i, h := range header {
		key := normalizeHeader(h)
		if _, seen := positions[key]; !seen && key != "" {
			positions[key] = i
		}
	}

	var missing []string
	for _, key := range columnOrder {
		c := p.columns[key]
		c.index = -1
		for _, name := range c.names {
			if i, ok := positions[normalizeHeader(name)]; ok {
				c.index, c.header = i, strings.TrimSpace(header[i])

				break
			}
		}
		if c.index < 0 && c.required {
			missing = append(missing, fmt.Sprintf("%s (one of %q)", c.key, c.names))
		}
	}

	if len(missing) > 0 {
		return fmt.Errorf("%w: %s: the header %q lacks the column(s) %s; rename the column or name it with --lms-%s-column",
			ErrExportHeader, p.name, strings.Join(header, string(p.separator)), strings.Join(missing, ", "), flagOf(missing[0]))
	}

	return nil
}

// flagOf returns the flag word of a missing-column description.
func flagOf(missing string) string {
	switch {
	case strings.HasPrefix(missing, columnEmployee):
		return "employee"
	case strings.HasPrefix(missing, columnCourse):
		return "course"
	default:
		return "date"
	}
}

// readRows reads every data row. Rows that are not valid CSV become bad
// rows; only a failed read of the input stops it.
func (p *exportParser) readRows(reader *csv.Reader) error {
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}

		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			p.parsed.DataRows++
			p.bad(BadRow{Line: parseErr.StartLine, Reason: "is not valid CSV: " + parseErr.Err.Error()})

			continue
		}
		if err != nil {
			return err
		}
		if blank(record) {
			continue
		}

		line, _ := reader.FieldPos(0)
		p.parsed.DataRows++
		p.add(line, record)
	}
}

// add checks one row and keeps it when it is a valid completion.
func (p *exportParser) add(line int, record []string) {
	for _, key := range columnOrder {
		if c := p.columns[key]; c.required && c.index >= len(record) {
			p.bad(BadRow{Line: line, Reason: fmt.Sprintf("has %d cells; the header names %d columns", len(record), p.width)})

			return
		}
	}

	if status, ok := p.cell(record, columnStatus); ok && !p.completed[strings.ToLower(status)] {
		p.parsed.NotCompleted++

		return
	}

	row := ExportRow{Line: line}
	row.EmployeeID, _ = p.cell(record, columnEmployee)
	row.CourseID, _ = p.cell(record, columnCourse)
	for _, id := range []struct{ column, value string }{{columnEmployee, row.EmployeeID}, {columnCourse, row.CourseID}} {
		if err := pipeline.CheckID(id.value); err != nil {
			p.bad(BadRow{Line: line, Column: id.column, Value: id.value, Reason: err.Error()})

			return
		}
	}

	completion, bad := p.completion(line, record)
	if bad != nil {
		p.bad(*bad)

		return
	}
	row.Completion = completion

	p.keep(row)
}

// completion reads the date and score cells of a row.
func (p *exportParser) completion(line int, record []string) (Completion, *BadRow) {
	value, _ := p.cell(record, columnCompletionDate)
	date, err := p.opts.Dates.Parse(value)
	if err != nil {
		return Completion{}, &BadRow{Line: line, Column: columnCompletionDate, Value: value, Reason: err.Error()}
	}

	c := Completion{Date: date, Zone: p.opts.Dates.Location}
	if dateOnly.MatchString(value) {
		c.Day = value
	}

	if cell, ok := p.cell(record, columnScore); ok && cell != "" {
		score, err := scoreValue(cell, p.separator)
		if err != nil {
			return Completion{}, &BadRow{Line: line, Column: columnScore, Value: cell, Reason: err.Error()}
		}
		c.Score = score
	}

	return c, nil
}

// keep adds row, or replaces an earlier row of the same enrollment when
// row completes later.
func (p *exportParser) keep(row ExportRow) {
	i, seen := p.byKey[row.Key()]
	if !seen {
		p.byKey[row.Key()] = len(p.parsed.Rows)
		p.parsed.Rows = append(p.parsed.Rows, row)

		return
	}

	p.parsed.Superseded++
	if row.Completion.Date.After(p.parsed.Rows[i].Completion.Date) {
		p.parsed.Rows[i] = row
	}
}

// cell returns the trimmed cell of a column; ok is false when the header
// lacks the column or the row is too short for it.
func (p *exportParser) cell(record []string, key string) (string, bool) {
	c := p.columns[key]
	if c.index < 0 || c.index >= len(record) {
		return "", false
	}

	return strings.TrimSpace(record[c.index]), true
}

func (p *exportParser) bad(b BadRow) {
	p.parsed.Bad = append(p.parsed.Bad, b)
}

// export returns the parsed export with its summary fields.
func (p *exportParser) export() *Export {
	e := p.parsed
	e.Name = p.name
	e.Separator = string(p.separator)
	if p.separator == '\t' {
		e.Separator = `\t`
	}
	e.Columns = map[string]string{}
	for key, c := range p.columns {
		if c.index >= 0 {
			e.Columns[key] = c.header
		}
	}

	return &e
}
