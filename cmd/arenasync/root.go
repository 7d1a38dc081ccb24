package main

import (
	"github.com/spf13/cobra"
)

// newRootCommand builds the command tree.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "arenasync",
		Short: "Sync LMS training events through Kafka into Arena QMS",
		Long: `arenasync accepts LMS training webhooks durably into Kafka, turns each into
the right Arena REST call, retries what can succeed later through delay
topics, and parks what cannot in a dead-letter topic.

Every option can also be set with an environment variable: ARENASYNC_ and
the option's name in upper case with dashes as underscores, for example
--kafka-brokers as ARENASYNC_KAFKA_BROKERS. A flag given on the command line
wins over the environment.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}

	root.AddCommand(
		newIngestCommand(),
		newWorkerCommand(),
		newReconcilerCommand(),
		newReconcileCommand(),
		newDLTCommand(),
		newMappingCommand(),
		newCatalogCommand(),
		newArenaSimCommand(),
		newTopicsCommand(),
		newDevCommand(),
		newDocsCommand(),
		newHealthcheckCommand(),
	)

	return root
}
