package reconcile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// readTestExport reads content with the default columns and rule.
func readTestExport(t *testing.T, content string, opts ExportOptions) (*Export, error) {
	t.Helper()

	return ReadExport(strings.NewReader(content), "export.csv", opts)
}

// rowSummary is an export row in a form that compares in tests.
type rowSummary struct {
	Line  int
	Key   string
	Date  string
	Score string
	Day   string
}

func summarize(rows []ExportRow) []rowSummary {
	var out []rowSummary
	for _, r := range rows {
		out = append(out, rowSummary{Line: r.Line, Key: r.Key(), Date: pipeline.FormatUTC(r.Completion.Date), Score: formatScore(r.Completion.Score), Day: r.Completion.Day})
	}

	return out
}

func TestReadExportRows(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name          string
		content       string
		opts          ExportOptions
		wantRows      []rowSummary
		wantBad       []string
		wantSeparator string
		wantSkipped   int
	}{
		{
			name:          "comma separated with camel-case header",
			content:       "employeeId,courseId,completionDate,score\nEMP00001,C1,2025-01-19T14:30:00Z,95\nEMP00002,C1,2025-01-19T16:30:00+02:00,\n",
			wantRows:      []rowSummary{{Line: 2, Key: "EMP00001|C1", Date: "2025-01-19T14:30:00Z", Score: "95"}, {Line: 3, Key: "EMP00002|C1", Date: "2025-01-19T14:30:00Z"}},
			wantSeparator: ",",
		},
		{
			name:          "byte order mark, semicolons, blank lines and a decimal comma",
			content:       "\xEF\xBB\xBF\r\nEmployee ID;Course code;Completion date;Score (%)\r\n\r\nEMP00001;C1;2025-01-19T14:30:00Z;85,5\r\n;;;\r\n\r\nEMP00002;C1;2025-01-19T14:30:00Z;90\r\n",
			wantRows:      []rowSummary{{Line: 4, Key: "EMP00001|C1", Date: "2025-01-19T14:30:00Z", Score: "85.5"}, {Line: 7, Key: "EMP00002|C1", Date: "2025-01-19T14:30:00Z", Score: "90"}},
			wantSeparator: ";",
		},
		{
			name:          "tab separated with quoted cells",
			content:       "User ID\tCourse ID\tDate completed\n\"EMP00001\"\t\"C1, part 1\"\t2025-01-19T14:30:00Z\n",
			wantRows:      []rowSummary{{Line: 2, Key: "EMP00001|C1, part 1", Date: "2025-01-19T14:30:00Z"}},
			wantSeparator: `\t`,
		},
		{
			name:          "bad rows are reported, the rest is read",
			content:       "employeeId,courseId,completionDate,score\nEMP00001,C1,19.01.2025,95\n,C1,2025-01-19T14:30:00Z,95\nEMP00003,C1,2025-01-19T14:30:00Z,eighty\nEMP00004,C1,2025-01-19T14:30:00Z,150\nEMP00005,C1\nEMP00006,C1,2025-01-19T14:30:00Z,\"9\"0\nEMP00007,C1,2025-01-19T14:30:00Z,70\n",
			wantRows:      []rowSummary{{Line: 8, Key: "EMP00007|C1", Date: "2025-01-19T14:30:00Z", Score: "70"}},
			wantSeparator: ",",
			wantBad: []string{
				`line 2: completionDate "19.01.2025": "19.01.2025" is not an ISO 8601 date and time: send RFC 3339, such as 2025-01-19T14:30:00Z`,
				`line 3: employee "": is empty`,
				`line 4: score "eighty": must be a number or a numeric string such as "85" or "85%", got "eighty"`,
				`line 5: score "150": lies outside 0..100: the export must give scores in percent`,
				`line 6: has 2 cells; the header names 4 columns`,
				`line 7: is not valid CSV: extraneous or missing " in quoted-field`,
			},
		},
		{
			name:     "zone-less values need a time zone",
			content:  "employeeId,courseId,completionDate\nEMP00001,C1,2025-01-19 14:30:00\n",
			wantBad:  []string{`line 2: completionDate "2025-01-19 14:30:00": "2025-01-19 14:30:00" has no time zone offset: send RFC 3339 with an offset, such as 2025-01-19T14:30:00Z, or configure the source's time zone`},
			wantRows: nil, wantSeparator: ",",
		},
		{
			name:          "zone-less values and dates in the configured zone",
			content:       "employeeId,courseId,completionDate\nEMP00001,C1,2025-01-19 14:30:00\nEMP00002,C1,2025-07-01\n",
			opts:          ExportOptions{Dates: pipeline.DateRule{Location: berlin}},
			wantRows:      []rowSummary{{Line: 2, Key: "EMP00001|C1", Date: "2025-01-19T13:30:00Z"}, {Line: 3, Key: "EMP00002|C1", Date: "2025-06-30T22:00:00Z", Day: "2025-07-01"}},
			wantSeparator: ",",
		},
		{
			name:          "rows that are not completed are skipped",
			content:       "employeeId,courseId,completionDate,status\nEMP00001,C1,2025-01-19T14:30:00Z,Completed\nEMP00002,C1,,In progress\nEMP00003,C1,2025-01-19T14:30:00Z,PASSED\n",
			wantRows:      []rowSummary{{Line: 2, Key: "EMP00001|C1", Date: "2025-01-19T14:30:00Z"}, {Line: 4, Key: "EMP00003|C1", Date: "2025-01-19T14:30:00Z"}},
			wantSeparator: ",", wantSkipped: 1,
		},
		{
			name:          "the latest completion of an enrollment wins",
			content:       "employeeId,courseId,completionDate\nEMP00001,C1,2025-01-19T14:30:00Z\nEMP00001,C1,2025-03-01T08:00:00Z\nEMP00001,C1,2024-01-01T08:00:00Z\n",
			wantRows:      []rowSummary{{Line: 3, Key: "EMP00001|C1", Date: "2025-03-01T08:00:00Z"}},
			wantSeparator: ",",
		},
		{
			name:          "configured column names and unknown columns",
			content:       "Personnel no,Module,Finished,Department\nEMP00001,C1,2025-01-19T14:30:00Z,Quality\n",
			opts:          ExportOptions{Columns: ExportColumns{Employee: []string{"Personnel no."}, Course: []string{"module"}, CompletionDate: []string{"finished"}}},
			wantRows:      []rowSummary{{Line: 2, Key: "EMP00001|C1", Date: "2025-01-19T14:30:00Z"}},
			wantSeparator: ",",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			export, err := readTestExport(t, tt.content, tt.opts)
			if err != nil {
				t.Fatalf("ReadExport: %v", err)
			}

			if got := summarize(export.Rows); !reflect.DeepEqual(got, tt.wantRows) {
				t.Errorf("rows = %+v\nwant %+v", got, tt.wantRows)
			}
			var bad []string
			for _, b := range export.Bad {
				bad = append(bad, b.String())
			}
			if !reflect.DeepEqual(bad, tt.wantBad) {
				t.Errorf("bad rows =\n%s\nwant\n%s", strings.Join(bad, "\n"), strings.Join(tt.wantBad, "\n"))
			}
			if export.Separator != tt.wantSeparator {
				t.Errorf("separator = %q, want %q", export.Separator, tt.wantSeparator)
			}
			if export.NotCompleted != tt.wantSkipped {
				t.Errorf("not completed = %d, want %d", export.NotCompleted, tt.wantSkipped)
			}
		})
	}
}

