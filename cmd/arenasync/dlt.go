package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// Exit codes of the dlt commands.
const (
	// exitEntryFailed: some selected entries were not found or failed.
	exitEntryFailed = 1
	// exitUsage: invalid arguments, or Redis or Kafka could not be reached.
	exitUsage = 2
)

// connectTimeout bounds the Redis and Kafka checks before a dlt command runs.
const connectTimeout = 10 * time.Second

func newDLTCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlt",
		Short: "Inspect, replay and resolve dead letters in the manual-review queue",
		Long: `The reconciler stores every record of the dead-letter topic as an entry of the
manual-review queue in Redis. These commands list and show the entries, put
their events back on the main topic (replay) or close them without a replay
(resolve). Every replay and resolve is appended to the entry's audit trail.

Exit codes: 0 success, 1 some selected entries were not found or failed,
2 invalid usage or Redis or Kafka could not be reached.`,
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	cmd.AddCommand(newDLTListCommand(), newDLTShowCommand(), newDLTReplayCommand(), newDLTResolveCommand())

	return cmd
}

// dltListOptions are the flags of `arenasync dlt list`.
type dltListOptions struct {
	redis    redisOptions
	reason   string
	employee string
	since    string
	status   string
	limit    int
	json     bool
}

func newDLTListCommand() *cobra.Command {
	var o dltListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, newest first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDLTList(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}

	flags := cmd.Flags()
	o.redis.register(flags)
	flags.StringVar(&o.reason, "reason", "", "only this dead-letter reason, such as employee_not_found")
	flags.StringVar(&o.employee, "employee", "", "only this employee id")
	flags.StringVar(&o.since, "since", "", "only dead letters since an RFC 3339 time, a date (YYYY-MM-DD) or a duration back from now (24h)")
	flags.StringVar(&o.status, "status", string(review.StatusOpen), "only this status: open, replayed, resolved or all")
	flags.IntVar(&o.limit, "limit", 50, "maximum number of entries (0: no limit)")
	flags.BoolVar(&o.json, "json", false, "print a JSON array with every field instead of a table")

	return withConnectionEnv(cmd)
}

// runDLTList prints the entries that match the flags.
func runDLTList(ctx context.Context, out io.Writer, o dltListOptions) error {
	status, err := review.ParseStatus(o.status)
	if err != nil {
		return usageError(err)
	}
	since, err := review.ParseSince(o.since, time.Now())
	if err != nil {
		return usageError(err)
	}
	if o.limit < 0 {
		return usageError(fmt.Errorf("--limit %d is negative: use 0 for no limit", o.limit))
	}

	queue, closeQueue, err := openQueue(ctx, o.redis)
	if err != nil {
		return err
	}
	defer closeQueue()

	entries, err := queue.List(ctx, review.Filter{Reason: o.reason, EmployeeID: o.employee, Since: since, Status: status, Limit: o.limit})
	if err != nil {
		return connectionError(err)
	}

	if o.json {
		return writeJSON(out, nonNil(entries))
	}
	if len(entries) == 0 {
		_, err := fmt.Fprintln(out, "no dead letters match")
		return err
	}

	return review.WriteTable(out, entries)
}

// dltShowOptions are the flags of `arenasync dlt show`.
type dltShowOptions struct {
	redis redisOptions
	json  bool
}

func newDLTShowCommand() *cobra.Command {
	var o dltShowOptions
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show every field of a dead letter, its payload and its audit trail",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDLTShow(cmd.Context(), cmd.OutOrStdout(), args[0], o)
		},
	}

	o.redis.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.json, "json", false, `print a JSON object {"entry": ..., "audit": [...]} instead of text`)

	return withConnectionEnv(cmd)
}

