package metricscatalog

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the metric table: name, type, labels, roles and help.
func WriteMarkdown(out io.Writer, metrics []Metric) error {
	if _, err := fmt.Fprintln(out, "| metric | type | labels | roles | meaning |"); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(out, "|---|---|---|---|---|"); err != nil {
		return err
	}

	for _, m := range metrics {
		labels := "(none)"
		if len(m.Labels) > 0 {
			labels = "`" + strings.Join(m.Labels, "`, `") + "`"
		}
		_, err := fmt.Fprintf(out, "| `%s` | %s | %s | %s | %s |\n", m.Name, m.Type, labels, strings.Join(m.Roles, ", "), escapeCell(m.Help))
		if err != nil {
			return err
		}
	}

	return nil
}

// escapeCell keeps a help text inside one table cell.
func escapeCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)

	return strings.ReplaceAll(s, "\n", " ")
}
