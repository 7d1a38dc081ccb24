package testenv

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// RoundTrips records the command names of every round trip a go-redis
// client makes after RecordRoundTrips added it as a hook: one entry per
// single command and one per pipeline. Tests use it to assert that a step
// costs exactly the round trips it claims.
type RoundTrips struct {
	mu    sync.Mutex
	trips [][]string
}

// RecordRoundTrips adds a RoundTrips hook to client and returns it.
func RecordRoundTrips(client *redis.Client) *RoundTrips {
	trips := &RoundTrips{}
	client.AddHook(trips)

	return trips
}

// Take returns the recorded round trips and clears the record.
func (r *RoundTrips) Take() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()

	trips := r.trips
	r.trips = nil

	return trips
}

// DialHook leaves dialing unchanged.
func (r *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook records a single command.
func (r *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.record([]redis.Cmder{cmd})

		return next(ctx, cmd)
	}
}

// ProcessPipelineHook records a pipeline as one round trip.
func (r *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.record(cmds)

		return next(ctx, cmds)
	}
}

// record adds one round trip. A connection that the pool opens sends HELLO
// and CLIENT first, whatever command it was opened for, so those are left
// out.
func (r *RoundTrips) record(cmds []redis.Cmder) {
	names := make([]string, 0, len(cmds))
	for _, cmd := range cmds {
		names = append(names, CommandName(cmd))
	}
	if len(names) == 0 || names[0] == "hello" || names[0] == "client" {
		return
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.trips = append(r.trips, names)
}

// CommandName returns the lower-case name of cmd, with the subcommand of
// SCRIPT, such as "evalsha" or "script load".
func CommandName(cmd redis.Cmder) string {
	name := cmd.Name()
	if args := cmd.Args(); name == "script" && len(args) > 1 {
		name += " " + strings.ToLower(fmt.Sprint(args[1]))
	}

	return name
}
