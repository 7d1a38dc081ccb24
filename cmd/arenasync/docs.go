package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// configCommands are the commands whose options the README's configuration
// table lists, in order.
var configCommands = [][]string{{"ingest"}, {"worker"}, {"reconciler"}, {"arena-sim"}, {"topics", "create"}, {"dev"}}

// writeConfigTable writes the markdown configuration table of every role:
// option, environment variable, default and meaning. The README embeds its
// output, and a test checks that the two agree.
func writeConfigTable(out io.Writer, root *cobra.Command) error {
	for _, path := range configCommands {
		cmd, _, err := root.Find(path)
		if err != nil {
			return fmt.Errorf("find command %v: %w", path, err)
		}

		fmt.Fprintf(out, "#### `arenasync %s`\n\n", strings.Join(path, " "))
		fmt.Fprintln(out, "| option | environment | default | meaning |")
		fmt.Fprintln(out, "|---|---|---|---|")
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			usage := strings.TrimSuffix(f.Usage, " ["+"env "+envName(f.Name)+"]")
			fmt.Fprintf(out, "| `--%s` | `%s` | %s | %s |\n", f.Name, envName(f.Name), defaultText(f), escapeCell(usage))
		})
		fmt.Fprintln(out)
	}

	return nil
}

// defaultText formats a flag's default for the table.
func defaultText(f *pflag.Flag) string {
	value := f.DefValue
	if value == "" || value == "[]" {
		return "(none)"
	}

	return "`" + strings.Trim(value, "[]") + "`"
}

// escapeCell escapes the pipe character of a table cell.
func escapeCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

func newDocsCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "config-table",
		Short:  "Print the configuration table of the README",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeConfigTable(cmd.OutOrStdout(), cmd.Root())
		},
	}
}
