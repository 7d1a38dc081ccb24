package reconcile

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Format is an output format of a report.
type Format string

// Report formats.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatCSV   Format = "csv"
)

// ParseFormat reads a --format value.
func ParseFormat(value string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(value))); f {
	case FormatTable, FormatJSON, FormatCSV:
		return f, nil
	default:
		return "", fmt.Errorf("%w: %q: use table, json or csv", ErrFormat, value)
	}
}

// Write writes r in format f: the summary by category, then the rows.
func (r Report) Write(out io.Writer, f Format) error {
	switch f {
	case FormatJSON:
		return r.writeJSON(out)
	case FormatCSV:
		return r.writeCSV(out)
	case FormatTable:
		return r.writeTable(out)
	default:
		return fmt.Errorf("%w: %q: use table, json or csv", ErrFormat, f)
	}
}

// writeJSON writes the report as one indented JSON object.
func (r Report) writeJSON(out io.Writer) error {
	if r.Rows == nil {
		r.Rows = []Row{}
	}

	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")

	return enc.Encode(r)
}

// csvHeader names the columns of the CSV rows.
var csvHeader = []string{
	"category", "employeeId", "courseId", "trainingRecordId",
	"lmsCompletionDate", "lmsScore", "lmsSource",
	"arenaStatus", "arenaCompletionDate", "arenaScore",
	"ledgerOutcome", "eventId", "reason", "reviewEntryId", "repair", "detail",
}

// writeCSV writes two CSV tables separated by an empty line: the summary
// (category,count), then the rows with csvHeader.
func (r Report) writeCSV(out io.Writer) error {
	w := csv.NewWriter(out)

	_ = w.Write([]string{"category", "count"})
	for _, c := range Categories {
		_ = w.Write([]string{string(c), strconv.Itoa(r.Counts[c])})
	}
	_ = w.Write([]string{"differences", strconv.Itoa(r.Differences)})
	w.Flush()
	if _, err := io.WriteString(out, "\n"); err != nil {
		return err
	}

	_ = w.Write(csvHeader)
	for _, row := range r.Rows {
		_ = w.Write([]string{
			string(row.Category), row.EmployeeID, row.CourseID, row.TrainingRecordID,
			row.LMSCompletionDate, formatScore(row.LMSScore), row.LMSSource,
			row.ArenaStatus, row.ArenaCompletionDate, formatScore(row.ArenaScore),
			row.LedgerOutcome, row.EventID, row.Reason, row.ReviewEntryID, row.Repair, row.Detail,
		})
	}
	w.Flush()

	return w.Error()
}

// writeTable writes the report for a person: the run, the counts by
// category, the bad export rows, then one line per row.
func (r Report) writeTable(out io.Writer) error {
	b := &errWriter{w: out}

	b.printf("Reconciliation %s, started %s, finished %s (%s)%s\n", r.RunID, r.StartedAt.UTC().Format(time.RFC3339),
		r.FinishedAt.UTC().Format(time.RFC3339), time.Duration(r.DurationSeconds*float64(time.Second)).Round(time.Millisecond), resumedText(r.Resumed))
	if !r.Since.IsZero() {
		b.printf("Completions since %s\n", r.Since.UTC().Format(time.RFC3339))
	}
	b.printf("Enrollments compared: %d (%d without a completion); Arena records: %d, read by this run: %d\n",
		r.Enrollments, r.WithoutCompletion, r.ArenaRecords, r.ArenaReads)
	if r.Export != nil {
		b.printf("LMS export %s: %d rows, %d bad, %d not completed\n", r.Export.Name, r.Export.DataRows, len(r.Export.Bad), r.Export.NotCompleted)
	}
	if r.Repair != nil {
		b.printf("Repair%s: %d completions put back on %s, %d failed\n", dryRunText(r.Repair.DryRun), r.Repair.Enqueued, r.Repair.Topic, r.Repair.Failed)
	}
	b.printf("\n")

	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tCOUNT")
	for _, c := range Categories {
		fmt.Fprintf(tw, "%s\t%d\n", c, r.Counts[c])
	}
	fmt.Fprintf(tw, "differences\t%d\n", r.Differences)
	_ = tw.Flush()

	if r.Export != nil && len(r.Export.Bad) > 0 {
		b.printf("\nBad LMS export rows:\n")
		for _, bad := range r.Export.Bad {
			b.printf("  %s\n", bad)
		}
	}

	if len(r.Rows) > 0 {
		b.printf("\n")
		r.writeRowTable(b)
	}

	return b.err
}

// writeRowTable writes the rows as aligned columns.
func (r Report) writeRowTable(out io.Writer) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tEMPLOYEE\tCOURSE\tRECORD\tLMS COMPLETION\tLMS SCORE\tARENA STATUS\tARENA COMPLETION\tARENA SCORE\tREASON\tREPAIR\tDETAIL")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			row.Category, row.EmployeeID, row.CourseID, dash(row.TrainingRecordID),
			dash(row.LMSCompletionDate), dash(formatScore(row.LMSScore)), dash(row.ArenaStatus),
			dash(row.ArenaCompletionDate), dash(formatScore(row.ArenaScore)), dash(row.Reason), dash(row.Repair), row.Detail)
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}

	return s
}

func resumedText(resumed bool) string {
	if resumed {
		return ", resumed"
	}

	return ""
}

func dryRunText(dryRun bool) string {
	if dryRun {
		return " (dry run)"
	}

	return ""
}

// errWriter keeps the first write error, so the table code reads as a
// list of prints.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}

	n, err := e.w.Write(p)
	e.err = err

	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
