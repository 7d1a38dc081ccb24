// Package csvrows reads the CSV files administrators hand to arenasync:
// a header row naming the columns, then one row per entry. It tolerates
// what spreadsheet programs write: a UTF-8 byte order mark, blank lines,
// rows of empty cells, columns in any order and extra columns.
package csvrows

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrHeader is wrapped by NewReader when the header row is missing or
// lacks a required column.
var ErrHeader = errors.New("invalid CSV header")

// utf8BOM is the byte order mark some spreadsheet programs write first.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Row is one data row.
type Row struct {
	// Line is the 1-based line number of the row's first line in the file.
	Line int
	// Raw is the row's cells as read.
	Raw []string

	columns map[string]int
}

// Get returns the trimmed cell of a column named in NewReader's required
// list, or "" when the row is shorter than the header.
func (r Row) Get(column string) string {
	i, ok := r.columns[strings.ToLower(column)]
	if !ok || i >= len(r.Raw) {
		return ""
	}

	return strings.TrimSpace(r.Raw[i])
}

// Reader reads data rows after the header.
type Reader struct {
	csv     *csv.Reader
	columns map[string]int
	width   int
}

// NewReader reads the header row from in and checks that it names every
// required column. Column names match without regard to case.
func NewReader(in io.Reader, required ...string) (*Reader, error) {
	r := &Reader{csv: csv.NewReader(skipBOM(in))}
	r.csv.FieldsPerRecord = -1

	header, err := r.firstRow()
	if err != nil {
		return nil, err
	}

	r.columns = make(map[string]int, len(header))
	for i, name := range header {
		r.columns[strings.ToLower(strings.TrimSpace(name))] = i
	}
	r.width = len(header)

	var missing []string
	for _, name := range required {
		if _, ok := r.columns[strings.ToLower(name)]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: the first line %q lacks the column(s) %s; the first line must be %s",
			ErrHeader, strings.Join(header, ","), strings.Join(missing, ", "), strings.Join(required, ","))
	}

	return r, nil
}

// firstRow returns the first row that has a non-empty cell.
func (r *Reader) firstRow() ([]string, error) {
	for {
		record, err := r.csv.Read()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the file is empty; the first line must name the columns", ErrHeader)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrHeader, err)
		}
		if !blank(record) {
			return record, nil
		}
	}
}

// Next returns the next data row, skipping rows whose cells are all empty.
// It returns io.EOF after the last row. A row that is not valid CSV, such
// as one with a stray quote, is returned as a *csv.ParseError; reading
// goes on with the following line.
func (r *Reader) Next() (Row, error) {
	for {
		record, err := r.csv.Read()
		if err != nil {
			return Row{}, err
		}
		if blank(record) {
			continue
		}

		line, _ := r.csv.FieldPos(0)

		return Row{Line: line, Raw: record, columns: r.columns}, nil
	}
}

// Width returns the number of columns the header names.
func (r *Reader) Width() int {
	return r.width
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

// skipBOM drops a leading UTF-8 byte order mark.
func skipBOM(in io.Reader) io.Reader {
	buffered := bufio.NewReader(in)
	if start, err := buffered.Peek(len(utf8BOM)); err == nil && bytes.Equal(start, utf8BOM) {
		_, _ = buffered.Discard(len(utf8BOM))
	}

	return buffered
}
