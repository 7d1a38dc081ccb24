package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envPrefix starts every environment variable arenasync reads.
const envPrefix = "ARENASYNC_"

// envName returns the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// withEnv appends each flag's environment variable to its help text and, before
// the command runs, sets every flag not given on the command line from its
// variable.
func withEnv(cmd *cobra.Command) *cobra.Command {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		f.Usage += " [env " + envName(f.Name) + "]"
	})

	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}

		return run(cmd, args)
	}

	return cmd
}

// applyEnv sets unset flags from the environment.
func applyEnv(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}

		value, ok := os.LookupEnv(envName(f.Name))
		if !ok {
			return
		}
		if setErr := flags.Set(f.Name, value); setErr != nil {
			if isSecret(f) {
				// pflag's error repeats the value, so it is left out for secrets.
				err = fmt.Errorf("environment variable %s=(hidden) is invalid for --%s", envName(f.Name), f.Name)

				return
			}
			err = fmt.Errorf("environment variable %s=%q is invalid for --%s: %v", envName(f.Name), value, f.Name, setErr)
		}
	})

	return err
}

// secretAnnotation marks flags whose values never appear in messages.
const secretAnnotation = "arenasync_secret"

// markSecret marks a flag as holding a secret.
func markSecret(flags *pflag.FlagSet, name string) {
	_ = flags.SetAnnotation(name, secretAnnotation, []string{"true"})
}

// isSecret reports whether f holds a secret.
func isSecret(f *pflag.Flag) bool {
	_, ok := f.Annotations[secretAnnotation]

	return ok
}
