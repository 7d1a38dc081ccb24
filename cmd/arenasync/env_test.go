package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestApplyEnvSetsUnsetFlags(t *testing.T) {
	flags := pflag.NewFlagSet("test", pflag.ContinueOnError)
	topic := flags.String("topic", "lms.training.events", "main topic")
	partitions := flags.Int("partitions", 12, "partitions")
	if err := flags.Parse([]string{"--partitions", "3"}); err != nil {
		t.Fatal(err)
	}

	t.Setenv("ARENASYNC_TOPIC", "custom.events")
	t.Setenv("ARENASYNC_PARTITIONS", "7")
	if err := applyEnv(flags); err != nil {
		t.Fatal(err)
	}

	if *topic != "custom.events" {
		t.Errorf("topic = %q, want the environment's custom.events", *topic)
	}
	if *partitions != 3 {
		t.Errorf("partitions = %d, want the command line's 3", *partitions)
	}
}

func TestApplyEnvNamesInvalidValue(t *testing.T) {
	flags := pflag.NewFlagSet("test", pflag.ContinueOnError)
	flags.Int("partitions", 12, "partitions")

	t.Setenv("ARENASYNC_PARTITIONS", "twelve")
	err := applyEnv(flags)
	if err == nil {
		t.Fatal("applyEnv accepted partitions=twelve")
	}
	if !strings.Contains(err.Error(), `ARENASYNC_PARTITIONS="twelve"`) || !strings.Contains(err.Error(), "--partitions") {
		t.Errorf("error %q does not name the variable, value and flag", err)
	}
}

func TestApplyEnvHidesSecretValue(t *testing.T) {
	flags := pflag.NewFlagSet("test", pflag.ContinueOnError)
	flags.Duration("arena-client-secret", 0, "a secret parsed as a duration to force an error")
	markSecret(flags, "arena-client-secret")

	t.Setenv("ARENASYNC_ARENA_CLIENT_SECRET", "s3cr3t-value")
	err := applyEnv(flags)
	if err == nil {
		t.Fatal("applyEnv accepted an invalid value")
	}
	if strings.Contains(err.Error(), "s3cr3t-value") {
		t.Errorf("error %q shows the secret", err)
	}
	if !strings.Contains(err.Error(), "(hidden)") {
		t.Errorf("error %q does not say the value is hidden", err)
	}
}
