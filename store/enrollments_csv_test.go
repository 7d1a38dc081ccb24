package store_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/internal/csvrows"
	"github.com/arenasync/arenasync/store"
)

func TestReadMappingsCSV(t *testing.T) {
	cases := []struct {
		name         string
		file         string
		wantRows     []store.MappingRow
		wantRejected []string
		wantRepeats  int
	}{
		{
			name: "plain file",
			file: "employeeId,courseId,trainingRecordId\nEMP1,C1,TR-1\nEMP2,C1,TR-2\n",
			wantRows: []store.MappingRow{
				{Line: 2, Mapping: store.Mapping{EmployeeID: "EMP1", CourseID: "C1", TrainingRecordID: "TR-1"}},
				{Line: 3, Mapping: store.Mapping{EmployeeID: "EMP2", CourseID: "C1", TrainingRecordID: "TR-2"}},
			},
		},
		{
			name: "byte order mark, blank lines, empty cells, CRLF",
			file: "\uFEFFemployeeId,courseId,trainingRecordId\r\n\r\nEMP1,C1,TR-1\r\n,,\r\n\r\n EMP2 , C2 , TR-2 \r\n",
			wantRows: []store.MappingRow{
				{Line: 3, Mapping: store.Mapping{EmployeeID: "EMP1", CourseID: "C1", TrainingRecordID: "TR-1"}},
				{Line: 6, Mapping: store.Mapping{EmployeeID: "EMP2", CourseID: "C2", TrainingRecordID: "TR-2"}},
			},
		},
		{
			name: "columns in another order and an extra column",
			file: "trainingRecordId,name,EmployeeID,courseId\nTR-9,Ada,EMP9,C9\n",
			wantRows: []store.MappingRow{
				{Line: 2, Mapping: store.Mapping{EmployeeID: "EMP9", CourseID: "C9", TrainingRecordID: "TR-9"}},
			},
		},
		{
			name: "invalid values",
			file: "employeeId,courseId,trainingRecordId\nEMP1,C1,\nEMP|2,C1,TR-2\nEMP3,C3\nEMP4,\"C4\"x,TR-4\nEMP5,C5,TR-5\n",
			wantRows: []store.MappingRow{
				{Line: 6, Mapping: store.Mapping{EmployeeID: "EMP5", CourseID: "C5", TrainingRecordID: "TR-5"}},
			},
			wantRejected: []string{
				`line 2: trainingRecordId "": is empty`,
				`line 3: employeeId "EMP|2": contains "|", which separates employee and course in record keys`,
				`line 4: has 2 cells; the header names 3 columns`,
				`line 5: is not valid CSV: extraneous or missing " in quoted-field`,
			},
		},
		{
			name: "repeated and conflicting rows",
			file: "employeeId,courseId,trainingRecordId\nEMP1,C1,TR-1\nEMP1,C1,TR-1\nEMP1,C1,TR-7\nEMP2,C2,TR-1\n",
			wantRows: []store.MappingRow{
				{Line: 2, Mapping: store.Mapping{EmployeeID: "EMP1", CourseID: "C1", TrainingRecordID: "TR-1"}},
			},
			wantRejected: []string{
				`line 4: trainingRecordId "TR-7": employee EMP1 and course C1 are mapped to TR-1 on line 2; keep one of the two rows`,
				`line 5: trainingRecordId "TR-1": is mapped on line 2 to employee EMP1 and course C1; a training record belongs to one enrollment`,
			},
			wantRepeats: 1,
		},
		{
			name: "too long id",
			file: "employeeId,courseId,trainingRecordId\nEMP1,C1," + strings.Repeat("x", 201) + "\n",
			wantRejected: []string{
				`line 2: trainingRecordId "` + strings.Repeat("x", 201) + `": is 201 bytes long; at most 200 bytes are accepted`,
			},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parsed, err := store.ReadMappingsCSV(strings.NewReader(tc.file))
			if err != nil {
				t.Fatalf("ReadMappingsCSV: %v", err)
			}

			if !reflect.DeepEqual(parsed.Rows, tc.wantRows) {
				t.Errorf("rows = %+v, want %+v", parsed.Rows, tc.wantRows)
			}
			var rejected []string
			for _, r := range parsed.Rejected {
				rejected = append(rejected, r.String())
			}
			if !reflect.DeepEqual(rejected, tc.wantRejected) {
				t.Errorf("rejected =\n%s\nwant\n%s", strings.Join(rejected, "\n"), strings.Join(tc.wantRejected, "\n"))
			}
			if parsed.Repeats != tc.wantRepeats {
				t.Errorf("repeats = %d, want %d", parsed.Repeats, tc.wantRepeats)
			}
		})
	}
}

func TestReadMappingsCSVHeaderErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		want string
	}{
		{name: "empty file", file: "", want: "the file is empty"},
		{name: "only blank lines", file: "\n\n,,\n", want: "the file is empty"},
		{name: "no header", file: "EMP1,C1,TR-1\n", want: "lacks the column(s) employeeId, courseId, trainingRecordId"},
		{name: "missing column", file: "employeeId,courseId\nEMP1,C1\n", want: "lacks the column(s) trainingRecordId"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.ReadMappingsCSV(strings.NewReader(tc.file))
			if !errors.Is(err, csvrows.ErrHeader) {
				t.Fatalf("error = %v, want csvrows.ErrHeader", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWriteMappingsCSVRoundTrip(t *testing.T) {
	mappings := []store.Mapping{
		{EmployeeID: "EMP1", CourseID: "C,1", TrainingRecordID: "TR-1"},
		{EmployeeID: "EMP2", CourseID: `C "2"`, TrainingRecordID: "TR-2"},
	}

	var buf bytes.Buffer
	if err := store.WriteMappingsCSV(&buf, mappings); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "employeeId,courseId,trainingRecordId\n") {
		t.Errorf("file starts with %q, want the header line", buf.String())
	}

	parsed, err := store.ReadMappingsCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var got []store.Mapping
	for _, row := range parsed.Rows {
		got = append(got, row.Mapping)
	}
	if !reflect.DeepEqual(got, mappings) {
		t.Errorf("read back %+v, want %+v", got, mappings)
	}
}
