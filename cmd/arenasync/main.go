// Command arenasync syncs LMS training events through Kafka into Arena QMS.
// One binary serves every role; run `arenasync --help` for the list.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	// Embedded zone data, so --lms-time-zone works in images without /usr/share/zoneinfo.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	err := newRootCommand().ExecuteContext(ctx)
	if err == nil {
		return
	}

	var exit exitError
	if errors.As(err, &exit) {
		if exit.err != nil {
			fmt.Fprintln(os.Stderr, "arenasync:", exit.err)
		}
		os.Exit(exit.code)
	}

	fmt.Fprintln(os.Stderr, "arenasync:", err)
	os.Exit(1)
}

// exitError ends the program with a chosen exit code.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}

	return e.err.Error()
}
