package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/internal/testenv"
)

// tokenLifetime is the simulator's token lifetime in the token tests, and
// tokenTraffic how long they send events: four lifetimes.
const (
	tokenLifetime = 4 * time.Second
	tokenTraffic  = 4 * tokenLifetime
)

// tokenRun is what one token test run observed while it sent events.
type tokenRun struct {
	logins       int
	unauthorized int
	sent         int
	tiers        []int64
	deadLetters  int64
}

// runTokenTraffic starts three workers with the token cache cache against a
// simulator whose logins end earlier tokens, sends ten events a second for
// tokenTraffic and counts the logins in that time.
func runTokenTraffic(t *testing.T, cache string) tokenRun {
	rig := startAccessRig(t, arenasim.Config{TokenLifetime: tokenLifetime, NewLoginInvalidatesOld: true})
	workers := rig.startWorkers(3, "--arena-token-cache", cache, "--arena-token-refresh-margin", "250ms")

	rig.send(3)
	rig.waitAllCompleted(60 * time.Second)
	before := rig.sim.Stats()

	ctx, stop := context.WithTimeout(context.Background(), tokenTraffic)
	defer stop()
	rig.sendSteadily(ctx, 1, 100*time.Millisecond)
	after := rig.sim.Stats()

	run := tokenRun{
		logins:       after.Logins - before.Logins,
		unauthorized: after.RejectedUnauthorized - before.RejectedUnauthorized,
		sent:         rig.sentCount(),
	}
	if cache == "redis" {
		rig.waitAllCompleted(30 * time.Second)
	}
	stopWorkers(t, workers)
	run.tiers = rig.tierRecords()
	run.deadLetters = rig.deadLetters()

	t.Logf("token cache %s: %d logins and %d rejected calls in %s (token lifetime %s), %d events, tiers %v, dead letters %d",
		cache, run.logins, run.unauthorized, tokenTraffic, tokenLifetime, run.sent, run.tiers, run.deadLetters)
	return run
}

func TestWorkersShareArenaToken(t *testing.T) {
	t.Parallel()
	run := runTokenTraffic(t, "redis")

	// One login per lifetime, one more or one fewer at the window's edges.
	lifetimes := int(tokenTraffic / tokenLifetime)
	if run.logins < lifetimes-1 || run.logins > lifetimes+1 {
		t.Errorf("logins = %d in %d token lifetimes, want %d ± 1", run.logins, lifetimes, lifetimes)
	}
	for i, n := range run.tiers {
		if n != 0 {
			t.Errorf("retry tier %d holds %d records, want 0: an event failed on 401", i+1, n)
		}
	}
	if run.deadLetters != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", run.deadLetters)
	}
}

// TestWorkersWithoutSharedTokenStorm is the same run with per-process
// tokens: every login ends the other workers' tokens, so they log in again
// and again. It shows that the shared token is what keeps logins down.
func TestWorkersWithoutSharedTokenStorm(t *testing.T) {
	t.Parallel()
	run := runTokenTraffic(t, "process")

	lifetimes := int(tokenTraffic / tokenLifetime)
	if run.logins < 3*lifetimes {
		t.Errorf("logins = %d in %d token lifetimes, want at least %d: per-process tokens should fight", run.logins, lifetimes, 3*lifetimes)
	}
	if run.unauthorized < lifetimes {
		t.Errorf("calls rejected with 401 = %d, want at least %d", run.unauthorized, lifetimes)
	}
}

func TestWorkerExitsWhenScopeIsMissing(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-value"
	sim := arenasim.NewServer(arenasim.Config{Clients: map[string]arenasim.ClientCredentials{
		"svc-limited": {Secret: secret, Scopes: []string{arenasim.ScopeTrainingRecordsWrite, arenasim.ScopeTrainingStatusUpdate}},
	}}, nil)
	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	cmd := exec.Command(os.Args[0], "worker")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"ARENASYNC_KAFKA_BROKERS="+strings.Join(testenv.KafkaBrokers(t), ","),
		"ARENASYNC_REDIS_ADDR="+testenv.RedisAddr(t),
		"ARENASYNC_REDIS_PREFIX="+testenv.RedisPrefix(t),
		"ARENASYNC_ARENA_URL="+url,
		"ARENASYNC_ARENA_CLIENT_ID=svc-limited",
		"ARENASYNC_ARENA_CLIENT_SECRET="+secret,
		"ARENASYNC_OPS_ADDR=",
		"ARENASYNC_LOG_LEVEL=error")
	output, err := cmd.CombinedOutput()

	exitErr, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("worker ended with %v, want exit code 1; output:\n%s", err, output)
	}
	if code := exitErr.ExitCode(); code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	want := `arenasync: arena start-up check failed: arena client "svc-limited" lacks required scopes user.read (granted: training.records.write, training.status.update)`
	if !strings.Contains(string(output), want) {
		t.Errorf("output does not contain %q:\n%s", want, output)
	}
	if strings.Contains(string(output), secret) {
		t.Errorf("output contains the client secret:\n%s", output)
	}
}