// runDLTShow prints one entry and its audit trail.
func runDLTShow(ctx context.Context, out io.Writer, id string, o dltShowOptions) error {
	queue, closeQueue, err := openQueue(ctx, o.redis)
	if err != nil {
		return err
	}
	defer closeQueue()

	entry, err := queue.Get(ctx, id)
	if err != nil {
		return entryError(err)
	}
	trail, err := queue.Trail(ctx, id)
	if err != nil {
		return connectionError(err)
	}

	if o.json {
		return writeJSON(out, struct {
			Entry review.Entry         `json:"entry"`
			Audit []review.AuditRecord `json:"audit"`
		}{Entry: entry, Audit: nonNil(trail)})
	}

	return review.WriteDetail(out, entry, trail)
}

// dltReplayOptions are the flags of `arenasync dlt replay`.
type dltReplayOptions struct {
	kafka  kafkaOptions
	redis  redisOptions
	reason string
	all    bool
	dryRun bool
	actor  string
	note   string
}

func newDLTReplayCommand() *cobra.Command {
	var o dltReplayOptions
	cmd := &cobra.Command{
		Use:   "replay (ID... | --reason REASON | --all)",
		Short: "Write dead letters' events back to the main topic",
		Long: `Write the event of each selected dead letter back to the main topic, with the
header arenasync-replay: dlt, attempt 0 and the same event id and key, and
record the replay in the entry and its audit trail.

IDs select entries that are open or were replayed before; --reason and --all
select open entries only, oldest first, so the events of one enrollment go
back in the order they failed. Entries holding an invalid webhook body or an
undecodable record are not events and are skipped with a message.`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDLTReplay(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o)
		},
	}

	flags := cmd.Flags()
	o.kafka.register(flags)
	o.redis.register(flags)
	flags.StringVar(&o.reason, "reason", "", "replay every open dead letter of this reason")
	flags.BoolVar(&o.all, "all", false, "replay every open dead letter")
	flags.BoolVar(&o.dryRun, "dry-run", false, "print what would be replayed and change nothing")
	flags.StringVar(&o.actor, "actor", "", "who replays, for the audit trail (default: the OS user)")
	flags.StringVar(&o.note, "note", "", "why, for the audit trail")
	// A replay writes to the main topic only; the retry tiers do not matter.
	_ = flags.MarkHidden("retry-delays")

	return withConnectionEnv(cmd)
}

// runDLTReplay selects entries and replays or, with --dry-run, describes them.
func runDLTReplay(ctx context.Context, out, errOut io.Writer, ids []string, o dltReplayOptions) error {
	if err := checkReplaySelection(ids, o); err != nil {
		return usageError(err)
	}
	actor, err := resolveActor(o.actor)
	if err != nil {
		return usageError(err)
	}

	queue, closeQueue, err := openQueue(ctx, o.redis)
	if err != nil {
		return err
	}
	defer closeQueue()

	entries, total, err := selectForReplay(ctx, queue, ids, o, errOut)
	if err != nil {
		return err
	}
	if total == 0 {
		_, err := fmt.Fprintln(out, "no open dead letters match")
		return err
	}

	if o.dryRun {
		return finishReplay(out, describeReplays(out, errOut, entries, o.kafka.topic), total, "would be replayed (dry run, nothing changed)")
	}

	if err := checkMainTopic(ctx, o.kafka); err != nil {
		return err
	}

	replayer := review.NewReplayer(queue, o.kafka.brokers, o.kafka.topic)
	defer func() { _ = replayer.Close() }()

	replayed, err := replayEntries(ctx, out, errOut, replayer, entries, actor, o.note)
	if err != nil {
		fmt.Fprintf(out, "%d of %d selected dead letters replayed before the error\n", replayed, total)
		return err
	}

	return finishReplay(out, replayed, total, "replayed")
}

// checkReplaySelection verifies that exactly one of IDs, --reason and
// --all selects the entries.
func checkReplaySelection(ids []string, o dltReplayOptions) error {
	modes := 0
	for _, set := range []bool{len(ids) > 0, o.reason != "", o.all} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return errors.New("select the dead letters with IDs, --reason REASON or --all, and with only one of them")
	}

	return nil
}

