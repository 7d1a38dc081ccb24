package main

import (
	"os"
	"testing"
)

// childEnv, when set, makes the test binary run arenasync itself with its
// arguments, so tests can start real worker processes and kill them.
const childEnv = "ARENASYNC_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}

	os.Exit(m.Run())
}
