package ledger

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/internal/testenv"
)

// t0 is the base time of the test data.
var t0 = time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)

// newTestStore returns a store on the test Redis under a prefix of its
// own, with its client and prefix.
func newTestStore(t *testing.T) (*Store, *redis.Client, string) {
	t.Helper()

	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	prefix := testenv.RedisPrefix(t)

	return NewStore(client, prefix), client, prefix
}

// testContext returns a context that ends with the test or after 30s.
func testContext(t *testing.T) context.Context {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)

	return ctx
}

// entry returns an entry of employee on LMS-SAFETY-101 with score 95.
func entry(employee, eventID string, outcome Outcome) Entry {
	score := 95.0

	return Entry{
		EmployeeID: employee, CourseID: "LMS-SAFETY-101", EventID: eventID, Source: "lms",
		CompletionDate: "2025-01-19T14:30:00Z", Score: &score, Outcome: outcome,
		AcceptedAt: t0.Add(time.Minute), LastAttemptAt: t0.Add(2 * time.Minute),
	}
}

// commandLog records the command names of every round trip a client makes
// after it is added as a hook: one list per single command and one per
// pipeline.
type commandLog struct {
	mu    sync.Mutex
	trips [][]string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.add([]redis.Cmder{cmd})

		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		l.add(cmds)

		return next(ctx, cmds)
	}
}

func (l *commandLog) add(cmds []redis.Cmder) {
	names := make([]string, 0, len(cmds))
	for _, cmd := range cmds {
		names = append(names, commandName(cmd))
	}
	// A connection that the pool opens sends HELLO and CLIENT first,
	// whatever command it was opened for.
	if names[0] == "hello" || names[0] == "client" {
		return
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	l.trips = append(l.trips, names)
}

// commandName returns the lower-case name of cmd, with the subcommand of
// SCRIPT, such as "evalsha" or "script load".
func commandName(cmd redis.Cmder) string {
	name := cmd.Name()
	if args := cmd.Args(); name == "script" && len(args) > 1 {
		name += " " + strings.ToLower(fmt.Sprint(args[1]))
	}

	return name
}

// take returns the recorded round trips and clears the log.
func (l *commandLog) take() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()

	trips := l.trips
	l.trips = nil

	return trips
}

// logCommands loads the write script, so no EVALSHA meets an empty
// script cache, and then records the round trips of client.
func logCommands(t *testing.T, client *redis.Client) *commandLog {
	t.Helper()

	if err := putScript.Load(testContext(t), client).Err(); err != nil {
		t.Fatalf("load the write script: %v", err)
	}
	log := &commandLog{}
	client.AddHook(log)

	return log
}

// repeated returns n copies of name.
func repeated(name string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = name
	}

	return names
}
