package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// newHealthcheckCommand checks an HTTP endpoint and exits 0 on a 2xx response.
// Container images without a shell or an HTTP client use it as their
// healthcheck, such as `arenasync healthcheck http://127.0.0.1:9090/readyz`.
func newHealthcheckCommand() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck URL",
		Short: "Exit 0 when URL responds with 2xx, 1 otherwise (for container healthchecks)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()

			req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
			if err != nil {
				return exitError{code: 2, err: fmt.Errorf("healthcheck URL %q is invalid: %w", args[0], err)}
			}

			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return exitError{code: 1, err: fmt.Errorf("healthcheck %s failed: %w", args[0], err)}
			}
			resp.Body.Close()

			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				return exitError{code: 1, err: fmt.Errorf("healthcheck %s returned status %d", args[0], resp.StatusCode)}
			}

			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the response")

	return cmd
}
