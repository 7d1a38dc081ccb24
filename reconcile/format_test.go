package reconcile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleReport returns a report with two rows and an export with a bad row.
func sampleReport() Report {
	r := Report{
		RunID: "0123456789abcdef", StartedAt: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC), FinishedAt: time.Date(2025, 3, 1, 2, 8, 21, 0, time.UTC),
		DurationSeconds: 501.25, Enrollments: 12, WithoutCompletion: 1, ArenaRecords: 11, ArenaReads: 11,
		Export: &Export{Name: "lms.csv", Separator: ";", DataRows: 10, Bad: []BadRow{{Line: 7, Column: "completionDate", Value: "19.01.2025", Reason: "is not an ISO 8601 date"}}},
		Rows: []Row{
			{Category: CategoryMismatch, EmployeeID: "EMP00002", CourseID: "C1", TrainingRecordID: "TR-2", LMSCompletionDate: "2025-01-19T14:30:00Z", LMSScore: ptr(90),
				LMSSource: SourceLedger, ArenaStatus: "COMPLETED", ArenaCompletionDate: "2025-01-19T14:30:00Z", ArenaScore: ptr(85), LedgerOutcome: "done", EventID: "evt-2",
				Detail: "the score differs, \"really\""},
			{Category: CategoryMissingInArena, EmployeeID: "EMP00001", CourseID: "C1", TrainingRecordID: "TR-1", LMSCompletionDate: "2025-01-18T09:00:00Z",
				LMSSource: SourceExport, ArenaStatus: "ASSIGNED", Detail: "not completed", Repair: RepairEnqueued},
		},
		Repair: &RepairSummary{Topic: "lms.training.events", Enqueued: 1},
	}
	r.count(9)
	r.sortRows()

	return r
}

func TestReportCounts(t *testing.T) {
	r := sampleReport()

	want := map[Category]int{CategoryOK: 9, CategoryMissingInArena: 1, CategoryMismatch: 1, CategoryUnknownToLMS: 0,
		CategoryStalePendingApproval: 0, CategoryDeadLettered: 0, CategoryInFlight: 0}
	if !reflect.DeepEqual(r.Counts, want) || r.Differences != 2 {
		t.Errorf("counts = %v, differences %d; want %v and 2", r.Counts, r.Differences, want)
	}
	if r.Rows[0].Category != CategoryMissingInArena || r.Rows[1].Category != CategoryMismatch {
		t.Errorf("rows are not in category order: %s, %s", r.Rows[0].Category, r.Rows[1].Category)
	}
}

func TestReportWriteJSON(t *testing.T) {
	r := sampleReport()
	var out bytes.Buffer
	if err := r.Write(&out, FormatJSON); err != nil {
		t.Fatal(err)
	}

	var back Report
	if err := json.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	back.Export.Rows = nil
	r.Export.Rows = nil
	if !reflect.DeepEqual(back, r) {
		t.Errorf("JSON round trip =\n%+v\nwant\n%+v", back, r)
	}
	if !strings.Contains(out.String(), `"missing_in_arena": 1`) {
		t.Errorf("JSON lacks the count of missing_in_arena:\n%s", out.String())
	}
}

func TestReportWriteJSONWithoutRows(t *testing.T) {
	var out bytes.Buffer
	r := Report{RunID: "x"}
	r.count(3)
	if err := r.Write(&out, FormatJSON); err != nil {
		t.Fatal(err)
	}

	if !strings.Contains(out.String(), `"rows": []`) {
		t.Errorf("JSON of a report without rows lacks an empty rows array:\n%s", out.String())
	}
}

func TestReportWriteCSV(t *testing.T) {
	var out bytes.Buffer
	if err := sampleReport().Write(&out, FormatCSV); err != nil {
		t.Fatal(err)
	}

	summary, rows, ok := strings.Cut(out.String(), "\n\n")
	if !ok {
		t.Fatalf("CSV lacks the empty line between summary and rows:\n%s", out.String())
	}
	gotSummary, err := csv.NewReader(strings.NewReader(summary)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantSummary := [][]string{{"category", "count"}, {"ok", "9"}, {"missing_in_arena", "1"}, {"mismatch", "1"}, {"unknown_to_lms", "0"},
		{"stale_pending_approval", "0"}, {"dead_lettered", "0"}, {"in_flight", "0"}, {"differences", "2"}}
	if !reflect.DeepEqual(gotSummary, wantSummary) {
		t.Errorf("summary = %v\nwant %v", gotSummary, wantSummary)
	}

	gotRows, err := csv.NewReader(strings.NewReader(rows)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		csvHeader,
		{"missing_in_arena", "EMP00001", "C1", "TR-1", "2025-01-18T09:00:00Z", "", "lms_export", "ASSIGNED", "", "", "", "", "", "", "enqueued", "not completed"},
		{"mismatch", "EMP00002", "C1", "TR-2", "2025-01-19T14:30:00Z", "90", "ledger", "COMPLETED", "2025-01-19T14:30:00Z", "85", "done", "evt-2", "", "", "", "the score differs, \"really\""},
	}
	if !reflect.DeepEqual(gotRows, wantRows) {
		t.Errorf("rows = %v\nwant %v", gotRows, wantRows)
	}
}

func TestReportWriteTable(t *testing.T) {
	var out bytes.Buffer
	if err := sampleReport().Write(&out, FormatTable); err != nil {
		t.Fatal(err)
	}

	want := `Reconciliation 0123456789abcdef, started 2025-03-01T02:00:00Z, finished 2025-03-01T02:08:21Z (8m21.25s)
Enrollments compared: 12 (1 without a completion); Arena records: 11, read by this run: 11
LMS export lms.csv: 10 rows, 1 bad, 0 not completed
Repair: 1 completions put back on lms.training.events, 0 failed

CATEGORY                COUNT
ok                      9
missing_in_arena        1
mismatch                1
unknown_to_lms          0
stale_pending_approval  0
dead_lettered           0
in_flight               0
differences             2

Bad LMS export rows:
  line 7: completionDate "19.01.2025": is not an ISO 8601 date

CATEGORY          EMPLOYEE  COURSE  RECORD  LMS COMPLETION        LMS SCORE  ARENA STATUS  ARENA COMPLETION      ARENA SCORE  REASON  REPAIR    DETAIL
missing_in_arena  EMP00001  C1      TR-1    2025-01-18T09:00:00Z  -          ASSIGNED      -                     -            -       enqueued  not completed
mismatch          EMP00002  C1      TR-2    2025-01-19T14:30:00Z  90         COMPLETED     2025-01-19T14:30:00Z  85           -       -         the score differs, "really"
`
	if out.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		value   string
		want    Format
		wantErr bool
	}{
		{value: "table", want: FormatTable},
		{value: " JSON ", want: FormatJSON},
		{value: "csv", want: FormatCSV},
		{value: "yaml", wantErr: true},
		{value: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := ParseFormat(tt.value)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}
