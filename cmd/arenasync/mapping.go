package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// Exit codes of the mapping and catalog commands.
const (
	// exitRejected: the command ran, but some rows were rejected, or the
	// requested entry does not exist.
	exitRejected = 1
	// exitFailed: the command could not run, for example because the file
	// or Redis could not be read.
	exitFailed = 2
)

func newMappingCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Inspect and edit the enrollment map: employee and LMS course to Arena training record",
		Long: `The enrollment map stores, in Redis, the Arena training record of each
(employee id, LMS course id) pair. The worker writes it when it creates a
record; these commands load existing enrollments at go-live and correct
single entries.

Files use CSV with the header line employeeId,courseId,trainingRecordId.`,
	}

	cmd.AddCommand(newMappingImportCommand(), newMappingGetCommand(), newMappingSetCommand(),
		newMappingDeleteCommand(), newMappingExportCommand())

	return cmd
}

// mappingOptions are the flags every mapping subcommand shares.
type mappingOptions struct {
	redis redisOptions
}

// open connects to Redis and returns the enrollment map and a close function.
func (o *mappingOptions) open() (*store.Enrollments, func(), error) {
	rdb, prefix, err := store.Open(o.redis.config())
	if err != nil {
		return nil, nil, exitError{code: exitFailed, err: err}
	}

	return store.NewEnrollments(rdb, prefix), func() { _ = rdb.Close() }, nil
}

// newMappingSubcommand builds a subcommand with the Redis flags.
func newMappingSubcommand(o *mappingOptions, cmd *cobra.Command) *cobra.Command {
	o.redis.register(cmd.Flags())

	return withEnv(cmd)
}