// selectForReplay returns the entries to replay and the number selected.
// IDs without an entry are reported on errOut and counted in the number
// selected but not returned; --reason and --all return open entries,
// oldest first.
func selectForReplay(ctx context.Context, queue *review.Store, ids []string, o dltReplayOptions, errOut io.Writer) ([]review.Entry, int, error) {
	if len(ids) == 0 {
		entries, err := queue.List(ctx, review.Filter{Reason: o.reason, Status: review.StatusOpen})
		if err != nil {
			return nil, 0, connectionError(err)
		}
		slices.Reverse(entries)

		return entries, len(entries), nil
	}

	var entries []review.Entry
	for _, id := range ids {
		entry, err := queue.Get(ctx, id)
		if err != nil {
			if !review.IsEntryError(err) {
				return nil, 0, connectionError(err)
			}
			fmt.Fprintln(errOut, "not replayed:", err)

			continue
		}
		entries = append(entries, entry)
	}

	return entries, len(ids), nil
}

// describeReplays prints what a replay of each entry would write and
// returns how many could be replayed.
func describeReplays(out, errOut io.Writer, entries []review.Entry, topic string) int {
	ok := 0
	for _, e := range entries {
		if e.Status == review.StatusResolved {
			fmt.Fprintf(errOut, "would not replay %s: it is resolved\n", e.ID)
			continue
		}
		msg, err := review.ReplayRecord(e, topic, time.Now())
		if err != nil {
			fmt.Fprintln(errOut, "would not replay:", err)
			continue
		}

		fmt.Fprintf(out, "would replay %s: event %s (%s) with key %s to %s\n", e.ID, e.EventID, e.EventType, msg.Key, topic)
		ok++
	}

	return ok
}

// replayEntries replays each entry and returns how many were replayed.
// Entry failures are printed and skipped; the first Redis or Kafka failure
// stops the run and is returned.
func replayEntries(ctx context.Context, out, errOut io.Writer, replayer *review.Replayer, entries []review.Entry, actor, note string) (int, error) {
	replayed := 0
	for _, e := range entries {
		result, err := replayer.Replay(ctx, e.ID, actor, note)
		if err != nil {
			if !review.IsEntryError(err) {
				return replayed, connectionError(err)
			}
			fmt.Fprintln(errOut, "not replayed:", err)

			continue
		}

		fmt.Fprintf(out, "replayed %s: event %s to %s partition %d offset %d (replay %d)\n",
			e.ID, e.EventID, result.Topic, result.Partition, result.Offset, result.Entry.ReplayCount)
		replayed++
	}

	return replayed, nil
}

// finishReplay prints the summary and returns exit code 1 when some
// selected entries were not replayed.
func finishReplay(out io.Writer, done, total int, verb string) error {
	fmt.Fprintf(out, "%d of %d selected dead letters %s\n", done, total, verb)
	if done < total {
		return exitError{code: exitEntryFailed, err: fmt.Errorf("%d of %d selected dead letters cannot be replayed; see the messages above", total-done, total)}
	}

	return nil
}

// checkMainTopic verifies that the main topic exists before anything is written.
func checkMainTopic(ctx context.Context, o kafkaOptions) error {
	checkCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()

	if err := consumer.CheckTopics(checkCtx, o.brokers, []string{o.topic}); err != nil {
		return connectionError(fmt.Errorf("%w; check --kafka-brokers and --topic", err))
	}

	return nil
}

// dltResolveOptions are the flags of `arenasync dlt resolve`.
type dltResolveOptions struct {
	redis redisOptions
	actor string
	note  string
}

