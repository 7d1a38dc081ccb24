package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/arenasync/arenasync/topics"
)

// topicsOptions are the flags of `arenasync topics create`.
type topicsOptions struct {
	kafka        kafkaOptions
	partitions   int
	replication  int
	retention    time.Duration
	dltRetention time.Duration
}

func newTopicsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "topics", Short: "Manage the Kafka topics"}
	cmd.AddCommand(newTopicsCreateCommand())

	return cmd
}

func newTopicsCreateCommand() *cobra.Command {
	var o topicsOptions
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create the main, retry-tier and dead-letter topics (existing ones are left as they are)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			specs, err := o.specs()
			if err != nil {
				return err
			}

			result, err := topics.Ensure(cmd.Context(), o.kafka.brokers, specs)
			for _, name := range result.Created {
				fmt.Fprintln(cmd.OutOrStdout(), "created", name)
			}
			for _, name := range result.Existing {
				fmt.Fprintln(cmd.OutOrStdout(), "exists ", name)
			}

			return err
		},
	}

	flags := cmd.Flags()
	o.kafka.register(flags)
	flags.IntVar(&o.partitions, "partitions", 12, "partitions of each topic; workers beyond this count stay idle")
	flags.IntVar(&o.replication, "replication-factor", 3, "replicas of each partition (1 for a single-broker cluster)")
	flags.DurationVar(&o.retention, "retention", 7*24*time.Hour, "retention of the main and retry-tier topics")
	flags.DurationVar(&o.dltRetention, "dlt-retention", 90*24*time.Hour, "retention of the dead-letter topic, longer so an administrator has time to act")

	return withEnv(cmd)
}

// specs lists the topics to create.
func (o topicsOptions) specs() ([]topics.Spec, error) {
	cfg, err := o.kafka.consumerConfig()
	if err != nil {
		return nil, err
	}
	if o.partitions < 1 || o.replication < 1 {
		return nil, fmt.Errorf("--partitions %d and --replication-factor %d must both be at least 1", o.partitions, o.replication)
	}

	names := cfg.Topics()
	specs := make([]topics.Spec, 0, len(names))
	for i, name := range names {
		retention := o.retention
		if i == len(names)-1 {
			retention = o.dltRetention
		}
		specs = append(specs, topics.Spec{Name: name, Partitions: o.partitions, ReplicationFactor: o.replication, Retention: retention})
	}

	return specs, nil
}
