package ledger

import (
	"context"
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

// logCommands loads the write script, so no EVALSHA meets an empty
// script cache, and then records the round trips of client.
func logCommands(t *testing.T, client *redis.Client) *testenv.RoundTrips {
	t.Helper()

	if err := putScript.Load(testContext(t), client).Err(); err != nil {
		t.Fatalf("load the write script: %v", err)
	}

	return testenv.RecordRoundTrips(client)
}
