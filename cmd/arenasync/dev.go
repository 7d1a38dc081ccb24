package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/arenasync/arenasync/dev"
)

// devOptions are the flags of `arenasync dev`.
type devOptions struct {
	kafka          kafkaOptions
	redis          redisOptions
	arena          arenaOptions
	log            logOptions
	events         int
	seed           uint64
	faultRate      float64
	arenaErrorRate float64
	arenaRateLimit float64
	rate           float64
	senders        int
	timeout        time.Duration
	ingestAddr     string
	ingestToken    string
	partitions     int
	group          string
	summaryJSON    string
	notifyURL      string
	notifyInterval time.Duration
}

func newDevCommand() *cobra.Command {
	var o devOptions
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run every part in one process on embedded Kafka, Redis and Arena, with generated LMS traffic",
		Long: `dev starts an embedded Kafka-protocol broker, an embedded Redis, the Arena
simulator, the webhook ingest, the worker and the reconciler's dead-letter
consumer in one process. It then posts --events LMS webhooks through the
ingest, with a share of faults, waits until every event has a final outcome
and every dead letter is in the review queue, and prints a summary. The exit
code is 1 when an event was lost, Arena received a completion twice, or the
review queue holds fewer entries than events were dead-lettered.

The log level defaults to error, because every planned fault ends as a dead
letter and each one logs a warning; the summary counts them instead. Use
--log-level warn or info to see them.

With --events 0 it posts nothing and serves the ingest until Ctrl-C, and
prints the webhook URL, the token and sample curl commands.

--kafka-brokers, --redis-addr and --arena-url replace the embedded parts with
real ones. The generator can seed only the embedded simulator: with an
outside Arena the employees EMP00001 and up must exist there, LMS course ids
go to Arena unchanged, and the unknown-employee and already-completed faults
end differently than planned.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDev(cmd.Context(), o, cmd.OutOrStdout())
		},
	}

	flags := cmd.Flags()
	o.kafka.register(flags)
	o.redis.register(flags)
	o.arena.register(flags)
	o.log.register(flags, "console")
	o.setDevDefaults(flags)

	defaults := dev.DefaultOptions()
	flags.IntVar(&o.events, "events", defaults.Events, "webhooks to post, enrollments, completions and faults together (0: post none and serve until Ctrl-C)")
	flags.Uint64Var(&o.seed, "seed", defaults.Seed, "seed of the plan of events and faults, and of the simulator's random errors; the same seed plans the same events")
	flags.Float64Var(&o.faultRate, "fault-rate", defaults.FaultRate, "fraction 0..1 of the webhooks that are faults")
	flags.Float64Var(&o.arenaErrorRate, "arena-error-rate", defaults.ArenaErrorRate, "fraction 0..1 of the simulator's training-record calls that fail with 503, which exercises the retry tiers")
	flags.Float64Var(&o.arenaRateLimit, "arena-rate-limit", dev.DefaultArenaRateLimit, "Arena calls per second of the worker, token requests included")
	flags.Float64Var(&o.rate, "rate", 0, "webhooks per second over all senders (0: as fast as the ingest responds)")
	flags.IntVar(&o.senders, "senders", dev.DefaultSenders, "concurrent webhook senders")
	flags.DurationVar(&o.timeout, "timeout", dev.DefaultTimeout, "how long to wait for final outcomes and for the review queue to take every dead letter, after the response to the last webhook; events still without an outcome count as lost")
	flags.StringVar(&o.ingestAddr, "ingest-addr", dev.DefaultIngestAddr, "listen address of the ingest, host:port (port 0: any free port)")
	flags.StringVar(&o.ingestToken, "ingest-token", "", "bearer token of the ingest (empty: a random token, printed with --events 0)")
	flags.IntVar(&o.partitions, "partitions", dev.DefaultPartitions, "partitions of each topic that dev creates")
	flags.StringVar(&o.group, "group", dev.DefaultGroupID, "consumer group of the worker; each retry tier adds its suffix")
	flags.StringVar(&o.summaryJSON, "summary-json", "", "also write the summary as JSON to this file (empty: none)")
	flags.StringVar(&o.notifyURL, "notify-webhook-url", "", "Slack or Teams incoming-webhook URL for dead-letter notifications (empty: notifications are only logged, at info level)")
	flags.DurationVar(&o.notifyInterval, "notify-interval", dev.DefaultNotifyInterval, "aggregation window: one notification per dead-letter reason per window, sent when the window closes or the run stops")
	markSecret(flags, "ingest-token")
	markSecret(flags, "notify-webhook-url")

	return withEnv(cmd)
}

// setDevDefaults changes the defaults of the shared flags for dev: the
// embedded servers instead of local ones, short retry delays, and errors
// only, because the planned faults log one warning per dead letter, which
// would bury the progress lines.
func (o *devOptions) setDevDefaults(flags *pflag.FlagSet) {
	o.kafka.brokers = nil
	setDefault(flags, "kafka-brokers", "[]", "outside Kafka bootstrap servers, host:port, comma-separated (empty: an embedded broker)")

	o.kafka.retryDelays = "1s,2s,4s"
	setDefault(flags, "retry-delays", o.kafka.retryDelays, "")

	o.redis.addr = ""
	setDefault(flags, "redis-addr", "", "outside Redis server, host:port; its keys go under <prefix>dev:<run id>: (empty: an embedded Redis)")

	setDefault(flags, "arena-url", "", "outside Arena base URL (empty: the embedded simulator)")
	setDefault(flags, "arena-client-id", "", "Arena service account client id (with --arena-url)")
	setDefault(flags, "arena-client-secret", "", "Arena service account client secret (with --arena-url)")

	o.log.level = "error"
	setDefault(flags, "log-level", o.log.level, "log level: debug, info, warn or error (warn shows a line per dead letter)")
}

// setDefault records a flag's new default value, whose variable the caller
// has set, and replaces its help text unless usage is empty.
func setDefault(flags *pflag.FlagSet, name, defValue, usage string) {
	f := flags.Lookup(name)
	f.DefValue = defValue
	if usage != "" {
		f.Usage = usage
	}
}

// runDev runs dev with the flags and prints the summary to out.
func runDev(ctx context.Context, o devOptions, out io.Writer) error {
	console := dev.NewConsole(os.Stderr)
	logger, err := o.logger(console)
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()

	opts, err := o.options(logger, console, out)
	if err != nil {
		return err
	}

	summary, runErr := dev.Run(ctx, opts)
	if runErr != nil && summary.EventsSent == 0 {
		return runErr
	}

	fmt.Fprintln(out)
	if err := summary.WriteTable(out); err != nil {
		return err
	}
	if err := writeSummaryJSON(o.summaryJSON, summary); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	// The run completed, but its result fails the checks.
	if err := summary.Check(); err != nil {
		return exitError{code: exitRejected, err: err}
	}

	return nil
}

// options returns the dev options of the flags.
func (o devOptions) options(logger *zap.Logger, console *dev.Console, out io.Writer) (dev.Options, error) {
	delays, err := o.kafka.delays()
	if err != nil {
		return dev.Options{}, err
	}

	opts := dev.Options{
		Events:           o.events,
		Seed:             o.seed,
		FaultRate:        o.faultRate,
		ArenaErrorRate:   o.arenaErrorRate,
		ArenaRateLimit:   o.arenaRateLimit,
		Rate:             o.rate,
		Senders:          o.senders,
		Timeout:          o.timeout,
		IngestAddr:       o.ingestAddr,
		IngestToken:      o.ingestToken,
		KafkaBrokers:     o.kafka.brokers,
		Topic:            o.kafka.topic,
		Partitions:       o.partitions,
		GroupID:          o.group,
		RetryDelays:      delays,
		Redis:            o.redis.config(),
		Arena:            o.arena.config(),
		NotifyWebhookURL: o.notifyURL,
		NotifyInterval:   o.notifyInterval,
		Logger:           logger,
		Out:              out,
	}
	if o.events > 0 {
		opts.Progress = console
	}

	return opts, opts.Validate()
}

// logger builds the logger of --log-level and --log-format, writing through
// console so log lines do not tear the progress bar. Level colors are used
// only on a terminal.
func (o devOptions) logger(console *dev.Console) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(o.log.level)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q is invalid: use debug, info, warn or error", o.log.level)
	}

	var encoder zapcore.Encoder
	switch strings.ToLower(o.log.format) {
	case "json":
		cfg := zap.NewProductionEncoderConfig()
		cfg.TimeKey = "time"
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		encoder = zapcore.NewJSONEncoder(cfg)
	case "console":
		cfg := zap.NewDevelopmentEncoderConfig()
		if console.Terminal() {
			cfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
		encoder = zapcore.NewConsoleEncoder(cfg)
	default:
		return nil, fmt.Errorf("--log-format %q is invalid: use json or console", o.log.format)
	}

	return zap.New(zapcore.NewCore(encoder, console, level)), nil
}

// writeSummaryJSON writes the summary to path; an empty path writes nothing.
func writeSummaryJSON(path string, summary dev.Summary) error {
	if path == "" {
		return nil
	}

	var buf bytes.Buffer
	if err := summary.WriteJSON(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the summary to --summary-json %s: %w", path, err)
	}

	return nil
}
