package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// WriteTable writes entries as an aligned table for people: id,
// dead-lettered time, reason, employee, course, event id, status, replays.
func WriteTable(w io.Writer, entries []Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDEAD-LETTERED\tREASON\tEMPLOYEE\tCOURSE\tEVENT\tSTATUS\tREPLAYS")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n",
			e.ID, formatShort(e.DeadLetteredAt), e.Reason, dash(e.EmployeeID), dash(e.CourseID), dash(e.EventID), e.Status, e.ReplayCount)
	}

	return tw.Flush()
}

// WriteDetail writes every field of e, its payload and its audit trail for
// people.
func WriteDetail(w io.Writer, e Entry, trail []AuditRecord) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range detailRows(e) {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nHeaders:")
	for _, h := range e.Headers {
		fmt.Fprintf(w, "  %s: %s\n", h.Key, h.Value)
	}

	fmt.Fprintln(w, "\nPayload:")
	fmt.Fprintln(w, payloadText(e.Value))

	fmt.Fprintln(w, "\nAudit trail:")
	return writeTrail(w, trail)
}

// detailRows lists the labelled fields of e in reading order.
func detailRows(e Entry) [][2]string {
	replayable := "yes"
	if !e.Replayable {
		replayable = "no: " + e.DecodeError
	}

	return [][2]string{
		{"ID", e.ID},
		{"Status", string(e.Status)},
		{"Reason", e.Reason},
		{"Error class", dash(e.ErrorClass)},
		{"Error message", dash(e.ErrorMessage)},
		{"Arena status", dashInt(e.ArenaStatus)},
		{"Event id", dash(e.EventID)},
		{"Event type", dash(e.EventType)},
		{"Source", dash(e.Source)},
		{"Employee", dash(e.EmployeeID)},
		{"Course", dash(e.CourseID)},
		{"Training record", dash(e.TrainingRecordID)},
		{"Attempt", strconv.Itoa(e.Attempt)},
		{"Original record", origin(e)},
		{"Dead-letter record", fmt.Sprintf("%s partition %d offset %d", e.Topic, e.Partition, e.Offset)},
		{"Key", dash(e.Key)},
		{"Accepted at", formatLong(e.AcceptedAt)},
		{"First seen", formatLong(e.FirstSeen)},
		{"Dead-lettered at", formatLong(e.DeadLetteredAt)},
		{"Stored at", formatLong(e.StoredAt)},
		{"Updated at", formatLong(e.UpdatedAt)},
		{"Replayable", replayable},
		{"Replays", strconv.Itoa(e.ReplayCount)},
		{"Last replay at", formatLong(e.LastReplayAt)},
	}
}

// writeTrail writes audit records one per line, oldest first.
func writeTrail(w io.Writer, trail []AuditRecord) error {
	if len(trail) == 0 {
		_, err := fmt.Fprintln(w, "  (none)")
		return err
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range trail {
		fmt.Fprintf(tw, "  %s\t%s\tby %s", formatLong(r.At), r.Action, r.Actor)
		if r.Note != "" {
			fmt.Fprintf(tw, "\tnote: %s", r.Note)
		}
		for _, name := range sortedDetailKeys(r.Details) {
			fmt.Fprintf(tw, "\t%s=%s", name, r.Details[name])
		}
		fmt.Fprintln(tw)
	}

	return tw.Flush()
}

// payloadText returns a JSON payload indented, other UTF-8 text as it is,
// and anything else as a hex dump.
func payloadText(value []byte) string {
	if len(value) == 0 {
		return "  (empty)"
	}

	var indented bytes.Buffer
	if json.Indent(&indented, value, "  ", "  ") == nil {
		return "  " + indented.String()
	}
	if utf8.Valid(value) {
		return "  " + string(value)
	}

	return fmt.Sprintf("  (%d bytes, not UTF-8)\n%x", len(value), value)
}

// origin describes where an event was first consumed.
func origin(e Entry) string {
	if e.OriginalTopic == "" {
		return "-"
	}

	return fmt.Sprintf("%s partition %d offset %d", e.OriginalTopic, e.OriginalPartition, e.OriginalOffset)
}

func formatShort(t time.Time) string {
	if t.IsZero() {
		return "-"
	}

	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func formatLong(t time.Time) string {
	if t.IsZero() {
		return "-"
	}

	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}

	return s
}

func dashInt(n int) string {
	if n == 0 {
		return "-"
	}

	return strconv.Itoa(n)
}
