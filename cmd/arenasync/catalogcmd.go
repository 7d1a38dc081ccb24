package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/arenasync/arenasync/catalog"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

func newCatalogCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Manage the course catalog in Redis: LMS course id to Arena course id",
		Long: `The course catalog maps LMS course ids to Arena course (training item)
ids. The worker looks an LMS course up in Redis first, then in the file of
its --course-catalog flag, then passes the id through with
--course-passthrough. A course found nowhere goes to the dead-letter topic
with reason unknown_course.

Entries set here take effect at once, without restarting workers. Files
are YAML (a "courses" mapping) or CSV with the header line
lmsCourseId,arenaCourseId.`,
	}

	cmd.AddCommand(newCatalogImportCommand(), newCatalogGetCommand(), newCatalogSetCommand(),
		newCatalogDeleteCommand(), newCatalogExportCommand())

	return cmd
}

// catalogOptions are the flags every catalog subcommand shares.
type catalogOptions struct {
	redis redisOptions
}

// open connects to Redis and returns the catalog entries and a close function.
func (o *catalogOptions) open() (*catalog.Redis, func(), error) {
	rdb, prefix, err := store.Open(o.redis.config())
	if err != nil {
		return nil, nil, exitError{code: exitFailed, err: err}
	}

	return catalog.NewRedis(rdb, prefix), func() { _ = rdb.Close() }, nil
}

// newCatalogSubcommand builds a subcommand with the Redis flags.
func newCatalogSubcommand(o *catalogOptions, cmd *cobra.Command) *cobra.Command {
	o.redis.register(cmd.Flags())

	return withEnv(cmd)
}

func newCatalogImportCommand() *cobra.Command {
	var o catalogOptions
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Store every entry of a YAML or CSV catalog file in Redis, replacing entries of the same LMS courses",
		Long: `Store every entry of a YAML (.yaml, .yml) or CSV (.csv) catalog file in
Redis. A file with an invalid entry is not imported at all: every problem
is listed with its line. Exit status 0 on success, 2 on errors.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			courses, err := catalog.Load(args[0])
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if dryRun {
				fmt.Fprintf(cmd.OutOrStdout(), "dry run, nothing written: %d courses are valid\n", len(courses))

				return nil
			}

			entries, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			if err := entries.SetAll(cmd.Context(), courses); err != nil {
				return exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d courses stored\n", len(courses))

			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report, without writing")

	return newCatalogSubcommand(&o, cmd)
}

func newCatalogGetCommand() *cobra.Command {
	var o catalogOptions
	cmd := &cobra.Command{
		Use:   "get LMS-COURSE",
		Short: "Print the Arena course id Redis stores for an LMS course; exit status 1 when none",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			arenaID, ok, err := entries.Get(cmd.Context(), args[0])
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if !ok {
				return exitError{code: exitRejected, err: fmt.Errorf("LMS course %s has no entry in Redis; the worker's catalog file may still map it", args[0])}
			}
			fmt.Fprintln(cmd.OutOrStdout(), arenaID)

			return nil
		},
	}

	return newCatalogSubcommand(&o, cmd)
}

func newCatalogSetCommand() *cobra.Command {
	var o catalogOptions
	cmd := &cobra.Command{
		Use:   "set LMS-COURSE ARENA-COURSE",
		Short: "Map an LMS course id to an Arena course id, replacing any earlier entry",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pipeline.CheckID(args[0]); err != nil {
				return exitError{code: exitFailed, err: fmt.Errorf("LMS course id %q %v", args[0], err)}
			}
			if strings.TrimSpace(args[1]) == "" {
				return exitError{code: exitFailed, err: fmt.Errorf("the Arena course id of LMS course %s is empty", args[0])}
			}

			entries, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			if err := entries.Set(cmd.Context(), args[0], args[1]); err != nil {
				return exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "LMS course %s: Arena course %s\n", args[0], args[1])

			return nil
		},
	}

	return newCatalogSubcommand(&o, cmd)
}

func newCatalogDeleteCommand() *cobra.Command {
	var o catalogOptions
	cmd := &cobra.Command{
		Use:   "delete LMS-COURSE",
		Short: "Remove the Redis entry of an LMS course; exit status 1 when none was stored",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			deleted, err := entries.Delete(cmd.Context(), args[0])
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if !deleted {
				return exitError{code: exitRejected, err: fmt.Errorf("LMS course %s had no entry in Redis", args[0])}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted the entry of LMS course %s\n", args[0])

			return nil
		},
	}

	return newCatalogSubcommand(&o, cmd)
}

func newCatalogExportCommand() *cobra.Command {
	var o catalogOptions
	var output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the Redis entries as CSV (lmsCourseId,arenaCourseId), sorted by LMS course id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, closeStore, err := o.open()
			if err != nil {
				return err
			}
			defer closeStore()

			courses, err := entries.All(cmd.Context())
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}

			write := func(w io.Writer) error { return catalog.WriteCSV(w, courses) }
			if err := writeOutput(cmd.OutOrStdout(), output, write); err != nil {
				return exitError{code: exitFailed, err: err}
			}

			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (empty: standard output); written to a temporary file first and renamed")

	return newCatalogSubcommand(&o, cmd)
}