func TestReadExportCounts(t *testing.T) {
	content := "employeeId,courseId,completionDate\n\nEMP00001,C1,2025-01-19T14:30:00Z\nEMP00001,C1,2025-01-20T14:30:00Z\nEMP00002,C1,bad\n"

	export, err := readTestExport(t, content, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}

	if export.DataRows != 3 || export.Superseded != 1 || len(export.Bad) != 1 || len(export.Rows) != 1 {
		t.Errorf("data rows %d, superseded %d, bad %d, rows %d; want 3, 1, 1, 1", export.DataRows, export.Superseded, len(export.Bad), len(export.Rows))
	}
	want := map[string]string{"employee": "employeeId", "course": "courseId", "completionDate": "completionDate"}
	if !reflect.DeepEqual(export.Columns, want) {
		t.Errorf("columns = %v, want %v", export.Columns, want)
	}
}

func TestReadExportHeaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "empty file", content: "", want: "the file is empty"},
		{name: "blank lines only", content: "\n \n", want: "the file is empty"},
		{name: "no employee column", content: "Personnel no,courseId,completionDate\nEMP00001,C1,2025-01-19T14:30:00Z\n",
			want: `lacks the column(s) employee (one of ["employeeId" "Employee ID" "Employee number" "User ID" "Username" "ID number" "Learner ID"]); rename the column or name it with --lms-employee-column`},
		{name: "no date column", content: "employeeId;courseId;when\n", want: "lacks the column(s) completionDate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readTestExport(t, tt.content, ExportOptions{})
			if !errors.Is(err, ErrExportHeader) {
				t.Fatalf("ReadExport = %v, want an error wrapping ErrExportHeader", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDetectSeparator(t *testing.T) {
	tests := []struct {
		name string
		data string
		want rune
	}{
		{name: "commas", data: "a,b,c\n", want: ','},
		{name: "semicolons", data: "a;b;c\n", want: ';'},
		{name: "tabs", data: "a\tb\tc\n", want: '\t'},
		{name: "semicolons inside quotes", data: "\"a;b;c\",d\n", want: ','},
		{name: "after blank lines", data: "\n\na;b\n", want: ';'},
		{name: "one column", data: "employeeId\n", want: ','},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectSeparator([]byte(tt.data)); got != tt.want {
				t.Errorf("detectSeparator = %q, want %q", got, tt.want)
			}
		})
	}
}