func newMappingImportCommand() *cobra.Command {
	var o mappingOptions
	var opts store.ImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Load enrollments from a CSV file (- for standard input) and report the rows rejected and why",
		Long: `Load enrollments from a CSV file whose first line names the columns
employeeId, courseId and trainingRecordId, in any order; other columns are
ignored. A byte order mark, blank lines and rows of empty cells are
skipped. Valid rows are stored even when others are rejected.

Each rejected row is reported with its line number, the invalid value and
the reason. A row is rejected when a value is empty, longer than 200 bytes
or contains "|"; when the file maps the same employee and course, or the
same training record, twice; or when Redis maps the enrollment to another
record already (unless --overwrite).

Exit status: 0 when every row was stored, 1 when rows were rejected, 2
when the file or Redis could not be read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMappingImport(cmd.Context(), cmd.OutOrStdout(), o, opts, args[0])
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "check the file against Redis and report, without writing")
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "replace stored mappings that name another record instead of rejecting the row")

	return newMappingSubcommand(&o, cmd)
}

// runMappingImport reads, checks and stores one file and writes the report.
func runMappingImport(ctx context.Context, out io.Writer, o mappingOptions, opts store.ImportOptions, path string) error {
	parsed, err := readMappingsFile(path)
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}

	mappings, closeStore, err := o.open()
	if err != nil {
		return err
	}
	defer closeStore()

	result, err := mappings.Import(ctx, parsed.Rows, opts)
	if err != nil {
		return exitError{code: exitFailed, err: fmt.Errorf("%w; rows before that line were stored", err)}
	}

	rejected := append(append([]store.RejectedRow(nil), parsed.Rejected...), result.Rejected...)
	sortRejected(rejected)
	for _, r := range rejected {
		fmt.Fprintln(out, r.String())
	}
	fmt.Fprintln(out, importSummary(parsed, result, len(rejected), opts.DryRun))

	if len(rejected) > 0 {
		return exitError{code: exitRejected}
	}

	return nil
}

// readMappingsFile reads an enrollment map file, or standard input for "-".
func readMappingsFile(path string) (store.ParsedMappings, error) {
	if path == "-" {
		return store.ReadMappingsCSV(os.Stdin)
	}

	f, err := os.Open(path)
	if err != nil {
		return store.ParsedMappings{}, err
	}
	defer f.Close()

	parsed, err := store.ReadMappingsCSV(f)
	if err != nil {
		return parsed, fmt.Errorf("%s: %w", path, err)
	}

	return parsed, nil
}

// sortRejected orders rejections by line, so the report follows the file.
func sortRejected(rows []store.RejectedRow) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Line < rows[j].Line })
}

// importSummary is the last line of the import report.
func importSummary(parsed store.ParsedMappings, result store.ImportResult, rejected int, dryRun bool) string {
	verb := "imported"
	prefix := ""
	if dryRun {
		verb = "would be imported"
		prefix = "dry run, nothing written: "
	}

	return fmt.Sprintf("%s%d %s, %d unchanged, %d replaced, %d rejected, %d repeated rows skipped",
		prefix, result.Imported, verb, result.Unchanged, result.Replaced, rejected, parsed.Repeats)
}

func newMappingGetCommand() *cobra.Command {
	var o mappingOptions
	cmd := &cobra.Command{
		Use:   "get EMPLOYEE COURSE",
		Short: "Print the Arena training record of an employee's LMS course; exit status 1 when none is mapped",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			mappings, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			recordID, ok, err := mappings.Get(cmd.Context(), args[0], args[1])
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if !ok {
				return exitError{code: exitRejected, err: fmt.Errorf("no training record is mapped for employee %s and course %s", args[0], args[1])}
			}
			fmt.Fprintln(cmd.OutOrStdout(), recordID)

			return nil
		},
	}

	return newMappingSubcommand(&o, cmd)
}

func newMappingSetCommand() *cobra.Command {
	var o mappingOptions
	cmd := &cobra.Command{
		Use:   "set EMPLOYEE COURSE RECORD",
		Short: "Map an employee's LMS course to an Arena training record, replacing any earlier record",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkMapping(store.Mapping{EmployeeID: args[0], CourseID: args[1], TrainingRecordID: args[2]}); err != nil {
				return exitError{code: exitFailed, err: err}
			}

			mappings, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			previous, had, err := mappings.Get(cmd.Context(), args[0], args[1])
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if err := mappings.Set(cmd.Context(), args[0], args[1], args[2]); err != nil {
				return exitError{code: exitFailed, err: err}
			}

			if had && previous != args[2] {
				fmt.Fprintf(cmd.OutOrStdout(), "employee %s, course %s: %s (was %s)\n", args[0], args[1], args[2], previous)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "employee %s, course %s: %s\n", args[0], args[1], args[2])
			}

			return nil
		},
	}

	return newMappingSubcommand(&o, cmd)
}

// checkMapping applies the import's rules for ids to one mapping.
func checkMapping(m store.Mapping) error {
	fields := []struct{ name, value string }{
		{store.ColumnEmployeeID, m.EmployeeID},
		{store.ColumnCourseID, m.CourseID},
		{store.ColumnTrainingRecordID, m.TrainingRecordID},
	}
	for _, f := range fields {
		if err := pipeline.CheckID(f.value); err != nil {
			return fmt.Errorf("%s %q %v", f.name, f.value, err)
		}
	}

	return nil
}

func newMappingDeleteCommand() *cobra.Command {
	var o mappingOptions
	cmd := &cobra.Command{
		Use:   "delete EMPLOYEE COURSE",
		Short: "Remove the mapping of an employee's LMS course; exit status 1 when none was mapped",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			mappings, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			deleted, err := mappings.Delete(cmd.Context(), args[0], args[1])
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if !deleted {
				return exitError{code: exitRejected, err: fmt.Errorf("no training record was mapped for employee %s and course %s", args[0], args[1])}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted the mapping of employee %s, course %s\n", args[0], args[1])

			return nil
		},
	}

	return newMappingSubcommand(&o, cmd)
}

func newMappingExportCommand() *cobra.Command {
	var o mappingOptions
	var output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every mapping as CSV (employeeId,courseId,trainingRecordId), sorted by employee and course",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mappings, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			all, err := mappings.All(cmd.Context())
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}

			write := func(w io.Writer) error { return store.WriteMappingsCSV(w, all) }
			if err := writeOutput(cmd.OutOrStdout(), output, write); err != nil {
				return exitError{code: exitFailed, err: err}
			}

			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (empty: standard output); written to a temporary file first and renamed")

	return newMappingSubcommand(&o, cmd)
}

// writeOutput runs write on stdout, or on a temporary file beside path
// that is renamed to path when write succeeded, so a failed export never
// leaves a truncated file behind.
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())

	if err := write(tmp); err != nil {
		_ = tmp.Close()

		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}

	return os.Rename(tmp.Name(), path)
}