func newDLTResolveCommand() *cobra.Command {
	var o dltResolveOptions
	cmd := &cobra.Command{
		Use:   "resolve ID --note TEXT",
		Short: "Close a dead letter without a replay",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDLTResolve(cmd.Context(), cmd.OutOrStdout(), args[0], o)
		},
	}

	flags := cmd.Flags()
	o.redis.register(flags)
	flags.StringVar(&o.actor, "actor", "", "who resolves, for the audit trail (default: the OS user)")
	flags.StringVar(&o.note, "note", "", "why the dead letter needs no replay (required)")

	return withConnectionEnv(cmd)
}

// runDLTResolve closes one entry.
func runDLTResolve(ctx context.Context, out io.Writer, id string, o dltResolveOptions) error {
	if strings.TrimSpace(o.note) == "" {
		return usageError(fmt.Errorf("--note is required: say why dead letter %s needs no replay, such as --note \"fixed by hand in Arena\"", id))
	}
	actor, err := resolveActor(o.actor)
	if err != nil {
		return usageError(err)
	}

	queue, closeQueue, err := openQueue(ctx, o.redis)
	if err != nil {
		return err
	}
	defer closeQueue()

	entry, err := queue.Resolve(ctx, id, actor, o.note)
	if err != nil {
		return entryError(err)
	}

	_, err = fmt.Fprintf(out, "resolved %s by %s at %s\n", entry.ID, actor, entry.UpdatedAt.UTC().Format(time.RFC3339))
	return err
}

// withConnectionEnv is withEnv for the Kafka and Redis flags only. The
// flags that select and change dead letters, such as --all, are read from
// the command line alone, so a forgotten environment variable never
// widens a replay.
func withConnectionEnv(cmd *cobra.Command) *cobra.Command {
	connection := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if isConnectionFlag(f.Name) {
			f.Usage += " [env " + envName(f.Name) + "]"
			connection.AddFlag(f)
		}
	})

	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applyEnv(connection); err != nil {
			return usageError(err)
		}

		return run(cmd, args)
	}

	return cmd
}

// isConnectionFlag reports whether a flag locates Kafka or Redis.
func isConnectionFlag(name string) bool {
	return name == "topic" || strings.HasPrefix(name, "kafka-") || strings.HasPrefix(name, "redis-")
}

// openQueue connects to Redis and checks that it responds.
func openQueue(ctx context.Context, o redisOptions) (*review.Store, func(), error) {
	rdb, prefix, err := store.Open(o.config())
	if err != nil {
		return nil, nil, usageError(err)
	}

	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	queue := review.NewStore(rdb, prefix)
	if err := queue.Ping(pingCtx); err != nil {
		_ = rdb.Close()
		return nil, nil, connectionError(fmt.Errorf("%w; check --redis-addr %s", err, o.addr))
	}

	return queue, func() { _ = rdb.Close() }, nil
}

// resolveActor returns the --actor value, else the OS user name, else $USER.
func resolveActor(flag string) (string, error) {
	if actor := strings.TrimSpace(flag); actor != "" {
		return actor, nil
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username, nil
	}
	if name := os.Getenv("USER"); name != "" {
		return name, nil
	}

	return "", errors.New("the OS user is unknown and $USER is empty: pass --actor NAME for the audit trail")
}

// writeJSON writes v as indented JSON.
func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")

	return enc.Encode(v)
}

// nonNil returns an empty slice for nil, so JSON shows [] rather than null.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}

	return items
}

// usageArgs makes an argument check's error exit with code 2.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError(fmt.Errorf("%w; see `arenasync %s --help`", err, cmd.CommandPath()[len("arenasync "):]))
		}

		return nil
	}
}

// usageError exits with code 2 for invalid usage.
func usageError(err error) error {
	return exitError{code: exitUsage, err: err}
}

// connectionError exits with code 2 for Redis or Kafka failures.
func connectionError(err error) error {
	return exitError{code: exitUsage, err: err}
}

// entryError exits with code 1 for an entry that was not found or whose
// status does not allow the action, and with code 2 for other failures.
func entryError(err error) error {
	if review.IsEntryError(err) {
		return exitError{code: exitEntryFailed, err: err}
	}

	return connectionError(err)
}
